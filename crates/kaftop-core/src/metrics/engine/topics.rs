//! Folding a snapshot's topics: produce rates per partition and topic, replication
//! problems, and the rate history of each topic.

use std::collections::BTreeSet;

use super::output::{PartitionMetrics, TopicMetrics};
use super::partition_states::PartitionStates;
use super::{MetricsEngine, PartitionState, TopicState};
use crate::kafka::health::{offline_replicas, partition_problem, PartitionProblem};
use crate::kafka::snapshot::TopicInfo;
use crate::metrics::distribution::distribution;
use crate::metrics::log_start::LogStartHistory;
use crate::metrics::rate::{CounterRate, Sample};

impl MetricsEngine {
    /// One topic's metrics at `now`; `live` holds the brokers that are up. Its
    /// partition rows are built `with_rows` only; its totals always.
    pub(super) fn topic_metrics(
        &mut self,
        t: &TopicInfo,
        live: &BTreeSet<i32>,
        now: u64,
        with_rows: bool,
    ) -> TopicMetrics {
        let generation = self.generation;
        let tau = self.tau();
        let span = self.cfg.history_span;
        let mut partitions = Vec::with_capacity(if with_rows { t.partitions.len() } else { 0 });
        let mut loads = Vec::with_capacity(t.partitions.len());
        let (mut messages, mut under_replicated, mut under_min_isr, mut offline) = (0, 0, 0, 0);
        let mut topic_rate: Option<f64> = None;
        let name = self.names.get(&t.name);
        let ring = self.history_ring();
        let ts = self.topics.entry(name).or_insert_with(|| TopicState {
            rates: ring,
            seen: generation,
            partitions: Vec::new(),
        });
        ts.seen = generation;
        let mut states = PartitionStates::new(std::mem::take(&mut ts.partitions));
        for p in &t.partitions {
            let st = states.get_or_insert(
                |s: &PartitionState| s.id.cmp(&p.id),
                || PartitionState {
                    id: p.id,
                    produce: CounterRate::new(tau),
                    log_start: LogStartHistory::new(span),
                    seen: generation,
                },
            );
            st.seen = generation;
            if let Some(low) = p.low {
                st.log_start.observe(now, low);
            }
            let rate = match p.high {
                Some(h) => st.produce.observe(Sample {
                    at_ms: now,
                    value: h,
                }),
                None => st.produce.value(),
            };
            if let Some(r) = rate {
                *topic_rate.get_or_insert(0.0) += r;
            }
            let problem = partition_problem(p.leader, &p.replicas, &p.isr, t.min_insync_replicas);
            let under = p.under_replicated();
            messages += p.messages().unwrap_or(0);
            under_replicated += usize::from(under);
            under_min_isr += usize::from(problem == Some(PartitionProblem::UnderMinIsr));
            offline += usize::from(problem == Some(PartitionProblem::Offline));
            loads.push((p.id, p.messages().unwrap_or(0), rate, p.leader));
            if with_rows {
                partitions.push(PartitionMetrics {
                    id: p.id,
                    leader: p.leader,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    low: p.low,
                    high: p.high,
                    messages: p.messages(),
                    rate,
                    under_replicated: under,
                    offline_replicas: offline_replicas(&p.replicas, live),
                    problem,
                    error: p.error.clone(),
                });
            }
        }
        ts.partitions = states.kept(generation);
        ts.rates.push(topic_rate.unwrap_or(0.0));
        TopicMetrics {
            name: t.name.clone(),
            internal: t.internal,
            replication: t
                .partitions
                .iter()
                .map(|p| p.replicas.len())
                .max()
                .unwrap_or(0),
            messages,
            rate: topic_rate,
            rate_history: ts.rates.to_vec(),
            under_replicated,
            under_min_isr,
            offline,
            min_insync_replicas: t.min_insync_replicas,
            distribution: distribution(&loads),
            partition_count: t.partitions.len(),
            partitions,
            error: t.error.clone(),
        }
    }
}
