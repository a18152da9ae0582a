//! The message service's backend, embedded: its four reference consumers
//! (notification, analytics, read receipt and archive — the consumers of the
//! service's three event topics; the seed's own consumers do the same jobs, in the
//! same groups), the runtime they share (consumer groups, batching, retry,
//! dead-letter topics, dedupe, VIP priority), their store (SQLite or PostgreSQL),
//! the push notifier, redrive, and the self-contained demo that runs them. It sits on
//! `kaftop-core` (Kafka access, config, events), which knows nothing of it. Where it
//! sits among kaftop's layers and threads: ARCHITECTURE.md.
//!
//! The files: `runtime` (threads, batches, DLQ, the handle), [`store`] (SQLite and
//! PostgreSQL), one file per service for its effects ([`notification`],
//! [`analytics`], [`read_receipt`], [`archive`]), [`stats`] (live counters and the
//! snapshot), `service_name` (the services' names, groups and subscriptions),
//! `notifier` (HTTP pushes), [`redrive`] (DLQ records back to their topics),
//! [`ownership`] (which instance holds which partitions) and [`demo`].
//!
//! # Who consumes what
//!
//! | service | group (default) | topics | effect |
//! |---|---|---|---|
//! | notification | `notification-service-group` | created | outbox row + [`Notifier`]s (the TUI feed) |
//! | analytics | `analytics-service-group` | created, read | daily stats by the event's own date |
//! | read receipt | `read-receipt-service-group` | created, read | message index (from created); receipt to the sender (from read): the TUI feed + [`ReceiptSink`]s |
//! | archive | `archive-service-group` | deleted | archive row, retention = deletedAt + 30 days; optional JSON-lines backup |
//!
//! The read-receipt service needs the sender of a read message, which only the created
//! event carries, so its group subscribes to the created topic too and maintains the
//! message index itself: the index is that service's state, kept by that service's
//! consumers, committed with that service's offsets. Nothing couples it to another
//! service's progress.
//!
//! # Group names
//!
//! Group names are the seed's, prefixed by [`ServicesOptions::group_prefix`].
//! [`ServicesOptions::for_config`] sets the prefix to the *topic namespace*: when the
//! three topics are `P + "message.created"`, `P + "message.read"` and
//! `P + "message.deleted"` with the same `P` (e.g. `staging.`), the groups are
//! `P + "notification-service-group"` and so on. With the default topic names `P` is
//! empty and the groups are exactly the seed's. Two deployments on one cluster (or two
//! tests on one broker) with namespaced topics therefore never share a group.
//!
//! # Delivery guarantees
//!
//! At least once: a poll batch is decoded, poison records are produced to
//! `<topic>.dlq` and acknowledged, the batch's effects are written in one SQLite
//! transaction, and only then are the offsets committed. A crash anywhere before the
//! commit redelivers the batch; the persistent dedupe table (keyed by service, event
//! kind and message id, kept [`ServicesOptions::dedupe_retention`]) turns the redelivery
//! into "dedupe hits" with no effect. A batch that cannot be stored (database busy for
//! long, DLQ unreachable) is not committed: the consumer seeks back to the batch's first
//! offsets and retries it with bounded backoff, so nothing is skipped.
//!
//! # Counting (conservation)
//!
//! Per service, every record taken from a topic is counted once in `consumed` when
//! its batch is stored, and lands in exactly one of:
//! `processed` (effects written), `dead_lettered` (in the DLQ), `dedupe_hits` (a
//! duplicate: same event kind and message id already handled, or a poison record
//! already dead-lettered), or `pending` (a read receipt waiting for its message to be
//! indexed; it later moves to `processed` or, after
//! [`ServicesOptions::receipt_retry_window`], to `dead_lettered`). So at any moment
//! `consumed = processed + dead_lettered + dedupe_hits + pending`.

pub mod analytics;
pub mod archive;
pub mod demo;
#[cfg(test)]
mod fixtures;
pub mod notification;
mod notifier;
pub mod ownership;
pub mod read_receipt;
pub mod redrive;
mod runtime;
mod service_name;
pub mod stats;
pub mod store;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kaftop_core::config::Resolved;
use kaftop_core::events::{EventKind, MessageEvent};
use kaftop_core::kafka::KafkaError;

