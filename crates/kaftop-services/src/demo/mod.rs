//! `kaftop demo`: the whole dashboard with no Kafka installed. librdkafka's mock
//! cluster (3 brokers, so leaders and partition distribution are real) carries the
//! message service's topics and their DLQs; the four embedded services consume them;
//! a traffic generator plays a message-service day; and one service pauses now and
//! then so its lag builds up, alerts, and recovers.
//!
//! The mock cluster lacks ListGroups, DescribeGroups and CreateTopics: the demo
//! creates its topics through the mock's own API and tells the poller which groups
//! exist (the services' groups), so nothing shown is invented.

pub mod traffic;

use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use serde::Serialize;

use crate::ServiceName;
use crate::{self as services, ServicesHandle, ServicesOptions};
use kaftop_core::config::{self, Overrides, Resolved};
use kaftop_core::events::{dlq_topic, EventKind};
use kaftop_core::kafka::poller::GroupReporter;
use kaftop_core::monitor::{Monitor, MonitorOptions};
use kaftop_core::worker::Worker;
use traffic::{Traffic, TrafficOptions, TrafficTotals};

/// The most created events per second the demo runs: its producer, the mock
/// cluster and the four services share the machine, and above this (measured on
/// 2 cores, debug build: 5 000/s for 3 s is all accounted for within seconds;
/// 1 000 000/s produced ~50 000/s, left 300 000 events unconsumed after a 30 s
/// drain and grew to 250 MB) the services cannot keep up.
pub const MAX_RATE: f64 = 5_000.0;

