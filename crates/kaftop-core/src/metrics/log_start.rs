//! A partition's log-start offsets over the last span, the pace the data-loss
//! forecast ([`super::data_loss`]) reads.
//!
//! One history is kept for every partition of the cluster (40 000 at issue 20's
//! largest preset), and on most of them the log start never moves inside the span:
//! their samples differ only in time. Those are kept inline, as one offset and the
//! sample times; the heap is used only by a partition whose log start moved.

use std::collections::VecDeque;
use std::time::Duration;

/// The most samples kept inline: one per tenth of the span, the one past it until
/// the oldest is dropped, and one to spare. A history that needs more (a span
/// shorter than ten milliseconds) is kept on the heap.
const INLINE: usize = 12;

/// At most ~11 samples, one per tenth of the span, so memory does not grow with the
/// poll rate.
#[derive(Debug, Clone)]
pub struct LogStartHistory {
    samples: Samples,
    span_ms: u64,
}

#[derive(Debug, Clone)]
enum Samples {
    /// Every sample (none when `len` is 0) saw the log start at `low`; they were
    /// taken at `oldest_ms`, then at `oldest_ms + after_oldest_ms[i]` for
    /// `i < len - 1`.
    Unmoved {
        low: i64,
        oldest_ms: u64,
        len: u8,
        after_oldest_ms: [u32; INLINE - 1],
    },
    /// `(at_ms, low)`, oldest first, the log start moving between them.
    Moved(VecDeque<(u64, i64)>),
}

impl Samples {
    const EMPTY: Samples = Samples::Unmoved {
        low: 0,
        oldest_ms: 0,
        len: 0,
        after_oldest_ms: [0; INLINE - 1],
    };

    fn len(&self) -> usize {
        match self {
            Samples::Unmoved { len, .. } => usize::from(*len),
            Samples::Moved(s) => s.len(),
        }
    }

    fn front(&self) -> Option<(u64, i64)> {
        match self {
            Samples::Unmoved { len: 0, .. } => None,
            Samples::Unmoved { low, oldest_ms, .. } => Some((*oldest_ms, *low)),
            Samples::Moved(s) => s.front().copied(),
        }
    }

    fn back(&self) -> Option<(u64, i64)> {
        match self {
            Samples::Unmoved { len: 0, .. } => None,
            Samples::Unmoved {
                len: 1,
                low,
                oldest_ms,
                ..
            } => Some((*oldest_ms, *low)),
            Samples::Unmoved {
                len,
                low,
                oldest_ms,
                after_oldest_ms,
            } => Some((
                oldest_ms + u64::from(after_oldest_ms[usize::from(*len) - 2]),
                *low,
            )),
            Samples::Moved(s) => s.back().copied(),
        }
    }

    /// Unmoved samples oldest first, on the heap (the fields of [`Samples::Unmoved`]).
    fn to_heap(
        low: i64,
        oldest_ms: u64,
        len: u8,
        after_oldest_ms: &[u32; INLINE - 1],
    ) -> VecDeque<(u64, i64)> {
        let mut s = VecDeque::with_capacity(INLINE);
        if len > 0 {
            s.push_back((oldest_ms, low));
            let rest = &after_oldest_ms[..usize::from(len) - 1];
            s.extend(rest.iter().map(|&d| (oldest_ms + u64::from(d), low)));
        }
        s
    }

    /// `samples` inline when they all saw one log start and fit; `None` otherwise.
    fn unmoved(samples: &VecDeque<(u64, i64)>) -> Option<Samples> {
        let &(oldest_ms, low) = samples.front()?;
        if samples.len() > INLINE || samples.iter().any(|&(_, l)| l != low) {
            return None;
        }
        let mut after_oldest_ms = [0; INLINE - 1];
        for (slot, &(t, _)) in after_oldest_ms.iter_mut().zip(samples.iter().skip(1)) {
            *slot = u32::try_from(t.checked_sub(oldest_ms)?).ok()?;
        }
        Some(Samples::Unmoved {
            low,
            oldest_ms,
            len: samples.len() as u8,
            after_oldest_ms,
        })
    }

