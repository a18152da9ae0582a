//! The overview's ticker: a few records a second sampled from the busiest
//! topics, newest first. It runs only while the overview is shown, on the
//! tail's machinery (one sampler per topic, from the end, rate-limited), and
//! follows the busiest topics as they change.

use std::collections::VecDeque;

use crate::kafka::record::RecordView;
use crate::kafka::sampler::SamplerEvent;
use crate::metrics::ClusterMetrics;
use crate::report::rank;
use crate::tui::command::Command;

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

    /// The busiest non-internal topics that have traffic.
    pub fn busiest(c: &ClusterMetrics) -> Vec<String> {
        rank::topics_by_rate(&c.topics)
            .into_iter()
            .filter(|t| t.rate.is_some_and(|r| r > 0.0))
            .take(TOPICS)
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
            Some(c) if shown => Ticker::busiest(c),
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
