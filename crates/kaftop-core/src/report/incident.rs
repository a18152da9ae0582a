//! The incident snapshot: what an engineer pastes into an incident channel.
//! [`Incident::build`] gathers it from the cluster metrics and the records read
//! at stuck offsets; [`Incident::markdown`] writes it for people, and the
//! struct itself serializes as the JSON twin.
//!
//! No secret can get in: the builder sees metrics and records, never the
//! config; a record's value is cut to [`VALUE_CHARS`] and its header values
//! are left out (only their names are kept).

use serde::Serialize;

use super::rank::{self, Severity};
use super::words;
use crate::kafka::admin::types::GroupType;
use crate::kafka::record::RecordView;
use crate::metrics::StatusReason;
use crate::metrics::TimelineEvent;
use crate::metrics::{ClusterMetrics, GroupMetrics, GroupPartitionRow, History, LagStatus};
use crate::metrics::{DataLoss, Stuck, TimeLag};
use crate::present::{self, spark};
use crate::schema::decoder::SchemaInfo;

/// Characters of a record's key or value kept in the report.
pub const VALUE_CHARS: usize = 300;
/// Timeline events kept (the newest).
pub const EVENTS: usize = 50;
/// Topics listed (the busiest).
pub const TOPICS: usize = 20;
/// Columns of the text sparklines.
const SPARK: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub taken_at_ms: i64,
    pub header: Header,
    /// One line per problem, worst first.
    pub alerts: Vec<String>,
    /// Groups that alert or need watching, worst first.
    pub groups: Vec<IncidentGroup>,
    /// The newest timeline events, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// The busiest topics.
    pub topics: Vec<TopicRate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub cluster_id: Option<String>,
    pub controller: Option<i32>,
    pub brokers_up: usize,
    pub brokers_total: usize,
    pub under_replicated: usize,
    pub under_min_isr: usize,
    pub offline: usize,
    /// Groups alerting.
    pub alerts: usize,
}

