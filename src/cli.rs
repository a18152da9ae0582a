//! The command line (clap derive). Values are parsed and range-checked here, so a
//! bad flag is a one-line error before anything connects.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use clap_complete::ArgValueCandidates;

use kaftop_core::events::validation::{self, When};
use kaftop_core::kafka::bulk::BulkType;
use kaftop_core::kafka::offsets_reset::{self, TopicScope};
use kaftop_services::{ServiceName, SERVICE_IDS};

#[derive(Debug, Parser)]
#[command(
    name = "kaftop",
    version,
    long_version = complete::long_version(),
    about = "A terminal dashboard for Apache Kafka"
)]
pub struct Cli {
    /// Config file (else $KAFTOP_CONFIG, else the platform config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Cluster profile from the config file.
    #[arg(long, global = true, value_name = "NAME", add = ArgValueCandidates::new(complete::profiles))]
    pub profile: Option<String>,
    /// Bootstrap servers, overriding the profile (host:port[,host:port]).
    #[arg(short = 'b', long, global = true, value_name = "HOST:PORT")]
    pub bootstrap_servers: Option<String>,
    /// A librdkafka property, overriding the config (repeatable): -X key=value.
    #[arg(short = 'X', long = "property", global = true, value_name = "KEY=VALUE", value_parser = parse_property)]
    pub properties: Vec<(String, String)>,
    /// Data directory (service store, logs), overriding the config.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Refuse every change to the cluster (as a profile's `read_only = true`).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Every profile of the config at once (`lag`, `serve`; each cluster read on its own).
    #[arg(long, global = true)]
    pub all_profiles: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate and show the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the shell completion script: `source <(kaftop completions bash)`.
    /// Profile and topic names are completed from the config and the cluster.
    Completions {
        #[arg(value_parser = PossibleValuesParser::new(SHELLS))]
        shell: String,
    },
    /// Print the man page (roff): `kaftop man | man -l -`.
    Man,
    /// Publish one message-service event, or a JSON record encoded with a schema
    /// registry subject's schema (`--topic T --schema-subject S --value JSON`).
    Publish(PublishArgs),
    /// Publish many events and report throughput and delivery latency.
    Bulk(BulkArgs),
    /// Topics with partitions, replication, ISR, messages and msg/s; `ensure` creates
    /// the service's; create, delete, add-partitions and config administer one.
    Topics(TopicsArgs),
    /// Consumer-group lag per partition, as `kafka-consumer-groups --describe` shows it.
    Lag(LagArgs),
    /// Every profile's cluster at a glance: reachable, brokers, URP, offline
    /// partitions, alerting groups and the worst, produced msg/s.
    Clusters(ClustersArgs),
    /// Print records of a topic (never joins a group, never commits).
    Tail(TailArgs),
    /// Records of a topic that a jq filter keeps, over {key, value, headers,
    /// partition, offset, timestamp}, values decoded (never joins a group).
    Search(SearchArgs),
    /// Write records exported with `--out` back to a topic, byte for byte
    /// (a dry run unless --execute).
    ProduceFile(ProduceFileArgs),
    /// Consumer-group operations: `reset-offsets`.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Run the message service's reference consumers (notification, analytics, ...).
    Consumers(ConsumersArgs),
    /// Inspect the reference consumers' store.
    #[command(subcommand)]
    Services(ServicesCommand),
    /// Run the services, the monitor and an HTTP server: the seed's REST test API,
    /// read receipts over WebSocket, Prometheus /metrics, /health and /ready.
    Serve(ServeArgs),
    /// The whole dashboard on an in-process Kafka with live traffic: no Kafka needed.
    Demo(DemoArgs),
    /// Dead-letter topics: send their records back where they came from.
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// What changes in the cluster, one line per event as refreshes find it: members
    /// joining and leaving, rebalances, brokers, leaders, ISR, topics (`--json`: JSON lines).
    Events(EventsArgs),
    /// Write an incident snapshot: the cluster header, the alerts, each alerting
    /// group's partitions with time lag and stuck partitions (and the record at
    /// each stuck offset), the timeline and the topic rates, as Markdown and a
    /// JSON twin. Prints the two paths.
    Snapshot(SnapshotArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The Markdown file (the JSON twin is written beside it, `.json`); default:
    /// `<data dir>/incidents/kaftop-incident-<UTC time>.md`.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Watch this long before writing, so that rates, trends, stuck partitions
    /// and forecasts have history (default: two refreshes, one interval apart).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub window: Option<Duration>,
    /// Time between refreshes (default: the profile's poll_interval).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Keep watching until interrupted, instead of for `--for`.
    #[arg(short, long)]
    pub follow: bool,
    /// How long to watch without --follow: the first refresh is the baseline, the
    /// ones after it until then show what changed.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration,
          default_value = "10s", conflicts_with = "follow")]
    pub window: Duration,
    /// Time between refreshes (default: the profile's poll_interval).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// Only events of this group (repeatable; with --topic: events of either).
    #[arg(long = "group", short = 'g', value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Only events of this topic (repeatable; with --group: events of either).
    #[arg(long = "topic", short = 't', value_name = "TOPIC", add = topic_names())]
    pub topics: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Send dead-lettered records back to their source topic, each once (a dry run
    /// unless --execute).
    Redrive(RedriveArgs),
}

