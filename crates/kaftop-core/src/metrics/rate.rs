//! Rates from counters (high watermarks, committed offsets).

/// A counter read at a monotonic time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub at_ms: u64,
    pub value: i64,
}

/// Per-second rate between two reads of one counter. `None` when time did not
/// advance, or when the counter went backwards (topic re-created, offsets reset):
/// a reset is not a negative rate.
pub fn rate(prev: Sample, cur: Sample) -> Option<f64> {
    let dt_ms = cur.at_ms.checked_sub(prev.at_ms)?;
    if dt_ms == 0 || cur.value < prev.value {
        return None;
    }
    Some((cur.value - prev.value) as f64 * 1000.0 / dt_ms as f64)
}

/// Exponentially smoothed rate with a time constant, so uneven refresh intervals
/// weigh correctly: after `tau` a step change is ~63 % absorbed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothed {
    tau_secs: f64,
    value: Option<f64>,
}

impl Smoothed {
    pub fn new(tau_secs: f64) -> Self {
        Smoothed {
            tau_secs,
            value: None,
        }
    }

    pub fn value(&self) -> Option<f64> {
        self.value
    }

    /// Folds in a rate measured over `dt_secs`.
    pub fn update(&mut self, rate: f64, dt_secs: f64) -> f64 {
        let v = match self.value {
            None => rate,
            Some(prev) => {
                let alpha = 1.0 - (-dt_secs / self.tau_secs).exp();
                prev + alpha * (rate - prev)
            }
        };
        self.value = Some(v);
        v
    }

    /// Forgets the history (after a counter reset).
    pub fn reset(&mut self) {
        self.value = None;
    }
}

/// A counter's last read and its smoothed rate.
#[derive(Debug, Clone, Copy)]
pub struct CounterRate {
    last: Option<Sample>,
    smoothed: Smoothed,
    /// The unsmoothed rate of the last interval.
    pub instant: Option<f64>,
}

impl CounterRate {
    pub fn new(tau_secs: f64) -> Self {
        CounterRate {
            last: None,
            smoothed: Smoothed::new(tau_secs),
            instant: None,
        }
    }

    /// Folds in a new read; returns the smoothed rate (None until two reads).
    pub fn observe(&mut self, s: Sample) -> Option<f64> {
        if let Some(prev) = self.last {
            if s.at_ms <= prev.at_ms {
                // Same refresh seen twice, or time went backwards: ignore it.
                return self.smoothed.value();
            }
            match rate(prev, s) {
                Some(r) => {
                    self.instant = Some(r);
                    self.smoothed
                        .update(r, (s.at_ms - prev.at_ms) as f64 / 1000.0);
                }
                None => {
                    self.instant = None;
                    self.smoothed.reset();
                }
            }
        }
        self.last = Some(s);
        self.smoothed.value()
    }

    pub fn value(&self) -> Option<f64> {
        self.smoothed.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(at_ms: u64, value: i64) -> Sample {
        Sample { at_ms, value }
    }

    #[test]
    fn rate_is_delta_over_time() {
        assert_eq!(rate(s(0, 100), s(2000, 300)), Some(100.0));
        assert_eq!(rate(s(1000, 5), s(1500, 5)), Some(0.0));
    }

    #[test]
    fn rate_guards_zero_time_and_resets() {
        assert_eq!(rate(s(1000, 1), s(1000, 50)), None);
        assert_eq!(rate(s(2000, 1), s(1000, 50)), None);
        // Topic re-created: the counter starts over.
        assert_eq!(rate(s(0, 5000), s(2000, 10)), None);
    }

    #[test]
    fn smoothing_converges_and_respects_time() {
        let mut sm = Smoothed::new(10.0);
        assert_eq!(sm.update(100.0, 2.0), 100.0);
        let after_short = sm.update(0.0, 1.0);
        let mut sm2 = Smoothed::new(10.0);
        sm2.update(100.0, 2.0);
        let after_long = sm2.update(0.0, 30.0);
        assert!(after_short > after_long, "{after_short} {after_long}");
        assert!((after_short - 100.0 * (-0.1f64).exp()).abs() < 1e-9);
        assert!(after_long < 5.0);
    }

    #[test]
    fn counter_rate_resets_on_recreation_then_recovers() {
        let mut c = CounterRate::new(5.0);
        assert_eq!(c.observe(s(0, 0)), None);
        assert_eq!(c.observe(s(1000, 50)), Some(50.0));
        // Duplicate refresh: ignored.
        assert_eq!(c.observe(s(1000, 60)), Some(50.0));
        // Re-created topic: no rate, no negative spike.
        assert_eq!(c.observe(s(2000, 3)), None);
        assert_eq!(c.instant, None);
        assert_eq!(c.observe(s(3000, 13)), Some(10.0));
    }
}