pub use kaftop_core::config::{check_concurrency, CONCURRENCY, STORE_FILE};
pub use kaftop_core::retry::Backoff;
pub use notification::{FeedNotifier, Notifier, PushNotification};
pub use read_receipt::{ReadReceipt, ReceiptSink};
pub use runtime::ServicesHandle;
pub use service_name::{
    seed_group, service_from_id, service_groups, service_id, subscriptions, topic_namespace,
    ServiceName, ALL_SERVICES, SERVICE_IDS,
};
pub use stats::{ServiceSnapshot, ServiceState, ServicesSnapshot, StoreFigures};
pub use store::{Report, Retention, Store, StoreError, StoreTarget};

/// DLQ header: why the record could not be processed.
pub const HEADER_ERROR: &str = "kaftop.error";
/// DLQ header: the service that gave up on the record.
pub const HEADER_SERVICE: &str = "kaftop.service";
/// DLQ header: where the record came from.
pub const HEADER_SOURCE_TOPIC: &str = "kaftop.source.topic";
pub const HEADER_SOURCE_PARTITION: &str = "kaftop.source.partition";
pub const HEADER_SOURCE_OFFSET: &str = "kaftop.source.offset";
/// On a dead-lettered record whose value was cut to [`DLQ_MAX_VALUE`] bytes: the
/// original size.
pub const HEADER_TRUNCATED_FROM: &str = "kaftop.value.truncated-from";
/// Largest value copied into a dead-letter record: well under librdkafka's default
/// `message.max.bytes` (1 000 000) and Kafka's default `max.message.bytes`.
pub const DLQ_MAX_VALUE: usize = 512 * 1024;

/// Records per poll batch (`kaftop consumers --batch-size`).
pub const BATCH_SIZE: std::ops::RangeInclusive<u32> = 1..=10_000;

/// Tuning of the embedded services. [`ServicesOptions::for_config`] gives the values a
/// deployment uses; tests shorten the timeouts.
#[derive(Clone)]
pub struct ServicesOptions {
    /// Consumers per service group in this process.
    pub concurrency: u32,
    /// Prepended to the seed's group names (see the module docs).
    pub group_prefix: String,
    /// The store: `services.store`, by default `<data_dir>/services.db`.
    pub store: StoreTarget,
    /// Records per poll batch (one SQLite transaction, one offset commit).
    pub batch_size: usize,
    /// How long one poll waits for the first record of a batch.
    pub poll_timeout: Duration,
    /// librdkafka `session.timeout.ms` (unless set with `-X`).
    pub session_timeout: Duration,
    /// librdkafka `max.poll.interval.ms` (unless set with `-X`).
    pub max_poll_interval: Duration,
    /// How long a read of a message not yet indexed keeps waiting for its created
    /// event before it is dead-lettered.
    pub receipt_retry_window: Duration,
    /// How long each table keeps its rows (`[services.retention]`).
    pub retention: Retention,
    /// How often the tables are purged.
    pub purge_interval: Duration,
    /// Records with a larger value are dead-lettered as oversized.
    pub max_record_bytes: usize,
    /// Users whose messages are handled first and flagged.
    pub vip_user_ids: HashSet<i64>,
    /// If set, the archive service appends each archived message as a JSON line.
    pub archive_backup: Option<PathBuf>,
    /// Notified after each stored notification, besides the built-in TUI feed.
    pub notifiers: Vec<Arc<dyn Notifier>>,
    /// Given each delivered read receipt, besides the built-in TUI feed.
    pub receipt_sinks: Vec<Arc<dyn ReceiptSink>>,
    /// How many recent notifications and receipts the snapshot keeps.
    pub feed_capacity: usize,
    /// Faults (a full or unwritable store, a panicking consumer) are also written to
    /// stderr the moment they happen, not only to the log (which may sit on the same
    /// full disk). Off for the dashboard, whose screen is the terminal.
    pub faults_to_stderr: bool,
    /// Tests only: called with each polled batch before it is processed (a test
    /// injects a panic here).
    #[doc(hidden)]
    pub before_batch: Option<BatchHook>,
}

/// See [`ServicesOptions::before_batch`].
pub type BatchHook = Arc<dyn Fn(ServiceName, &[RawRecord]) + Send + Sync>;

