//! What a dialog asks the I/O side to plan and carry out, and the plans that
//! come back. Plain data: the app builds requests from its fields, the I/O side
//! calls the core, and the preview table is drawn from the plan.

use crate::kafka::offsets_reset::{ResetPlan, ResetScope, ResetTarget};
use crate::kafka::topic_admin::NewTopicSpec;

/// An operation to plan (from the dialog's fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpRequest {
    ResetOffsets {
        group: String,
        scope: ResetScope,
        target: ResetTarget,
    },
    CreateTopic(NewTopicSpec),
}

/// A planned operation: what the preview shows and what execution carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    ResetOffsets(ResetPlan),
    CreateTopic(NewTopicSpec),
}

impl Planned {
    /// The preview table's header.
    pub(crate) fn header(&self) -> &'static [&'static str] {
        match self {
            Planned::ResetOffsets(_) => &["TOPIC", "PARTITION", "CURRENT", "NEW", "LAG-CHANGE"],
            Planned::CreateTopic(_) => &["TOPIC", "PARTITIONS", "RF", "CONFIGS"],
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
                        p.lag_change().map_or("-".into(), signed),
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
        }
    }

    /// A line under the table (totals), if any.
    pub(crate) fn summary(&self) -> Option<String> {
        match self {
            Planned::ResetOffsets(plan) => Some(format!(
                "{} partitions · total lag change {}",
                plan.partitions.len(),
                signed(plan.total_lag_change())
            )),
            Planned::CreateTopic(_) => None,
        }
    }

    /// What the notice says once it is done.
    pub(crate) fn done_text(&self) -> String {
        match self {
            Planned::ResetOffsets(plan) => format!(
                "reset the offsets of group `{}` on {} partitions (lag change {})",
                plan.group,
                plan.partitions.len(),
                signed(plan.total_lag_change())
            ),
            Planned::CreateTopic(spec) => format!(
                "created topic `{}` ({} partitions, replication factor {})",
                spec.name, spec.partitions, spec.replication_factor
            ),
        }
    }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}