    fn push_back(&mut self, at_ms: u64, low: i64) {
        let moved = match self {
            Samples::Moved(s) => {
                s.push_back((at_ms, low));
                return;
            }
            Samples::Unmoved { len: 0, .. } => {
                *self = Samples::Unmoved {
                    low,
                    oldest_ms: at_ms,
                    len: 1,
                    after_oldest_ms: [0; INLINE - 1],
                };
                return;
            }
            Samples::Unmoved {
                low: held,
                oldest_ms,
                len,
                after_oldest_ms,
            } => {
                let after = at_ms
                    .checked_sub(*oldest_ms)
                    .and_then(|d| u32::try_from(d).ok());
                if let (true, true, Some(after)) = (low == *held, usize::from(*len) < INLINE, after)
                {
                    after_oldest_ms[usize::from(*len) - 1] = after;
                    *len += 1;
                    return;
                }
                let mut moved = Samples::to_heap(*held, *oldest_ms, *len, after_oldest_ms);
                moved.push_back((at_ms, low));
                moved
            }
        };
        *self = Samples::Moved(moved);
    }

    fn pop_front(&mut self) {
        match self {
            Samples::Unmoved { len: 0, .. } => {}
            Samples::Unmoved { len: 1, .. } => *self = Samples::EMPTY,
            Samples::Unmoved {
                oldest_ms,
                len,
                after_oldest_ms,
                ..
            } => {
                let next = after_oldest_ms[0];
                *oldest_ms += u64::from(next);
                let kept = usize::from(*len) - 1;
                after_oldest_ms.copy_within(1..kept, 0);
                for d in &mut after_oldest_ms[..kept - 1] {
                    *d -= next;
                }
                *len -= 1;
            }
            Samples::Moved(s) => {
                s.pop_front();
                // The moves have left the span: back inline, the heap freed.
                if let Some(unmoved) = Samples::unmoved(s) {
                    *self = unmoved;
                }
            }
        }
    }
}

impl LogStartHistory {
    pub fn new(span: Duration) -> Self {
        LogStartHistory {
            samples: Samples::EMPTY,
            span_ms: (span.as_millis() as u64).max(1),
        }
    }

