//! What a share or Streams group adds to what every group has: plain data of a
//! refresh, read by `kafka::group_types`, held in `kafka::snapshot`.

use serde::Serialize;

/// What a share or Streams group adds to its [`GroupInfo`](super::snapshot::GroupInfo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypedDetail {
    Share(ShareDetail),
    Streams(StreamsDetail),
}

/// A share group's partitions, as DescribeShareGroupOffsets answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShareDetail {
    pub partitions: Vec<SharePartition>,
}

/// One share-partition: its start offset (the first record not yet acknowledged
/// for good) and its lag as Kafka defines it (KIP-1226: records from the start
/// offset on that are still to be delivered or acknowledged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharePartition {
    pub topic: String,
    pub partition: i32,
    /// `None`: the share-partition is not initialised yet (nothing fetched).
    pub start_offset: Option<i64>,
    /// `None`: the broker does not know it (before Kafka 4.2, or not initialised).
    pub lag: Option<i64>,
    pub leader_epoch: Option<i32>,
}

/// A Streams group's topology and its members' tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamsDetail {
    /// `None`: the group has no topology yet (no member has joined since it was
    /// created or emptied).
    pub topology_epoch: Option<i32>,
    pub subtopologies: Vec<Subtopology>,
    pub members: Vec<StreamsMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subtopology {
    pub id: String,
    pub source_topics: Vec<String>,
    pub repartition_source_topics: Vec<String>,
    pub changelog_topics: Vec<String>,
}

/// One Streams member (a stream thread's consumer) and its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamsMember {
    pub member_id: String,
    /// The Streams client (one per application instance) the member belongs to.
    pub process_id: String,
    pub client_id: String,
    pub host: String,
    pub member_epoch: i32,
    pub tasks: Tasks,
    pub target_tasks: Tasks,
}

/// Tasks by kind; a task is (subtopology id, partition).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tasks {
    pub active: Vec<TaskId>,
    pub standby: Vec<TaskId>,
    pub warmup: Vec<TaskId>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TaskId {
    pub subtopology: String,
    pub partition: i32,
}

impl std::fmt::Display for TaskId {
    /// Kafka Streams' own notation, `subtopology_partition` (e.g. `0_1`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}

impl Tasks {
    /// `ACTIVE: 0:[0,1]; 1:[0];` as `kafka-streams-groups --members` prints a
    /// member's assignment (empty kinds left out, STANDBY and WARMUP after ACTIVE).
    pub fn tool_text(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        for (name, tasks) in [
            ("ACTIVE", &self.active),
            ("STANDBY", &self.standby),
            ("WARMUP", &self.warmup),
        ] {
            if tasks.is_empty() {
                continue;
            }
            out.push(format!("{name}:{}", by_subtopology(tasks)));
        }
        out.join(" ")
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_empty() && self.standby.is_empty() && self.warmup.is_empty()
    }
}

/// ` 0:[0,1]; 1:[0];`: tasks grouped by subtopology in id order.
fn by_subtopology(tasks: &[TaskId]) -> String {
    let mut sorted: Vec<&TaskId> = tasks.iter().collect();
    sorted.sort();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let sub = &sorted[i].subtopology;
        let parts: Vec<String> = sorted[i..]
            .iter()
            .take_while(|t| &t.subtopology == sub)
            .map(|t| t.partition.to_string())
            .collect();
        i += parts.len();
        out.push_str(&format!(" {sub}:[{}];", parts.join(",")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(sub: &str, partition: i32) -> TaskId {
        TaskId {
            subtopology: sub.into(),
            partition,
        }
    }

    #[test]
    fn tasks_print_as_kafka_streams_groups_prints_them() {
        let tasks = Tasks {
            active: vec![t("1", 1), t("0", 1), t("0", 0)],
            standby: vec![],
            warmup: vec![t("1", 0)],
        };
        assert_eq!(tasks.tool_text(), "ACTIVE: 0:[0,1]; 1:[1]; WARMUP: 1:[0];");
        assert_eq!(Tasks::default().tool_text(), "");
        assert_eq!(t("0", 3).to_string(), "0_3");
    }
}
