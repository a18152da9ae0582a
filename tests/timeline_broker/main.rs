//! The timeline on real Apache Kafka: members joining and leaving a classic group
//! (each change one rebalance, counted), `kaftop events --json` seeing a member
//! come and go, and, on the 3-node cluster, a node stopped and started again
//! (broker down/up, leader changes, ISR shrink and expand, URP began and ended);
//! a share group member joining and a Streams application's tasks moving to a
//! second instance (the Java peer's share consumer and Kafka Streams app).
//!
//! Refreshes are taken by the test, between changes it waits for, so every
//! refresh sees exactly one change. The expectations come from the consumers' own
//! assignments, `kafka-consumer-groups` and the metadata of an independent client.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod command;
mod groups;
mod member;
mod nodes;
mod typed;

use std::time::Duration;

use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_core::kafka::poller::{PollerOptions, Refresher};
use kaftop_core::kafka::snapshot::ClusterSnapshot;
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{MetricsEngine, TimelineEvent};

pub(crate) const DEADLINE: Duration = Duration::from_secs(90);

fn resolved(bootstrap: &str) -> Resolved {
    config::resolve(
        None,
        None,
        &Overrides {
            bootstrap_servers: Some(bootstrap.to_string()),
            ..Default::default()
        },
    )
    .unwrap()
}

/// The poller and the metrics engine, refreshed when the test says.
pub(crate) struct Watch {
    refresher: Refresher,
    engine: MetricsEngine,
    seen: usize,
    last: Option<ClusterSnapshot>,
}

impl Watch {
    pub(crate) fn new(bootstrap: &str) -> Self {
        Watch::with_groups(bootstrap, None)
    }

    /// A watch of only these groups (`Some(vec![])`: no group at all).
    pub(crate) fn with_groups(bootstrap: &str, only: Option<Vec<String>>) -> Self {
        let cfg = resolved(bootstrap);
        let mut opts = PollerOptions::from_config(&cfg, Vec::<String>::new());
        opts.only_groups = only;
        Watch {
            refresher: Refresher::new(&cfg, opts).unwrap(),
            engine: MetricsEngine::new(
                EngineConfig::for_interval(Duration::from_secs(1)),
                cfg.lag.clone(),
            ),
            seen: 0,
            last: None,
        }
    }

    /// One refresh through the engine: the events it added to the timeline.
    pub(crate) fn refresh(&mut self) -> Vec<TimelineEvent> {
        let snap = self.refresher.refresh();
        assert!(snap.connected, "{:?}", snap.errors);
        let m = self.engine.ingest(&snap);
        let new = m.timeline[self.seen..].to_vec();
        self.seen = m.timeline.len();
        self.last = Some(snap);
        new
    }
}
