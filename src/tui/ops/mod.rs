//! What a dialog asks the I/O side to plan and carry out, and the plans that
//! come back. Plain data: the dialog builds requests from its fields ([`forms`],
//! the form a view opens), the I/O side calls the core (`io::ops`), and the
//! preview table is drawn from the plan.

pub mod forms;

use std::sync::Arc;

use kaftop_core::kafka::offsets_reset::{ResetPlan, ResetScope, ResetTarget};
use kaftop_core::kafka::record::one_line;
use kaftop_core::kafka::topic_admin::{ConfigChange, ConfigPlan, NewTopicSpec, PartitionsPlan};
use kaftop_core::present;
use kaftop_services::redrive::{Origin, Plan as RedrivePlan, Redrive as RedriveRecord};

/// Characters of a record's value in the redrive preview (a line of the dialog).
const PREVIEW_VALUE_CHARS: usize = 32;

/// An operation to plan (from the dialog's fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpRequest {
    ResetOffsets {
        group: String,
        scope: ResetScope,
        target: ResetTarget,
    },
    CreateTopic(NewTopicSpec),
    DeleteTopic(String),
    AddPartitions {
        topic: String,
        to: usize,
    },
    EditConfig {
        topic: String,
        change: ConfigChange,
    },
    /// Records of a DLQ back to where they came from (`filter`: those whose key,
    /// value or error contains it; `limit`: at most this many).
    Redrive {
        dlq: String,
        filter: Option<String>,
        limit: Option<usize>,
        /// Only the selected record: (partition, offset) in the DLQ.
        record: Option<(i32, i64)>,
    },
}

/// A planned operation: what the preview shows and what execution carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    ResetOffsets(ResetPlan),
    CreateTopic(NewTopicSpec),
    DeleteTopic(String),
    AddPartitions(PartitionsPlan),
    EditConfig(ConfigPlan),
    Redrive(Redrive),
}

/// A redrive plan, compared by what it sends and leaves (the core's plan
/// carries the redrive group's state besides).
#[derive(Debug, Clone)]
pub struct Redrive(pub Arc<RedrivePlan>);

impl Redrive {
    fn origins(&self) -> (&str, Vec<&Origin>, Vec<&Origin>) {
        (
            &self.0.dlq_topic,
            self.0.send.iter().map(|r| &r.origin).collect(),
            self.0.not_redrivable.iter().map(|r| &r.origin).collect(),
        )
    }
}

impl PartialEq for Redrive {
    fn eq(&self, other: &Self) -> bool {
        self.origins() == other.origins()
    }
}

impl Eq for Redrive {}

