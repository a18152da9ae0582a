//! The plain data of the admin calls: what they return (groups, descriptions,
//! offsets, states) and how they fail. No librdkafka memory lives here: the FFI
//! module copies every answer into these values.

use std::collections::HashSet;
use std::fmt;

use rdkafka::types::RDKafkaErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The request as a whole failed: code name and message, e.g.
    /// "BrokerTransportFailure: ..." or "timed out after 2s".
    #[error("{op}: {reason}")]
    Request {
        op: &'static str,
        code: Option<RDKafkaErrorCode>,
        reason: String,
    },
    #[error("creating admin client: {0}")]
    Create(String),
}

impl AdminError {
    pub(super) fn request(
        op: &'static str,
        code: RDKafkaErrorCode,
        reason: impl Into<String>,
    ) -> Self {
        AdminError::Request {
            op,
            code: Some(code),
            reason: reason.into(),
        }
    }

    /// The librdkafka error code of a failed request, if it had one.
    pub fn code(&self) -> Option<RDKafkaErrorCode> {
        match self {
            AdminError::Request { code, .. } => *code,
            AdminError::Create(_) => None,
        }
    }
}

/// A consumer group's state, named as Kafka names it.
///
/// Classic-protocol groups go through PreparingRebalance and CompletingRebalance;
/// KIP-848 consumer-protocol groups through Assigning and Reconciling. `Unknown`
/// only stands for a state code librdkafka itself does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum GroupState {
    Unknown,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
    Empty,
    Assigning,
    Reconciling,
    /// A Streams group whose topology's internal topics are missing (KIP-1071).
    NotReady,
}

impl GroupState {
    /// Maps librdkafka's `rd_kafka_consumer_group_state_t` value; unknown codes
    /// become [`GroupState::Unknown`] (see [`GroupState::of_consumer_group`]).
    pub fn from_code(code: u32) -> GroupState {
        match code {
            1 => GroupState::PreparingRebalance,
            2 => GroupState::CompletingRebalance,
            3 => GroupState::Stable,
            4 => GroupState::Dead,
            5 => GroupState::Empty,
            _ => GroupState::Unknown,
        }
    }

    /// The state of a consumer-protocol (KIP-848) group from librdkafka's code
    /// and the group's members.
    ///
    /// librdkafka 2.12 maps the state string of a ConsumerGroupDescribe answer
    /// through `rd_kafka_consumer_group_state_code`, whose table has no
    /// Assigning or Reconciling: both come back as Unknown. Such a group is always
    /// in one of Empty, Assigning, Reconciling, Stable or Dead, so Unknown means
    /// one of the two, told apart by the members: while some member's current
    /// assignment differs from its target assignment, the members are converging
    /// on the target (Reconciling); otherwise the coordinator is computing a new
    /// target (Assigning). librdkafka drops the group and member epochs that
    /// would decide this exactly, so a member that owns its target but has not
    /// yet acknowledged the new epoch reads as Assigning rather than Reconciling.
    pub fn of_consumer_group(code: u32, members: &[MemberDescription]) -> GroupState {
        match GroupState::from_code(code) {
            GroupState::Unknown if members.iter().any(MemberDescription::is_reconciling) => {
                GroupState::Reconciling
            }
            GroupState::Unknown => GroupState::Assigning,
            known => known,
        }
    }

    /// Kafka's name of the state, as `kafka-consumer-groups` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupState::Unknown => "Unknown",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
            GroupState::Empty => "Empty",
            GroupState::Assigning => "Assigning",
            GroupState::Reconciling => "Reconciling",
            GroupState::NotReady => "NotReady",
        }
    }

    /// The state Kafka names in a describe answer (ShareGroupDescribe,
    /// StreamsGroupDescribe, ListGroups), case as Kafka's tools print it or lower
    /// case as the coordinator sends it; anything else is Unknown.
    pub fn from_name(name: &str) -> GroupState {
        const ALL: [GroupState; 9] = [
            GroupState::PreparingRebalance,
            GroupState::CompletingRebalance,
            GroupState::Stable,
            GroupState::Dead,
            GroupState::Empty,
            GroupState::Assigning,
            GroupState::Reconciling,
            GroupState::NotReady,
            GroupState::Unknown,
        ];
        let flat: String = name.chars().filter(|c| *c != '_').collect();
        ALL.into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(&flat))
            .unwrap_or(GroupState::Unknown)
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of group, named as Kafka names them: `Classic` (JoinGroup/SyncGroup,
/// consumers or any other protocol type such as Kafka Connect's), `Consumer`
/// (KIP-848, `group.protocol=consumer`), `Share` (KIP-932 share groups) and
/// `Streams` (KIP-1071, `group.protocol=streams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum GroupType {
    Unknown,
    Consumer,
    Classic,
    Share,
    Streams,
}

impl GroupType {
    /// Maps librdkafka's `rd_kafka_consumer_group_type_t` value.
    pub fn from_code(code: u32) -> GroupType {
        match code {
            1 => GroupType::Consumer,
            2 => GroupType::Classic,
            _ => GroupType::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::Unknown => "Unknown",
            GroupType::Consumer => "Consumer",
            GroupType::Classic => "Classic",
            GroupType::Share => "Share",
            GroupType::Streams => "Streams",
        }
    }

