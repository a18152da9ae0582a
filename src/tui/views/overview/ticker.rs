//! The overview's ticker: a few records a second sampled from the busiest
//! topics, newest first. It runs only while the overview is shown, on the
//! tail's machinery (one sampler per topic, from the end, rate-limited), and
//! follows the busiest topics as they change.

use std::collections::VecDeque;

use crate::tui::command::Command;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::SamplerEvent;
use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::report::rank;

/// Topics sampled at once.
pub(crate) const TOPICS: usize = 2;
/// Records kept.
const KEEP: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct Ticker {
    /// The topics sampled now (empty: stopped).
    pub topics: Vec<String>,
    /// Incremented by every restart; records of older sessions are dropped.
    pub session: u64,
    records: VecDeque<RecordView>,
}

impl Ticker {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn newest_first(&self) -> impl Iterator<Item = &RecordView> {
        self.records.iter().rev()
    }

    /// The `n` busiest non-internal topics that have traffic.
    pub fn busiest(c: &ClusterMetrics, n: usize) -> Vec<String> {
        rank::topics_by_rate(&c.topics)
            .into_iter()
            .filter(|t| t.rate.is_some_and(|r| r > 0.0))
            .take(n)
            .map(|t| t.name.clone())
            .collect()
    }

    /// Starts, moves or stops the sampling: `shown` is whether the overview is
    /// on screen. Returns the command when something changes.
    pub(crate) fn steer(
        &mut self,
        shown: bool,
        cluster: Option<&ClusterMetrics>,
    ) -> Option<Command> {
        let mut want = match cluster {
            // Rates wobble: the topics sampled stay while they are among the
            // busiest few, so two close topics do not restart it every refresh.
            Some(c) if shown && !self.topics.is_empty() => {
                let now = Ticker::busiest(c, TOPICS);
                let near = Ticker::busiest(c, 2 * TOPICS);
                let kept = self.topics.iter().all(|t| near.contains(t));
                if kept && now.len() == self.topics.len() {
                    return None;
                }
                now
            }
            Some(c) if shown => Ticker::busiest(c, TOPICS),
            _ => Vec::new(),
        };
        want.sort();
        if want == self.topics {
            return None;
        }
        self.session += 1;
        self.topics = want.clone();
        Some(if want.is_empty() {
            Command::StopTicker
        } else {
            Command::StartTicker {
                session: self.session,
                topics: want,
            }
        })
    }

    pub fn on_sampler(&mut self, session: u64, event: SamplerEvent) -> bool {
        if session != self.session {
            return false;
        }
        match event {
            SamplerEvent::Records { records, .. } => {
                self.push(records);
                true
            }
            // The ticker is a glance: a topic it cannot read is simply not shown.
            SamplerEvent::Started(_) | SamplerEvent::Error(_) => false,
        }
    }

    pub fn push(&mut self, records: Vec<RecordView>) {
        self.records.extend(records);
        while self.records.len() > KEEP {
            self.records.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::metrics::TopicMetrics;

    fn cluster(rates: &[(&str, f64)]) -> ClusterMetrics {
        let topic = |(name, rate): &(&str, f64)| TopicMetrics {
            name: name.to_string(),
            internal: false,
            replication: 1,
            messages: 0,
            rate: Some(*rate),
            rate_history: vec![],
            under_replicated: 0,
            under_min_isr: 0,
            offline: 0,
            min_insync_replicas: None,
            distribution: kaftop_core::metrics::distribution::distribution(&[]),
            partition_count: 0,
            partitions: vec![],
            error: None,
        };
        ClusterMetrics {
            topics: rates.iter().map(topic).collect(),
            ..ClusterMetrics::default()
        }
    }

    #[test]
    fn follows_the_busiest_topics_without_churning() {
        let mut t = Ticker::default();
        let c = cluster(&[("a", 10.0), ("b", 9.0), ("c", 8.0), ("d", 1.0)]);
        assert!(matches!(
            t.steer(true, Some(&c)),
            Some(Command::StartTicker { session: 1, .. })
        ));
        assert_eq!(t.topics, ["a", "b"]);
        // c overtakes b by a little: b is still among the busiest few, kept.
        let c2 = cluster(&[("a", 10.0), ("b", 8.0), ("c", 9.0), ("d", 1.0)]);
        assert!(t.steer(true, Some(&c2)).is_none());
        // b stops: c and a.
        let c3 = cluster(&[("a", 10.0), ("b", 0.0), ("c", 9.0), ("d", 5.0), ("e", 4.0)]);
        assert!(t.steer(true, Some(&c3)).is_some());
        assert_eq!(t.topics, ["a", "c"]);
        // Hidden: stopped; records of the old session are dropped.
        assert!(matches!(
            t.steer(false, Some(&c3)),
            Some(Command::StopTicker)
        ));
        assert!(!t.on_sampler(
            2,
            SamplerEvent::Records {
                records: vec![],
                skipped: 0
            }
        ));
    }
}