impl fmt::Debug for ServicesOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicesOptions")
            .field("concurrency", &self.concurrency)
            .field("group_prefix", &self.group_prefix)
            .field("store", &self.store)
            .field("batch_size", &self.batch_size)
            .field("receipt_retry_window", &self.receipt_retry_window)
            .field("retention", &self.retention)
            .field("purge_interval", &self.purge_interval)
            .field("max_record_bytes", &self.max_record_bytes)
            .field("vip_user_ids", &self.vip_user_ids)
            .field("archive_backup", &self.archive_backup)
            .field("notifiers", &self.notifiers.len())
            .field("receipt_sinks", &self.receipt_sinks.len())
            .field("faults_to_stderr", &self.faults_to_stderr)
            .finish_non_exhaustive()
    }
}

impl ServicesOptions {
    /// The defaults for a configuration: its concurrency, VIP users, data dir and
    /// topic namespace as the group prefix.
    pub fn for_config(cfg: &Resolved) -> Self {
        ServicesOptions {
            concurrency: cfg.services.concurrency.max(1),
            group_prefix: topic_namespace(cfg),
            store: StoreTarget::from(&cfg.store),
            batch_size: 500,
            poll_timeout: Duration::from_millis(200),
            session_timeout: Duration::from_secs(10),
            max_poll_interval: Duration::from_secs(60),
            receipt_retry_window: Duration::from_secs(30),
            retention: cfg.services.retention.resolve(),
            purge_interval: Duration::from_secs(3600),
            max_record_bytes: 1024 * 1024,
            vip_user_ids: cfg.services.vip_user_ids.iter().copied().collect(),
            archive_backup: None,
            notifiers: Vec::new(),
            receipt_sinks: Vec::new(),
            feed_capacity: 100,
            faults_to_stderr: false,
            before_batch: None,
        }
    }

