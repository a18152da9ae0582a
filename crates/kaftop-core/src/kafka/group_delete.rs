//! Deleting a group. One request serves every type: DeleteGroups at the group's
//! coordinator deletes consumer, classic, share and Streams groups alike (Kafka's
//! `kafka-share-groups --delete` and `kafka-streams-groups --delete` send it too),
//! and the coordinator refuses a group that still has members.

use rdkafka::admin::AdminOptions;
use rdkafka::types::RDKafkaErrorCode;

use super::client::{KafkaError, METADATA_TIMEOUT};
use super::topics::admin_client;
use crate::config::Resolved;

/// Why a group was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum GroupDeleteError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error(
        "group `{group}` has {why}: Kafka deletes only a group without members; stop them first"
    )]
    HasMembers { group: String, why: String },
    #[error("group `{0}` does not exist")]
    UnknownGroup(String),
    #[error("the broker refused to delete group `{group}`: {reason}")]
    Refused {
        group: String,
        code: RDKafkaErrorCode,
        reason: String,
    },
}

/// The refusal a group with `members` gets before anything is sent (`None`
/// members: the cluster could not tell, and the coordinator decides).
pub fn check_empty(group: &str, members: Option<usize>) -> Result<(), GroupDeleteError> {
    match members {
        Some(n) if n > 0 => Err(GroupDeleteError::HasMembers {
            group: group.to_string(),
            why: format!("{n} member(s)"),
        }),
        _ => Ok(()),
    }
}

/// Deletes `group` (any type) with one DeleteGroups request.
pub async fn delete(cfg: &Resolved, group: &str) -> Result<(), GroupDeleteError> {
    let admin = admin_client(cfg)?;
    let opts = AdminOptions::new().request_timeout(Some(METADATA_TIMEOUT));
    let results = admin
        .delete_groups(&[group], &opts)
        .await
        .map_err(KafkaError::client("deleting a group"))?;
    for r in results {
        match r {
            Ok(_) => {}
            Err((group, RDKafkaErrorCode::NonEmptyGroup)) => {
                return Err(GroupDeleteError::HasMembers {
                    group,
                    why: "members (the coordinator said NON_EMPTY_GROUP)".into(),
                })
            }
            Err((group, RDKafkaErrorCode::GroupIdNotFound)) => {
                return Err(GroupDeleteError::UnknownGroup(group))
            }
            Err((group, code)) => {
                return Err(GroupDeleteError::Refused {
                    group,
                    reason: code.to_string(),
                    code,
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_with_members_is_refused_before_anything_is_sent() {
        let err = check_empty("g", Some(2)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "group `g` has 2 member(s): Kafka deletes only a group without members; stop them first"
        );
        assert!(check_empty("g", Some(0)).is_ok());
        assert!(check_empty("g", None).is_ok());
    }
}