#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// The dead-letter topic, e.g. `message.created.dlq`.
    #[arg(add = topic_names())]
    pub topic: String,
    /// Only records whose key, value or error contains this text (ignoring case);
    /// a schema-encoded key or value also matches by its decoded JSON, written
    /// compact (`"city":"busan"`).
    #[arg(long)]
    pub filter: Option<String>,
    /// Only records this service dead-lettered.
    #[arg(long, value_parser = PossibleValuesParser::new(SERVICE_IDS))]
    pub service: Option<String>,
    /// Redrive at most this many records.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Only the dead-lettered record at this partition and offset of the DLQ.
    #[arg(long, value_name = "PARTITION:OFFSET", value_parser = parse_record)]
    pub record: Option<(i32, i64)>,
    /// Send them (without it: only show what would go).
    #[arg(long)]
    pub execute: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run without the TUI and print a summary at the end.
    #[arg(long)]
    pub headless: bool,
    /// Traffic for this long, then the summary once the services caught up
    /// (headless default: 30s; with the TUI: until you quit).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Mean created events per second (reads and deletes follow); at most 5000,
    /// what the demo keeps up with on one machine.
    #[arg(long, default_value_t = 50.0, value_parser = parse_rate)]
    pub rate: f64,
    /// Partitions of each topic.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i32).range(1..=256))]
    pub partitions: i32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TopicsArgs {
    #[command(subcommand)]
    pub command: Option<TopicsCommand>,
    /// Measure msg/s over this interval (two refreshes this far apart).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Include internal topics (`__consumer_offsets`, ...).
    #[arg(long)]
    pub all: bool,
    /// List every partition (leader, replicas, ISR), not only those needing attention.
    #[arg(long)]
    pub partitions: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LagArgs {
    /// Only these groups (repeatable; default: every group the cluster lists).
    #[arg(long = "group", short = 'g', value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Each group's type, state and member count instead of its partitions (as
    /// `kafka-consumer-groups --describe --state`).
    #[arg(long, conflicts_with = "members")]
    pub state: bool,
    /// Each group's members with their assignment (and, for consumer-protocol
    /// groups, their target assignment) instead of its partitions (as
    /// `kafka-consumer-groups --describe --members --verbose`).
    #[arg(long)]
    pub members: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Plan a reset of a group's committed offsets, or a share group's start
    /// offsets (a dry run) and, with `--execute`, carry out exactly that plan (as
    /// `kafka-consumer-groups`, `kafka-share-groups` or `kafka-streams-groups
    /// --reset-offsets`, by the group's type).
    ResetOffsets(ResetOffsetsArgs),
    /// Delete a group of any type (a dry run; `--execute` deletes). Refused while
    /// the group has members.
    Delete(DeleteGroupArgs),
}

#[derive(Debug, Args)]
pub struct DeleteGroupArgs {
    pub group: String,
    /// Delete it (default: only show the group and whether Kafka would).
    #[arg(long)]
    pub execute: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["topics", "all_topics"])))]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(false).args([
    "to_earliest", "to_latest", "to_current", "to_offset", "shift_by", "to_datetime", "by_duration",
])))]
pub struct ResetOffsetsArgs {
    #[arg(long, short = 'g')]
    pub group: String,
    /// A topic, or some of its partitions: `TOPIC` or `TOPIC:P,P…` (repeatable).
    #[arg(long = "topic", value_name = "TOPIC[:P,P…]", value_parser = parse_topic_scope,
          add = topic_names())]
    pub topics: Vec<TopicScope>,
    /// Every partition the group has committed offsets for (a share group: every
    /// share-partition it has).
    #[arg(long)]
    pub all_topics: bool,
    /// The log start offset.
    #[arg(long)]
    pub to_earliest: bool,
    /// The log end offset.
    #[arg(long)]
    pub to_latest: bool,
    /// The committed offset (the log end where there is none).
    #[arg(long)]
    pub to_current: bool,
    /// This offset, clamped to the log start and end.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub to_offset: Option<i64>,
    /// The committed offset moved by N (negative: back), clamped to the log.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub shift_by: Option<i64>,
    /// The first record at or after this time: 2026-11-24T10:00:00[.sss][Z|±hh:mm]
    /// (UTC without a zone).
    #[arg(long, value_name = "TIME", value_parser = offsets_reset::parse_datetime)]
    pub to_datetime: Option<i64>,
    /// The first record at or after this long ago: PT10M, P1DT2H or 10m.
    #[arg(long, value_name = "DURATION", value_parser = offsets_reset::parse_duration_back)]
    pub by_duration: Option<i64>,
    /// Commit the plan (default: only print it).
    #[arg(long)]
    pub execute: bool,
    #[arg(long)]
    pub json: bool,
}