    /// The group a service's consumers join.
    pub fn group(&self, s: ServiceName) -> String {
        format!("{}{}", self.group_prefix, seed_group(s))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error("services store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("cannot start a thread: {0}")]
    Thread(std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// One record as the runtime took it from a topic (owned, so a batch outlives the poll).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Decodes a record value of `kind`, or says why it is poison (dead-letter material):
/// no value, larger than `max_bytes`, not JSON, a missing field, a wrong type.
pub fn classify(
    kind: EventKind,
    value: Option<&[u8]>,
    max_bytes: usize,
) -> Result<MessageEvent, String> {
    let Some(v) = value else {
        return Err(format!("invalid {kind} event: no value (null record)"));
    };
    if v.len() > max_bytes {
        return Err(format!(
            "invalid {kind} event: oversized: {} bytes, the limit is {max_bytes}",
            v.len()
        ));
    }
    MessageEvent::decode(kind, v).map_err(|e| e.to_string())
}

/// Whether an event involves a VIP user, as far as the event itself tells (a read
/// event names only its receiver; the read-receipt service also checks the sender it
/// looks up).
pub fn is_vip(event: &MessageEvent, vips: &HashSet<i64>) -> bool {
    if vips.is_empty() {
        return false;
    }
    match event {
        MessageEvent::Created(e) => vips.contains(&e.sender_id) || vips.contains(&e.receiver_id),
        MessageEvent::Read(e) => vips.contains(&e.receiver_id),
        MessageEvent::Deleted(e) => vips.contains(&e.sender_id) || vips.contains(&e.receiver_id),
    }
}

/// The order a batch is applied in: VIP events first (the seed's filtering example),
/// otherwise the order the records arrived in. The read-receipt service indexes every
/// created event of the batch before it resolves any read, so a read and its message
/// in one batch never wait for each other. Returns indexes into `items`.
pub(crate) fn priority_order(service: ServiceName, items: &[(EventKind, bool)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| {
        let (kind, vip) = items[i];
        let phase = match (service, kind) {
            (ServiceName::ReadReceipt, EventKind::Created) => 0,
            (ServiceName::ReadReceipt, _) => 1,
            _ => 0,
        };
        (phase, !vip)
    });
    order
}

/// Per-partition offsets to commit after a batch: the highest offset seen plus one.
pub fn commit_offsets<'a>(
    records: impl IntoIterator<Item = (&'a str, i32, i64)>,
) -> BTreeMap<(String, i32), i64> {
    let mut out: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for (t, p, o) in records {
        let next = o + 1;
        out.entry((t.to_string(), p))
            .and_modify(|v| *v = (*v).max(next))
            .or_insert(next);
    }
    out
}

/// Starts the given services (all four when `which` is empty). Blocking: checks that
/// the cluster answers and the topics and DLQ topics exist, opens (and migrates) the
/// store, then spawns the consumer threads. Call it from a blocking context.
pub fn start(
    cfg: &Resolved,
    opts: ServicesOptions,
    which: &[ServiceName],
) -> Result<ServicesHandle, ServicesError> {
    runtime::start(cfg, opts, which)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::config::{self, Overrides};

    #[test]
    fn classify_names_the_problem() {
        let ok = br#"{"messageId":1,"senderId":2,"receiverId":3,"content":"hi","createdAt":"2026-11-24T10:00:00"}"#;
        assert!(classify(EventKind::Created, Some(ok), 1024).is_ok());
        let e = classify(EventKind::Created, Some(ok), 10).unwrap_err();
        assert!(
            e.contains("oversized") && e.contains("the limit is 10"),
            "{e}"
        );
        let e = classify(EventKind::Read, None, 1024).unwrap_err();
        assert!(e.contains("no value"), "{e}");
        let e = classify(EventKind::Read, Some(b"not json"), 1024).unwrap_err();
        assert!(e.starts_with("invalid read event: not JSON"), "{e}");
        let e = classify(
            EventKind::Deleted,
            Some(br#"{"messageId":1,"senderId":"x","receiverId":3,"deletedAt":"2026-11-24T10:00:00"}"#),
            1024,
        )
        .unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn vip_first_and_reads_after_creates() {
        use EventKind::*;
        let items = [
            (Read, false),
            (Created, false),
            (Read, true),
            (Created, true),
        ];
        assert_eq!(
            priority_order(ServiceName::ReadReceipt, &items),
            vec![3, 1, 2, 0]
        );
        assert_eq!(
            priority_order(ServiceName::Analytics, &items),
            vec![2, 3, 0, 1]
        );
        // Stable: arrival order kept within a class.
        let plain = [(Created, false); 4];
        assert_eq!(
            priority_order(ServiceName::Notification, &plain),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn offsets_to_commit_are_max_plus_one() {
        let c = commit_offsets([("a", 0, 5), ("a", 0, 3), ("a", 1, 9), ("b", 0, 0)]);
        assert_eq!(c[&("a".to_string(), 0)], 6);
        assert_eq!(c[&("a".to_string(), 1)], 10);
        assert_eq!(c[&("b".to_string(), 0)], 1);
        assert_eq!(c.len(), 3);
    }

    fn resolved(topics: &str) -> Resolved {
        let file = config::parse_str(topics, "t.toml").unwrap();
        config::resolve(Some(&file), None, &Overrides::default()).unwrap()
    }

    #[test]
    fn group_names_follow_the_topic_namespace() {
        let cfg = resolved("");
        let o = ServicesOptions::for_config(&cfg);
        assert_eq!(
            o.group(ServiceName::Notification),
            "notification-service-group"
        );
        assert_eq!(
            o.group(ServiceName::ReadReceipt),
            "read-receipt-service-group"
        );

        let cfg = resolved(
            "[topics.created]\nname = \"stg.message.created\"\n[topics.read]\nname = \"stg.message.read\"\n[topics.deleted]\nname = \"stg.message.deleted\"\n",
        );
        let o = ServicesOptions::for_config(&cfg);
        assert_eq!(o.group(ServiceName::Archive), "stg.archive-service-group");

        // Inconsistent prefixes: the seed's names.
        let cfg = resolved(
            "[topics.created]\nname = \"a.message.created\"\n[topics.read]\nname = \"b.message.read\"\n",
        );
        assert_eq!(topic_namespace(&cfg), "");
    }

    #[test]
    fn handles_and_snapshots_cross_threads() {
        // The TUI keeps the handle in its I/O task and sends snapshots to the UI.
        fn send_sync<T: Send + Sync>() {}
        send_sync::<ServicesHandle>();
        send_sync::<ServicesSnapshot>();
        send_sync::<ServicesOptions>();
    }

    #[test]
    fn service_ids_round_trip() {
        for s in ALL_SERVICES {
            assert_eq!(service_from_id(service_id(s)), Some(s));
        }
        assert_eq!(service_from_id("billing"), None);
    }
}
