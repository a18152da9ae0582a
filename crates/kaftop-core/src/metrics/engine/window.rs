//! A group partition's status window, kept as the few facts the status rules
//! read rather than as its points: one is held for every group partition (80 000
//! at issue 20's largest preset). Each point leaves five bits, how it compares
//! with the point before it, and only the newest point is kept whole. The
//! window was a ring of 11 points of 24 bytes on the heap (264 bytes, plus the
//! allocation) and is now 80 bytes inline.

use crate::metrics::status::{LagPoint, WindowFacts};

/// Bits a point leaves, newest point in the lowest bits.
const BITS: u32 = 5;
/// Its lag is known.
const KNOWN_LAG: u8 = 1;
/// Its committed offset differs from the point before's (known or not).
const MOVED: u8 = 2;
/// Its committed offset is below the point before's, both known.
const WENT_BACK: u8 = 4;
/// Its lag is above the last known lag before it.
const ROSE: u8 = 8;
/// Its lag is below the last known lag before it.
const FELL: u8 = 16;

/// The most points a window holds: 25 points of 5 bits fill a `u128`. The
/// engine's window is 11 (ten intervals and the newest read).
pub(super) const MAX_POINTS: usize = (u128::BITS / BITS) as usize;

/// The last `capacity` points' facts, oldest dropped first.
#[derive(Debug, Clone)]
pub(super) struct LagWindow {
    /// Each point's bits, the newest in the lowest five.
    marks: u128,
    len: u8,
    capacity: u8,
    /// The newest point.
    last: LagPoint,
    /// The newest known lag, which the next known lag is compared with (it may
    /// have left the window).
    last_known_lag: Option<u64>,
    /// When the newest point was read (monotonic ms); 0 while empty.
    last_at_ms: u64,
}

impl LagWindow {
    /// A window of `capacity` points, at most [`MAX_POINTS`].
    pub(super) fn new(capacity: usize) -> Self {
        LagWindow {
            marks: 0,
            len: 0,
            capacity: capacity.clamp(1, MAX_POINTS) as u8,
            last: LagPoint::default(),
            last_known_lag: None,
            last_at_ms: 0,
        }
    }

    /// When the newest point was read; `None` while empty.
    pub(super) fn last_at_ms(&self) -> Option<u64> {
        (self.len > 0).then_some(self.last_at_ms)
    }

    pub(super) fn push(&mut self, at_ms: u64, p: LagPoint) {
        let mut mark = 0;
        if let Some(lag) = p.lag {
            mark |= KNOWN_LAG;
            match self.last_known_lag {
                Some(before) if lag > before => mark |= ROSE,
                Some(before) if lag < before => mark |= FELL,
                _ => {}
            }
            self.last_known_lag = Some(lag);
        }
        if self.len > 0 {
            if p.committed != self.last.committed {
                mark |= MOVED;
            }
            if matches!((self.last.committed, p.committed), (Some(a), Some(b)) if b < a) {
                mark |= WENT_BACK;
            }
        }
        let kept = u32::from(self.capacity) * BITS;
        let mask = if kept == u128::BITS {
            u128::MAX
        } else {
            (1u128 << kept) - 1
        };
        self.marks = ((self.marks << BITS) | u128::from(mark)) & mask;
        self.len = (self.len + 1).min(self.capacity);
        self.last = p;
        self.last_at_ms = at_ms;
    }

    /// The point `age` reads before the newest one's bits (0: the newest).
    fn mark(&self, age: usize) -> u8 {
        ((self.marks >> (age as u32 * BITS)) & 0x1f) as u8
    }

    /// The facts of the points in the window, as [`WindowFacts::of`] gives them
    /// from the points themselves. The oldest point's comparison with the one
    /// before it is not the window's, nor is the first known lag's.
    pub(super) fn facts(&self) -> WindowFacts {
        let len = usize::from(self.len);
        if len == 0 {
            return WindowFacts::default();
        }
        let mut facts = WindowFacts {
            len,
            last: self.last,
            unmoved: true,
            ..WindowFacts::default()
        };
        let (mut rose, mut fell) = (false, false);
        // Oldest first, so that the first known lag is seen first.
        for age in (0..len).rev() {
            let mark = self.mark(age);
            if age + 1 < len {
                facts.rewound |= mark & WENT_BACK != 0;
                facts.unmoved &= mark & MOVED == 0;
            }
            if mark & KNOWN_LAG != 0 {
                if facts.known_lags > 0 {
                    rose |= mark & ROSE != 0;
                    fell |= mark & FELL != 0;
                }
                facts.known_lags += 1;
            }
        }
        facts.lag_rose = rose && !fell;
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn point(committed: Option<i64>, lag: Option<u64>) -> LagPoint {
        LagPoint { committed, lag }
    }

    #[test]
    fn an_empty_window_has_no_facts() {
        let w = LagWindow::new(3);
        assert_eq!(w.facts(), WindowFacts::default());
        assert!(w.last_at_ms().is_none());
    }

    #[test]
    fn keeps_the_newest_points_facts() {
        let mut w = LagWindow::new(3);
        // A rewind (5 → 4) that then leaves the window, and a lag that fell
        // before the window and rises inside it.
        let points = [
            point(Some(5), Some(9)),
            point(Some(4), Some(1)),
            point(Some(4), None),
            point(Some(4), Some(2)),
            point(Some(4), Some(3)),
        ];
        for (i, &p) in points.iter().enumerate() {
            w.push(1000 * i as u64, p);
        }
        assert_eq!(w.facts(), WindowFacts::of(&points[2..]));
        assert!(!w.facts().rewound && w.facts().unmoved && w.facts().lag_rose);
        assert_eq!(w.last_at_ms(), Some(4000));
    }

    #[test]
    fn the_window_is_small_and_holds_the_engines_points() {
        const { assert!(std::mem::size_of::<LagWindow>() <= 80) };
        const { assert!(MAX_POINTS >= 11) };
    }

    fn a_point() -> impl Strategy<Value = LagPoint> {
        // Few distinct values, so that equal and moving offsets both occur.
        (
            proptest::option::weighted(0.8, 0i64..4),
            proptest::option::weighted(0.8, 0u64..4),
        )
            .prop_map(|(committed, lag)| point(committed, lag))
    }

    proptest! {
        /// After every push, the window's facts are those of its last
        /// `capacity` points, read from the points themselves.
        #[test]
        fn facts_are_the_last_points_facts(
            capacity in 1usize..=MAX_POINTS,
            points in proptest::collection::vec(a_point(), 0..40),
        ) {
            let mut w = LagWindow::new(capacity);
            for (i, &p) in points.iter().enumerate() {
                w.push(i as u64, p);
                let from = (i + 1).saturating_sub(capacity);
                prop_assert_eq!(w.facts(), WindowFacts::of(&points[from..=i]));
            }
        }
    }
}