fn parse_topic_scope(s: &str) -> Result<TopicScope, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct ConsumersArgs {
    /// Which services to run (repeatable; default: all four).
    #[arg(long = "service", value_parser = service_name())]
    pub services: Vec<ServiceName>,
    /// Consumers per service group in this process (overrides the config).
    #[arg(long, value_parser = concurrency())]
    pub concurrency: Option<u32>,
    /// Records per poll batch: one store transaction and one offset commit each
    /// (default 500; 1 is the one-transaction-per-event baseline of the benchmarks).
    #[arg(long, value_parser = batch_size())]
    pub batch_size: Option<u32>,
    /// Stop after this long (default: until SIGINT/SIGTERM).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, IP:PORT (default: `[serve] listen`, else
    /// 127.0.0.1:8086); port 0 picks a free one. The bound address is printed.
    #[arg(long, value_name = "IP:PORT", value_parser = kaftop_core::config::parse_listen)]
    pub listen: Option<std::net::SocketAddr>,
    /// Stop (and drain) after this long (default: until SIGINT/SIGTERM).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
}

#[derive(Debug, Subcommand)]
pub enum ServicesCommand {
    /// Totals from the services' store (every instance's, when they share one) and
    /// which instance owns which partitions.
    Report {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file and print the resolved config (secrets masked).
    Check {
        /// File to check (defaults to the normal lookup).
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a commented starter config (every key, with its default) to the
    /// platform config dir, or FILE; never overwrites a file.
    Init {
        /// Where to write it (default: `<platform config dir>/config.toml`).
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Create the event topics and their dead-letter topics if missing.
    Ensure {
        #[arg(long)]
        json: bool,
    },
    /// Create a topic.
    Create {
        name: String,
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
        partitions: i32,
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..=i64::from(i16::MAX)))]
        replication_factor: i32,
        /// A topic config (repeatable): --set retention.ms=60000. (`--config` is
        /// kaftop's config file.)
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_property)]
        configs: Vec<(String, String)>,
        #[arg(long)]
        json: bool,
    },
    /// Delete a topic and all its records (asks for its name again unless --yes).
    Delete {
        #[arg(add = topic_names())]
        name: String,
        /// Do not ask: delete right away.
        #[arg(long)]
        yes: bool,
    },
    /// Grow a topic to N partitions (keys then map to other partitions).
    AddPartitions {
        #[arg(add = topic_names())]
        name: String,
        /// The new partition count (more than the current one).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        to: u32,
        #[arg(long)]
        json: bool,
    },
    /// Describe a topic's configs (value, source, defaults marked), or change them.
    Config {
        #[arg(add = topic_names())]
        name: String,
        /// Set a config on the topic (repeatable): --set retention.ms=60000.
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_property)]
        set: Vec<(String, String)>,
        /// Remove a topic's own value, back to the default (repeatable).
        #[arg(long = "delete", value_name = "KEY")]
        delete: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// A MessageCreatedEvent on the created topic.
    Created {
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        message_id: i64,
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        sender_id: i64,
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        receiver_id: i64,
        /// Not blank; at most 100000 bytes.
        #[arg(long, allow_hyphen_values = true, value_parser = masked::ContentParser)]
        content: String,
        /// ISO-8601 or `now` (the default).
        #[arg(long, value_parser = validation::time)]
        created_at: Option<When>,
        #[arg(long)]
        json: bool,
    },
    /// A MessageReadEvent on the read topic.
    Read {
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        message_id: i64,
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        receiver_id: i64,
        /// ISO-8601 or `now` (the default).
        #[arg(long, value_parser = validation::time)]
        read_at: Option<When>,
        #[arg(long)]
        json: bool,
    },
    /// A MessageDeletedEvent on the deleted topic.
    Deleted {
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        message_id: i64,
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        sender_id: i64,
        /// A positive integer.
        #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
        receiver_id: i64,
        /// ISO-8601 or `now` (the default).
        #[arg(long, value_parser = validation::time)]
        deleted_at: Option<When>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Number of events to send.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Which events to send.
    #[arg(long = "type", value_parser = bulk_type(), default_value = "created")]
    pub kind: BulkType,
    /// Events per second, e.g. `500` or `500/s` (default: as fast as possible).
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Message id of the first event (default: derived from the clock, so runs differ).
    #[arg(long, allow_hyphen_values = true, value_parser = validation::id)]
    pub start_id: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

fn parse_property(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

/// `500ms`, `5s`, `10m`: a positive duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be greater than zero".into()),
        Err(e) => Err(format!(
            "`{s}` is not a duration such as 500ms, 5s or 10m: {e}"
        )),
    }
}