    /// The type a ListGroups (v5+) answer names, in any case; anything else is
    /// Unknown.
    pub fn from_name(name: &str) -> GroupType {
        [
            GroupType::Consumer,
            GroupType::Classic,
            GroupType::Share,
            GroupType::Streams,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(name))
        .unwrap_or(GroupType::Unknown)
    }

    /// Share and Streams groups: described by their own requests, never by
    /// librdkafka's DescribeConsumerGroups.
    pub fn is_typed(self) -> bool {
        matches!(self, GroupType::Share | GroupType::Streams)
    }
}

impl fmt::Display for GroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The consumer groups of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupList {
    /// Sorted by group id.
    pub groups: Vec<GroupListing>,
    /// Brokers that could not be asked (the list may be incomplete).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupListing {
    pub group_id: String,
    pub state: GroupState,
    /// Unknown when the broker is older than ListGroups v5.
    pub group_type: GroupType,
    /// A group used only for offset storage (no members, no protocol).
    pub is_simple: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupDescription {
    pub group_id: String,
    pub state: GroupState,
    pub group_type: GroupType,
    pub is_simple: bool,
    /// A classic group's protocol type as its members joined with it: `consumer`,
    /// `connect` (Kafka Connect workers), any other client's, or empty for a
    /// simple group. `None` for KIP-848, share and Streams groups.
    pub protocol_type: Option<String>,
    pub partition_assignor: String,
    /// Broker id of the group coordinator, when known.
    pub coordinator: Option<i32>,
    pub members: Vec<MemberDescription>,
    /// Set when this group could not be described; the other fields are then empty.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberDescription {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// Assigned (topic, partition) pairs: what the member owns now.
    pub assignment: Vec<(String, i32)>,
    /// What the coordinator wants the member to own (consumer-protocol groups
    /// only; `None` for classic groups).
    pub target_assignment: Option<Vec<(String, i32)>>,
}

impl MemberDescription {
    /// The member does not own what its target assignment says (order aside).
    pub fn is_reconciling(&self) -> bool {
        let Some(target) = &self.target_assignment else {
            return false;
        };
        let owned: HashSet<&(String, i32)> = self.assignment.iter().collect();
        let wanted: HashSet<&(String, i32)> = target.iter().collect();
        owned != wanted
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: i32,
    /// `None` when the group has no valid committed offset here.
    pub offset: Option<i64>,
    pub error: Option<String>,
}

/// Which offset [`Admin::list_offsets`](super::Admin::list_offsets) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (high watermark).
    Latest,
    /// The first offset whose timestamp is at or after this time (ms since epoch).
    Timestamp(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartitionOffset {
    pub topic: String,
    pub partition: i32,
    /// The offset, or this partition's error. For a timestamp past the last
    /// record Kafka answers -1.
    pub offset: Result<i64, String>,
    /// Timestamp of the record at `offset` (timestamp lookups only).
    pub timestamp: Option<i64>,
}

/// One partition's outcome of
/// [`Admin::alter_group_offsets`](super::Admin::alter_group_offsets): topic, partition,
/// and `Err(reason)` if this partition was not changed.
pub type PartitionOutcome = (String, i32, Result<(), String>);

#[cfg(test)]
mod tests {
    use super::*;

    fn member(assignment: &[i32], target: Option<&[i32]>) -> MemberDescription {
        let parts = |ps: &[i32]| ps.iter().map(|&p| ("t".to_string(), p)).collect();
        MemberDescription {
            member_id: "m".into(),
            client_id: "c".into(),
            host: "/127.0.0.1".into(),
            assignment: parts(assignment),
            target_assignment: target.map(parts),
        }
    }

    #[test]
    fn consumer_group_states_librdkafka_cannot_name_are_derived() {
        use rdkafka_sys::bindings::rd_kafka_consumer_group_state_t as S;
        let unknown = S::RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN as u32;
        // A owns everything and has not given up partition 1 yet; B waits for it.
        let converging = [member(&[0, 1], Some(&[0])), member(&[], Some(&[1]))];
        assert_eq!(
            GroupState::of_consumer_group(unknown, &converging),
            GroupState::Reconciling
        );
        // Everyone owns their target (in any order): the coordinator is assigning.
        let settled = [member(&[1, 0], Some(&[0, 1])), member(&[], Some(&[]))];
        assert_eq!(
            GroupState::of_consumer_group(unknown, &settled),
            GroupState::Assigning
        );
        assert_eq!(
            GroupState::of_consumer_group(unknown, &[]),
            GroupState::Assigning
        );
        // Without a target (no KIP-848 answer) a member never reads as reconciling.
        assert!(!member(&[0], None).is_reconciling());
        // States librdkafka names are kept, whatever the members look like.
        for (code, state) in [
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_STABLE, GroupState::Stable),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY, GroupState::Empty),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_DEAD, GroupState::Dead),
        ] {
            assert_eq!(
                GroupState::of_consumer_group(code as u32, &converging),
                state
            );
        }
    }
}
