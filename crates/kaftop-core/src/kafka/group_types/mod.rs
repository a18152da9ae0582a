//! Share groups (KIP-932) and Streams groups (KIP-1071): what a refresh knows of
//! them beyond what every group has (state, members, offsets). librdkafka has no
//! admin call for either; they are described over Kafka's wire protocol.

use super::admin::types::GroupType;

pub mod messages;
mod reads;

pub use reads::{merge, TypedGroups, TypedRead, NOT_SUPPORTED};
// The data a refresh keeps of these groups lives beside the snapshot.
pub use super::group_detail::{
    ShareDetail, SharePartition, StreamsDetail, StreamsMember, Subtopology, TaskId, Tasks,
    TypedDetail,
};

/// "share and Streams groups: not supported by this broker" for the typed groups
/// a cluster does not have, or `None` when it has them all.
pub fn unsupported_note(types: &[GroupType]) -> Option<String> {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            GroupType::Streams => "Streams",
            _ => "share",
        })
        .collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("{one} groups: {NOT_SUPPORTED}")),
        [first, rest @ ..] => Some(format!(
            "{first} and {} groups: {NOT_SUPPORTED}",
            rest.join(" and ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_group_types_are_named_as_not_supported() {
        assert_eq!(unsupported_note(&[]), None);
        assert_eq!(
            unsupported_note(&[GroupType::Streams]).as_deref(),
            Some("Streams groups: not supported by this broker")
        );
        assert_eq!(
            unsupported_note(&[GroupType::Share, GroupType::Streams]).as_deref(),
            Some("share and Streams groups: not supported by this broker")
        );
    }
}