impl Planned {
    /// The preview table's header.
    pub(crate) fn header(&self) -> &'static [&'static str] {
        match self {
            Planned::ResetOffsets(_) => &["TOPIC", "PARTITION", "CURRENT", "NEW", "LAG-CHANGE"],
            Planned::CreateTopic(_) => &["TOPIC", "PARTITIONS", "RF", "CONFIGS"],
            Planned::DeleteTopic(_) => &["DELETE TOPIC"],
            Planned::AddPartitions(_) => &["TOPIC", "PARTITIONS", "NEW"],
            Planned::EditConfig(_) => &["CONFIG", "BEFORE", "AFTER"],
            Planned::Redrive(_) => &[
                "DLQ-PARTITION",
                "DLQ-OFFSET",
                "TO-TOPIC",
                "TO-PARTITION",
                "VALUE",
                "NOTE",
            ],
        }
    }

    /// The preview table's rows.
    pub(crate) fn rows(&self) -> Vec<Vec<String>> {
        match self {
            Planned::ResetOffsets(plan) => plan
                .partitions
                .iter()
                .map(|p| {
                    vec![
                        p.topic.clone(),
                        p.partition.to_string(),
                        p.current_offset.map_or("-".into(), |o| o.to_string()),
                        p.new_offset.to_string(),
                        p.lag_change().map_or("-".into(), present::change),
                    ]
                })
                .collect(),
            Planned::CreateTopic(spec) => {
                let configs: Vec<String> = spec
                    .configs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                vec![vec![
                    spec.name.clone(),
                    spec.partitions.to_string(),
                    spec.replication_factor.to_string(),
                    if configs.is_empty() {
                        "-".into()
                    } else {
                        configs.join(",")
                    },
                ]]
            }
            Planned::DeleteTopic(topic) => vec![vec![topic.clone()]],
            Planned::AddPartitions(plan) => vec![vec![
                plan.topic.clone(),
                plan.current.to_string(),
                plan.to.to_string(),
            ]],
            Planned::EditConfig(plan) => {
                let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(default)".into());
                plan.edits
                    .iter()
                    .map(|e| vec![e.name.clone(), shown(&e.before), shown(&e.after)])
                    .collect()
            }
            Planned::Redrive(Redrive(plan)) => {
                let row = |o: &Origin, to: Option<i32>, note: String, value: String| {
                    vec![
                        o.dlq_partition.to_string(),
                        o.dlq_offset.to_string(),
                        o.source_topic.clone().unwrap_or_else(|| "-".into()),
                        to.or(o.source_partition)
                            .map_or("-".into(), |p| p.to_string()),
                        value,
                        note,
                    ]
                };
                let sent = |r: &RedriveRecord| {
                    // A value framed for a schema that did not decode says why.
                    let note = match r.shown_value.schema.as_ref().and_then(|n| n.error.as_ref()) {
                        Some(e) => format!("goes back · value raw: {e}"),
                        None => "goes back".into(),
                    };
                    let value = one_line(&r.shown_value, PREVIEW_VALUE_CHARS);
                    row(&r.origin, r.target_partition, note, value)
                };
                plan.send
                    .iter()
                    .map(sent)
                    .chain(
                        plan.not_redrivable.iter().map(|u| {
                            row(&u.origin, None, format!("stays: {}", u.reason), "-".into())
                        }),
                    )
                    .collect()
            }
        }
    }

    /// A line under the table (totals), if any.
    pub(crate) fn summary(&self) -> Option<String> {
        match self {
            Planned::ResetOffsets(plan) => Some(format!(
                "{} partitions · total lag change {}",
                plan.partitions.len(),
                present::change(plan.total_lag_change())
            )),
            Planned::DeleteTopic(_) => {
                Some("the topic and all its records are deleted; this cannot be undone".into())
            }
            Planned::AddPartitions(_) => Some(
                "warning: keyed records go to other partitions from now on (a key's partition \
                 depends on the count), so a key's new records are no longer ordered after its old ones"
                    .into(),
            ),
            Planned::Redrive(Redrive(plan)) => Some(format!(
                "{} go back · {} cannot · {} redriven before · {} filtered out · {} over the limit",
                plan.send.len(),
                plan.not_redrivable.len(),
                plan.already_redriven,
                plan.filtered_out,
                plan.over_limit
            )),
            Planned::CreateTopic(_) | Planned::EditConfig(_) => None,
        }
    }

    /// What the notice says once it is done.
    pub(crate) fn done_text(&self) -> String {
        match self {
            Planned::ResetOffsets(plan) => format!(
                "reset the offsets of group `{}` on {} partitions (lag change {})",
                plan.group,
                plan.partitions.len(),
                present::change(plan.total_lag_change())
            ),
            Planned::CreateTopic(spec) => format!(
                "created topic `{}` ({} partitions, replication factor {})",
                spec.name, spec.partitions, spec.replication_factor
            ),
            Planned::DeleteTopic(topic) => format!("deleted topic `{topic}`"),
            Planned::AddPartitions(plan) => format!(
                "topic `{}` now has {} partitions (was {})",
                plan.topic, plan.to, plan.current
            ),
            Planned::EditConfig(plan) => format!(
                "changed {} configs of topic `{}`",
                plan.edits.len(),
                plan.topic
            ),
            Planned::Redrive(Redrive(plan)) => format!(
                "redrove {} records of `{}`",
                plan.send.len(),
                plan.dlq_topic
            ),
        }
    }
}