impl Header {
    pub fn of(c: &ClusterMetrics) -> Self {
        let sum = |f: fn(&crate::metrics::TopicMetrics) -> usize| c.topics.iter().map(f).sum();
        Header {
            cluster_id: c.cluster_id.clone(),
            controller: c.controller,
            brokers_up: c.brokers.len(),
            brokers_total: c.brokers.len() + c.brokers_down.len(),
            under_replicated: sum(|t| t.under_replicated),
            under_min_isr: sum(|t| t.under_min_isr),
            offline: sum(|t| t.offline),
            alerts: c.groups.iter().filter(|g| g.alerting).count(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentGroup {
    pub group_id: String,
    /// Consumer, Classic, Share or Streams, as `kaftop lag --json` names it.
    pub group_type: Option<GroupType>,
    /// A classic group's protocol type (`consumer`, `connect`, ...).
    pub protocol_type: Option<String>,
    /// As every surface names the type (`Share`, `Classic (connect)`).
    pub type_label: Option<String>,
    pub state: Option<String>,
    pub status: LagStatus,
    pub status_reason: Option<StatusReason>,
    /// How much history the status rests on.
    pub history: History,
    pub total_lag: u64,
    pub time_lag: Option<TimeLag>,
    pub eta: String,
    pub data_loss: Option<DataLoss>,
    pub stuck: usize,
    pub uncommitted: usize,
    /// The last 10 minutes of total lag as a text sparkline.
    pub lag_sparkline: String,
    pub partitions: Vec<IncidentPartition>,
}

/// One row of the group's describe table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentPartition {
    pub topic: String,
    pub partition: i32,
    pub current_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    pub lag: Option<u64>,
    pub time_lag: Option<TimeLag>,
    pub status: LagStatus,
    pub status_reason: Option<StatusReason>,
    pub stuck: Option<Stuck>,
    pub data_loss: Option<DataLoss>,
    pub uncommitted_waiting: Option<u64>,
    pub consumer_id: Option<String>,
    /// For a stuck partition: the record at its committed offset.
    pub record: Option<PeekedRecord>,
}

/// A record as the report shows it: cut short, header values left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeekedRecord {
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: String,
    /// The decoded JSON when a schema decoded it, else the bytes as shown.
    pub value: String,
    pub value_bytes: usize,
    pub truncated: bool,
    pub header_names: Vec<String>,
    /// The schema that decoded the value (kind, subject, version, id).
    pub value_schema: Option<SchemaInfo>,
    /// Why a value framed for a schema could not be decoded (`value` is then raw).
    pub value_undecoded: Option<String>,
}

impl PeekedRecord {
    pub fn of(r: &RecordView) -> Self {
        let (value, cut) = cut(&r.value.text, VALUE_CHARS);
        let (key, _) = cut_key(&r.key.text);
        let note = r.value.schema.as_deref();
        PeekedRecord {
            offset: r.offset,
            timestamp_ms: r.timestamp_ms,
            key,
            value,
            value_bytes: r.value.size,
            truncated: cut || r.value.truncated,
            header_names: r.headers.iter().map(|(k, _)| k.clone()).collect(),
            value_schema: note.and_then(|n| n.schema.clone()),
            value_undecoded: note.and_then(|n| n.error.clone()),
        }
    }
}

fn cut_key(s: &str) -> (String, bool) {
    cut(s, 80)
}

/// At most `max` characters; true when something was cut.
fn cut(s: &str, max: usize) -> (String, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (format!("{}…", &s[..i]), true),
        None => (s.to_string(), false),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicRate {
    pub name: String,
    pub rate: Option<f64>,
    pub messages: i64,
    pub partitions: usize,
    pub rate_sparkline: String,
}

/// The partitions where a record should be read for the report: the committed
/// offset of every stuck partition of the reported groups.
pub fn wanted_records(c: &ClusterMetrics) -> Vec<(String, i32, i64)> {
    let mut out: Vec<(String, i32, i64)> = reported(c)
        .flat_map(|g| g.rows.iter())
        .filter_map(|r| {
            r.stuck
                .as_ref()
                .map(|s| (r.topic.to_string(), r.partition, s.offset))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The groups the report describes: all but the healthy ones.
fn reported(c: &ClusterMetrics) -> impl Iterator<Item = &GroupMetrics> {
    rank::groups_by_severity(&c.groups)
        .into_iter()
        .filter(|g| rank::severity(g) > Severity::Ok)
}

impl Incident {
    /// `records`: what was read at the offsets of [`wanted_records`] (missing
    /// ones are reported as not read).
    pub fn build(c: &ClusterMetrics, records: &[RecordView]) -> Self {
        let groups: Vec<IncidentGroup> = reported(c).map(|g| group(g, records)).collect();
        let mut alerts = Vec::new();
        for g in &groups {
            alerts.extend(group_alerts(g));
        }
        if !c.brokers_down.is_empty() {
            let ids: Vec<String> = c.brokers_down.iter().map(i32::to_string).collect();
            alerts.insert(0, format!("brokers down: {}", ids.join(", ")));
        }
        let header = Header::of(c);
        if header.offline > 0 {
            alerts.insert(0, format!("{} offline partitions", header.offline));
        }
        let start = c.timeline.len().saturating_sub(EVENTS);
        Incident {
            taken_at_ms: c.taken_at_ms,
            header,
            alerts,
            groups,
            timeline: c.timeline[start..].to_vec(),
            topics: rank::topics_by_rate(&c.topics)
                .into_iter()
                .take(TOPICS)
                .map(|t| TopicRate {
                    name: t.name.clone(),
                    rate: t.rate,
                    messages: t.messages,
                    partitions: t.partition_count,
                    rate_sparkline: spark::sparkline(&t.rate_history, SPARK),
                })
                .collect(),
        }
    }
}

fn group(g: &GroupMetrics, records: &[RecordView]) -> IncidentGroup {
    IncidentGroup {
        group_id: g.group_id.clone(),
        group_type: g.group_type,
        protocol_type: g.protocol_type.clone(),
        type_label: g.type_label(),
        state: g.state.map(|s| s.as_str().to_string()),
        status: g.status,
        status_reason: g.status_reason,
        history: g.history,
        total_lag: g.total_lag,
        time_lag: g.time_lag.clone(),
        eta: words::eta(g.eta),
        data_loss: g.data_loss.clone(),
        stuck: g.stuck,
        uncommitted: g.uncommitted,
        lag_sparkline: spark::sparkline_u(&g.lag_history, SPARK),
        partitions: g.rows.iter().map(|r| partition(r, records)).collect(),
    }
}

fn partition(r: &GroupPartitionRow, records: &[RecordView]) -> IncidentPartition {
    let record = r.stuck.as_ref().and_then(|s| {
        records
            .iter()
            .find(|x| *x.topic == *r.topic && x.partition == r.partition && x.offset == s.offset)
            .map(PeekedRecord::of)
    });
    IncidentPartition {
        topic: r.topic.to_string(),
        partition: r.partition,
        current_offset: r.current_offset,
        log_end_offset: r.log_end_offset,
        lag: r.lag,
        time_lag: r.time_lag.clone(),
        status: r.status,
        status_reason: r.status_reason,
        stuck: r.stuck.as_deref().cloned(),
        data_loss: r.data_loss.clone(),
        uncommitted_waiting: r.uncommitted_waiting,
        consumer_id: r.consumer_id.as_deref().map(String::from),
        record,
    }
}

/// One line per problem of a group; its status when nothing more precise.
fn group_alerts(g: &IncidentGroup) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(g.partitions.iter().filter_map(|p| {
        let s = p.stuck.as_ref()?;
        Some(format!(
            "{}: {}-{} {}",
            g.group_id,
            p.topic,
            p.partition,
            words::stuck(s)
        ))
    }));
    if let Some(l) = &g.data_loss {
        out.push(format!("{}: {}", g.group_id, words::loss(l)));
    }
    if g.uncommitted > 0 {
        out.push(format!(
            "{}: {} partitions with records and no commit",
            g.group_id, g.uncommitted
        ));
    }
    if out.is_empty() {
        out.push(format!(
            "{}: {} · lag {}",
            g.group_id,
            words::verdict_of(g.status, g.status_reason, &g.history),
            present::count_u(g.total_lag)
        ));
    }
    out
}