    /// Records the log start `low` seen at `at_ms` (monotonic).
    pub fn observe(&mut self, at_ms: u64, low: i64) {
        // A log start that went back: the partition was recreated; start over.
        if self.samples.back().is_some_and(|(_, l)| low < l) {
            self.samples = Samples::EMPTY;
        }
        let step = self.span_ms / 10;
        if self
            .samples
            .back()
            .is_none_or(|(t, _)| at_ms >= t.saturating_add(step))
        {
            self.samples.push_back(at_ms, low);
        }
        while self.samples.len() > 1
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| at_ms.saturating_sub(t) > self.span_ms)
        {
            self.samples.pop_front();
        }
    }

    /// Records per second the log start advanced by, from the oldest sample kept to
    /// (`at_ms`, `low`); `None` before two distinct moments.
    pub fn rate(&self, at_ms: u64, low: i64) -> Option<f64> {
        let (t0, l0) = self.samples.front()?;
        let secs = at_ms.checked_sub(t0)? as f64 / 1000.0;
        (secs > 0.0).then(|| (low - l0).max(0) as f64 / secs)
    }

    /// Whether the samples are on the heap (the log start moved inside the span).
    #[cfg(test)]
    fn on_heap(&self) -> bool {
        matches!(self.samples, Samples::Moved(_))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The history's definition, every sample on the heap: what the inline form
    /// must answer alike.
    struct Reference {
        samples: VecDeque<(u64, i64)>,
        span_ms: u64,
    }

    impl Reference {
        fn observe(&mut self, at_ms: u64, low: i64) {
            if self.samples.back().is_some_and(|&(_, l)| low < l) {
                self.samples.clear();
            }
            let step = self.span_ms / 10;
            if self
                .samples
                .back()
                .is_none_or(|&(t, _)| at_ms >= t.saturating_add(step))
            {
                self.samples.push_back((at_ms, low));
            }
            while self.samples.len() > 1
                && self
                    .samples
                    .front()
                    .is_some_and(|&(t, _)| at_ms.saturating_sub(t) > self.span_ms)
            {
                self.samples.pop_front();
            }
        }

        fn rate(&self, at_ms: u64, low: i64) -> Option<f64> {
            let &(t0, l0) = self.samples.front()?;
            let secs = at_ms.checked_sub(t0)? as f64 / 1000.0;
            (secs > 0.0).then(|| (low - l0).max(0) as f64 / secs)
        }
    }

    #[test]
    fn history_is_bounded_and_restarts_on_a_new_partition() {
        let mut h = LogStartHistory::new(Duration::from_secs(100));
        for i in 0..1_000u64 {
            h.observe(i * 1_000, i as i64);
        }
        assert!(h.samples.len() <= 11);
        assert_eq!(h.rate(1_000_000, 1_000), Some(1.0));
        h.observe(1_001_000, 0);
        assert_eq!(h.samples.len(), 1);
    }

    #[test]
    fn a_log_start_that_never_moves_stays_off_the_heap() {
        let mut h = LogStartHistory::new(Duration::from_secs(600));
        for i in 0..500u64 {
            h.observe(i * 5_000, 42);
            assert!(!h.on_heap(), "at sample {i}");
        }
        assert!(h.samples.len() <= 11);
        assert_eq!(h.rate(2_500_000, 42), Some(0.0));
        // Samples are a minute apart, the last at 2 460 s. The log start moves:
        // on the heap, at the pace from the oldest sample kept (600 s before)...
        h.observe(2_520_000, 1_042);
        assert!(h.on_heap());
        assert_eq!(h.rate(2_520_000, 1_042), Some(1_000.0 / 600.0));
        // ...and back inline once the move has left the span.
        for i in 1..=200u64 {
            h.observe(2_520_000 + i * 5_000, 1_042);
        }
        assert!(!h.on_heap());
        assert_eq!(h.rate(3_520_000, 1_042), Some(0.0));
    }

    fn observations() -> impl Strategy<Value = (u64, Vec<(u64, i64)>)> {
        // Spans from 1 ms (more samples than fit inline) to 10 min; steps from 0
        // to past the span; the log start mostly still, sometimes moving, rarely
        // going back (a recreated partition) or jumping past u32.
        let span = prop_oneof![1u64..40, 1_000u64..600_000];
        let step = prop_oneof![
            3 => (0i64..1, 0u64..20_000),
            1 => (1i64..1_000, 0u64..20_000),
            1 => (0i64..1, 0u64..2_000_000),
            1 => (-5i64..0, 0u64..20_000),
            1 => (0i64..1, 4_294_967_000u64..4_294_968_000),
        ];
        (span, proptest::collection::vec(step, 1..200)).prop_map(|(span, steps)| {
            let (mut at, mut low) = (0u64, 0i64);
            let points = steps
                .into_iter()
                .map(|(dl, dt)| {
                    at += dt;
                    low = (low + dl).max(0);
                    (at, low)
                })
                .collect();
            (span, points)
        })
    }

    proptest! {
        /// After every observation, the pace equals the reference's, now and a
        /// little later, whatever the samples' form.
        #[test]
        fn the_inline_form_answers_as_the_samples_do((span, points) in observations()) {
            let mut h = LogStartHistory::new(Duration::from_millis(span));
            let mut r = Reference { samples: VecDeque::new(), span_ms: span };
            for (at, low) in points {
                h.observe(at, low);
                r.observe(at, low);
                prop_assert_eq!(h.samples.len(), r.samples.len());
                prop_assert_eq!(h.samples.front(), r.samples.front().copied());
                prop_assert_eq!(h.samples.back(), r.samples.back().copied());
                for later in [0, 1, 7_000] {
                    prop_assert_eq!(h.rate(at + later, low + 3), r.rate(at + later, low + 3));
                }
            }
        }
    }
}