/// The service that pauses to show lag building up and recovering.
pub const SLOW_SERVICE: ServiceName = ServiceName::Analytics;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub brokers: i32,
    pub partitions: i32,
    /// Mean created events per second.
    pub rate: f64,
    /// Pause/resume cycle of the slow service: paused from 25 % to 60 % of it.
    pub slowdown_cycle: Duration,
    pub data_dir: Option<PathBuf>,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            brokers: 3,
            partitions: 6,
            rate: 50.0,
            slowdown_cycle: Duration::from_secs(120),
            data_dir: None,
            seed: 7,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("starting the mock cluster: {0}")]
    Mock(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Services(#[from] services::ServicesError),
    #[error(transparent)]
    Kafka(#[from] kaftop_core::kafka::KafkaError),
}

/// A running demo. Field order is drop order: traffic and services stop before the
/// cluster they talk to goes away.
pub struct Demo {
    slowdown: Option<Worker<()>>,
    traffic: Option<Traffic>,
    services: Arc<ServicesHandle>,
    pub cfg: Resolved,
    data_dir: PathBuf,
    owns_data_dir: bool,
    _cluster: MockCluster<'static, DefaultProducerContext>,
}

impl Demo {
    pub fn start(opts: DemoOptions) -> Result<Demo, DemoError> {
        let cluster = MockCluster::new(opts.brokers).map_err(|e| DemoError::Mock(e.to_string()))?;
        let owns_data_dir = opts.data_dir.is_none();
        let data_dir = opts.data_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("kaftop-demo-{}", std::process::id()))
        });
        let mut cfg = config::resolve(
            None,
            None,
            &Overrides {
                bootstrap_servers: Some(cluster.bootstrap_servers()),
                data_dir: Some(data_dir.clone()),
                ..Default::default()
            },
        )?;
        cfg.poll_interval = Duration::from_secs(1);
        cfg.services.vip_user_ids = vec![100, 4242];
        // Low enough that the paused service alerts within its pause.
        cfg.lag
            .groups
            .insert(services::seed_group(SLOW_SERVICE).to_string(), 100);
        for spec in [
            &mut cfg.topics.created,
            &mut cfg.topics.read,
            &mut cfg.topics.deleted,
        ] {
            spec.partitions = opts.partitions;
            spec.replication_factor = opts.brokers.min(3);
        }
        for spec in cfg.topics.all() {
            for name in [spec.name.clone(), dlq_topic(&spec.name)] {
                cluster
                    .create_topic(&name, spec.partitions, spec.replication_factor)
                    .map_err(|e| DemoError::Mock(format!("creating {name}: {e}")))?;
            }
        }

        let mut sopts = ServicesOptions::for_config(&cfg);
        sopts.receipt_retry_window = Duration::from_secs(15);
        let services = Arc::new(services::start(&cfg, sopts, &[])?);
        let traffic = traffic::start(
            &cfg,
            TrafficOptions {
                rate: opts.rate,
                vip_user_ids: cfg.services.vip_user_ids.clone(),
                poison_every: 400,
                seed: opts.seed,
            },
        )?;
        let slowdown = spawn_slowdown(services.clone(), opts.slowdown_cycle);
        Ok(Demo {
            slowdown: Some(slowdown),
            traffic: Some(traffic),
            services,
            cfg,
            data_dir,
            owns_data_dir,
            _cluster: cluster,
        })
    }

    pub fn services(&self) -> &Arc<ServicesHandle> {
        &self.services
    }

    /// Monitor options for the mock cluster: the demo's own groups (the mock cannot
    /// list or describe groups), described by the demo's consumers, offsets asked per
    /// partition (the mock ignores the "all partitions" form).
    pub fn monitor_options(&self) -> MonitorOptions {
        let mut m = MonitorOptions::from_config(&self.cfg, services::service_groups(&self.cfg));
        let o = &mut m.read;
        o.only_groups = Some(
            services::ALL_SERVICES
                .iter()
                .map(|&s| self.services.group(s))
                .collect(),
        );
        // The mock describes no groups: the demo's own consumers report theirs.
        let services = Arc::clone(&self.services);
        o.described_by = Some(GroupReporter::new(
            "reported by the demo's consumers",
            move |groups| services.group_descriptions(groups),
        ));
        o.offsets_per_partition = true;
        m
    }

    /// Stops the traffic, lets the services drain, and accounts for every event.
    pub fn finish(mut self, drain_deadline: Duration) -> Result<Summary, DemoError> {
        if let Some(slowdown) = self.slowdown.take() {
            slowdown.stop();
        }
        // The paused service may be stopped: bring it back to drain its lag.
        if !self.services.running().contains(&SLOW_SERVICE) {
            self.services.start_service(SLOW_SERVICE)?;
        }
        let totals = self
            .traffic
            .take()
            .map(Traffic::stop)
            .unwrap_or(TrafficTotals {
                delivered: [0; 3],
                poison: [0; 3],
                failed: 0,
            });
        let mut monitor = Monitor::new(&self.cfg, self.monitor_options())?;
        let deadline = Instant::now() + drain_deadline;
        // Drained: every group's committed offsets reached the log end, and every
        // service consumed every record of its topics that retention left it. (The
        // mock keeps a few MB per partition: a service paused under heavy traffic
        // finds its oldest records gone, as it would on a real cluster.)
        let (lags, expired, snapshot, drained) = loop {
            let (lags, expired) = group_lags(&mut monitor, &self.cfg);
            let snapshot = self.services.stats();
            let consumed_all = snapshot.services.iter().all(|s| {
                s.counters.consumed + on_topics_of(s.name, &expired) >= expected(s.name, &totals)
            });
            let done = consumed_all && lags.iter().all(|l| l.lag == Some(0));
            if done || Instant::now() > deadline {
                break (lags, expired, snapshot, done);
            }
            std::thread::sleep(Duration::from_millis(500));
        };
        let services: Vec<ServiceSummary> = snapshot
            .services
            .iter()
            .map(|s| {
                let expected = expected(s.name, &totals);
                let c = s.counters;
                let skipped = expected.saturating_sub(c.consumed);
                ServiceSummary {
                    service: s.name,
                    expected,
                    consumed: c.consumed,
                    expired_unconsumed: skipped,
                    processed: c.processed,
                    dead_lettered: c.dead_lettered,
                    dedupe_hits: c.dedupe_hits,
                    // An unreadable store leaves the pending count unknown: then
                    // the service is not shown as accounted for.
                    pending: s.pending.unwrap_or_default(),
                    conserved: s.pending.is_some_and(|pending| {
                        c.consumed == c.processed + c.dead_lettered + c.dedupe_hits + pending
                    }) && c.consumed <= expected
                        && skipped <= on_topics_of(s.name, &expired),
                }
            })
            .collect();
        let produced = EventKind::ALL
            .iter()
            .map(|&k| TopicSummary {
                topic: self.cfg.topic_for(k).to_string(),
                events: totals.delivered[k as usize],
                poison: totals.poison[k as usize],
                expired: expired[k as usize],
            })
            .collect();
        Ok(Summary {
            produced,
            failed_deliveries: totals.failed,
            services,
            lags,
            drained,
        })
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(slowdown) = self.slowdown.take() {
            slowdown.stop();
        }
        self.traffic.take();
        self.services.stop_all();
        if self.owns_data_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

/// Pauses [`SLOW_SERVICE`] from 25 % to 60 % of every cycle.
fn spawn_slowdown(services: Arc<ServicesHandle>, cycle: Duration) -> Worker<()> {
    Worker::spawn("kaftop-demo-slowdown", move |rx| {
        let start = Instant::now();
        // Only what this thread paused is resumed: services stopped from the
        // dashboard stay stopped.
        let mut paused = false;
        loop {
            let phase = (start.elapsed().as_secs_f64() / cycle.as_secs_f64()).fract();
            let pause_now = (0.25..0.60).contains(&phase);
            let running = services.running().contains(&SLOW_SERVICE);
            if pause_now && running && !paused {
                tracing::info!("demo: pausing {SLOW_SERVICE:?} so its lag builds up");
                services.stop_service(SLOW_SERVICE);
                paused = true;
            } else if !pause_now && paused {
                tracing::info!("demo: resuming {SLOW_SERVICE:?}");
                if let Err(e) = services.start_service(SLOW_SERVICE) {
                    tracing::warn!(error = %e, "demo: cannot resume the slow service");
                }
                paused = false;
            }
            if !matches!(
                rx.recv_timeout(Duration::from_millis(200)),
                Err(RecvTimeoutError::Timeout)
            ) {
                return;
            }
        }
    })
}

/// Records on the topics `service` consumes (valid and poison).
fn expected(service: ServiceName, totals: &TrafficTotals) -> u64 {
    services::subscriptions(service)
        .iter()
        .map(|&k| totals.records(k))
        .sum()
}

/// The sum of a per-kind count over the topics `service` consumes.
fn on_topics_of(service: ServiceName, per_kind: &[u64; 3]) -> u64 {
    services::subscriptions(service)
        .iter()
        .map(|&k| per_kind[k as usize])
        .sum()
}

/// Each group's total lag, and per event kind the records retention removed (the
/// sum of its topic's log start offsets: the demo's topics start empty). A lag is
/// `None` unless every partition of the group's topics has a known committed
/// offset and log end (a partition never committed to, or a watermark that could
/// not be read, is not "no lag").
fn group_lags(monitor: &mut Monitor, cfg: &Resolved) -> (Vec<GroupLag>, [u64; 3]) {
    let refresh = monitor.once();
    let snap = &refresh.snapshot;
    let expired = EventKind::ALL.map(|k| {
        snap.topic(cfg.topic_for(k))
            .map(|t| {
                t.partitions
                    .iter()
                    .filter_map(|p| p.low)
                    .sum::<i64>()
                    .max(0) as u64
            })
            .unwrap_or(0)
    });
    let m = &refresh.metrics;
    let lags = m
        .groups
        .iter()
        .map(|g| {
            let service = services::ALL_SERVICES
                .into_iter()
                .find(|&s| g.group_id.ends_with(services::seed_group(s)));
            let topics = service.map_or(&[][..], services::subscriptions);
            // Every partition has a known lag, or has never held a record.
            let complete = snap.connected
                && topics.iter().all(|&k| {
                    let Some(t) = snap.topic(cfg.topic_for(k)) else {
                        return false;
                    };
                    t.partitions.iter().all(|p| {
                        // A partition a member owns but never committed to has a
                        // row without lag: complete while it holds no record.
                        let never_held = p.high.is_some() && p.high == p.low;
                        match g
                            .rows
                            .iter()
                            .find(|r| *r.topic == *t.name && r.partition == p.id)
                        {
                            Some(r) => r.lag.is_some() || never_held,
                            None => never_held,
                        }
                    })
                });
            GroupLag {
                group: g.group_id.clone(),
                lag: complete.then_some(g.total_lag),
            }
        })
        .collect();
    (lags, expired)
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicSummary {
    pub topic: String,
    pub events: u64,
    pub poison: u64,
    /// Records removed by retention by the end of the run.
    pub expired: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary {
    pub service: ServiceName,
    /// Records on the service's topics (valid and poison).
    pub expected: u64,
    pub consumed: u64,
    /// Records of its topics that retention removed before this service read them.
    pub expired_unconsumed: u64,
    pub processed: u64,
    pub dead_lettered: u64,
    pub dedupe_hits: u64,
    pub pending: u64,
    /// consumed = processed + dead-lettered + dedupe hits + pending, and what was
    /// not consumed is no more than what retention removed from its topics.
    pub conserved: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupLag {
    pub group: String,
    pub lag: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub produced: Vec<TopicSummary>,
    pub failed_deliveries: u64,
    pub services: Vec<ServiceSummary>,
    pub lags: Vec<GroupLag>,
    /// Every group caught up before the deadline.
    pub drained: bool,
}

impl Summary {
    pub fn all_accounted(&self) -> bool {
        self.drained && self.failed_deliveries == 0 && self.services.iter().all(|s| s.conserved)
    }

    pub fn render(&self) -> String {
        let mut s = String::from("Produced:\n");
        for t in &self.produced {
            s.push_str(&format!(
                "  {:<20} {:>8} events  {:>4} poison  {:>8} expired by retention\n",
                t.topic, t.events, t.poison, t.expired
            ));
        }
        if self.failed_deliveries > 0 {
            s.push_str(&format!(
                "  FAILED deliveries: {}\n",
                self.failed_deliveries
            ));
        }
        s.push_str(
            "Services:           consumed  processed  dead-lettered  dedupe  pending  expired  accounted\n",
        );
        for v in &self.services {
            s.push_str(&format!(
                "  {:<16} {:>9}  {:>9}  {:>13}  {:>6}  {:>7}  {:>7}  {}\n",
                services::service_id(v.service),
                v.consumed,
                v.processed,
                v.dead_lettered,
                v.dedupe_hits,
                v.pending,
                v.expired_unconsumed,
                if v.conserved { "yes" } else { "NO" }
            ));
        }
        s.push_str("Final lag:\n");
        for l in &self.lags {
            s.push_str(&format!(
                "  {:<28} {}\n",
                l.group,
                l.lag
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "unknown".into())
            ));
        }
        s.push_str(if self.all_accounted() {
            "Every produced event is accounted for.\n"
        } else {
            "NOT every event is accounted for.\n"
        });
        s
    }
}