pub use crate::parse::{parse_rate, MIN_RATE};

/// `--record`: `PARTITION:OFFSET`, both at least 0.
fn parse_record(s: &str) -> Result<(i32, i64), String> {
    let (p, o) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` is not PARTITION:OFFSET"))?;
    match (p.trim().parse::<i32>(), o.trim().parse::<i64>()) {
        (Ok(p), Ok(o)) if p >= 0 && o >= 0 => Ok((p, o)),
        _ => Err(format!(
            "`{s}` is not PARTITION:OFFSET (two integers from 0)"
        )),
    }
}

/// `--concurrency`: within the services' one limit.
fn concurrency() -> impl TypedValueParser<Value = u32> {
    let range = kaftop_services::CONCURRENCY;
    clap::value_parser!(u32).range(i64::from(*range.start())..=i64::from(*range.end()))
}

fn batch_size() -> impl TypedValueParser<Value = u32> {
    let range = kaftop_services::BATCH_SIZE;
    clap::value_parser!(u32).range(i64::from(*range.start())..=i64::from(*range.end()))
}

/// `--service`: one of the services' ids, offered as clap offers an enum's values
/// (the core's types know no clap).
fn service_name() -> impl TypedValueParser<Value = ServiceName> {
    PossibleValuesParser::new(SERVICE_IDS).try_map(|s| s.parse::<ServiceName>())
}

/// `--type` of `kaftop bulk`.
fn bulk_type() -> impl TypedValueParser<Value = BulkType> {
    let choices = BulkType::CHOICES
        .iter()
        .map(|&(name, _, help)| PossibleValue::new(name).help(help));
    PossibleValuesParser::new(choices).try_map(|s| s.parse::<BulkType>())
}

/// The shells `kaftop completions` writes for.
pub const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "elvish", "powershell"];

/// Topic names completed from the cluster.
fn topic_names() -> ArgValueCandidates {
    ArgValueCandidates::new(complete::topics)
}

mod complete;
mod masked;
mod records;
pub use complete::COMPLETE_ENV;
pub use masked::parse;
pub use records::{ProduceFileArgs, PublishArgs, SchemaPublishArgs, SearchArgs, TailArgs};

#[cfg(test)]
mod tests;
