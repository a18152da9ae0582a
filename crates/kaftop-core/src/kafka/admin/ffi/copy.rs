//! Copying answers out of librdkafka memory into owned Rust values, while the
//! result event that owns them is alive.

use std::ffi::CStr;
use std::os::raw::c_char;

use rdkafka::types::RDKafkaErrorCode;
use rdkafka_sys::bindings as rd;
use rdkafka_sys::types::RDKafkaRespErr;

use super::super::types::{AdminError, GroupDescription, GroupState, GroupType, MemberDescription};
use super::PartitionEntry;

/// Copies a C string; NULL becomes "".
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string alive for this call.
pub(super) unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: non-null, and valid and NUL-terminated per the contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The elements of a librdkafka array of `n` pointers (empty if NULL).
///
/// # Safety
/// `arr` is NULL or points to `n` readable pointers that outlive `'a`.
pub(super) unsafe fn ptr_slice<'a, T>(arr: *mut *const T, n: usize) -> &'a [*const T] {
    if arr.is_null() || n == 0 {
        &[]
    } else {
        // SAFETY: non-null, `n` readable pointers living for `'a` per the contract.
        unsafe { std::slice::from_raw_parts(arr, n) }
    }
}

/// Code and "Name: message" text of an `rd_kafka_error_t`, or None for NULL.
///
/// # Safety
/// `e` is NULL or a live error.
pub(super) unsafe fn error_text(
    e: *const rd::rd_kafka_error_t,
) -> Option<(RDKafkaErrorCode, String)> {
    if e.is_null() {
        return None;
    }
    // SAFETY: `e` is live per the contract; its string lives as long as `e`.
    let (code, text) = unsafe {
        (
            RDKafkaErrorCode::from(rd::rd_kafka_error_code(e)),
            cstr(rd::rd_kafka_error_string(e)),
        )
    };
    Some((code, format!("{code:?}: {text}")))
}

pub(super) fn code_text(err: RDKafkaRespErr) -> Option<String> {
    if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return None;
    }
    // SAFETY: err2str returns a static NUL-terminated string for every code.
    let text = unsafe { cstr(rd::rd_kafka_err2str(err)) };
    Some(format!("{:?}: {text}", RDKafkaErrorCode::from(err)))
}

/// Copies one element of a topic partition list.
///
/// # Safety
/// `tp.topic` is NULL or a NUL-terminated string alive for this call (the list
/// that holds `tp` is alive and unchanged).
pub(super) unsafe fn partition_entry(tp: &rd::rd_kafka_topic_partition_t) -> PartitionEntry {
    PartitionEntry {
        // SAFETY: per the function contract.
        topic: unsafe { cstr(tp.topic) },
        partition: tp.partition,
        offset: tp.offset,
        error: code_text(tp.err),
    }
}

/// Copies all elements of a topic partition list (NULL → empty).
///
/// # Safety
/// `list` is NULL or a live list that is not modified during the call.
pub(super) unsafe fn partition_entries(
    list: *const rd::rd_kafka_topic_partition_list_t,
) -> Vec<PartitionEntry> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: `list` is live per the contract; `elems` holds `cnt` initialised
    // elements, whose topics the list owns.
    unsafe {
        let l = &*list;
        if l.elems.is_null() || l.cnt <= 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(l.elems, l.cnt as usize)
            .iter()
            .map(|tp| partition_entry(tp))
            .collect()
    }
}

/// The partitions of the single group result of a one-group offsets call; the
/// group's own error fails the call.
///
/// # Safety
/// Each pointer in `groups` is NULL or a live group result.
pub(super) unsafe fn single_group_partitions(
    op: &'static str,
    groups: &[*const rd::rd_kafka_group_result_t],
) -> Result<Vec<PartitionEntry>, AdminError> {
    let Some(&g) = groups.iter().find(|g| !g.is_null()) else {
        return Err(AdminError::Request {
            op,
            code: None,
            reason: "the result holds no group".to_string(),
        });
    };
    // SAFETY: `g` is a live group result; its error and partitions live as long.
    unsafe {
        if let Some((code, text)) = error_text(rd::rd_kafka_group_result_error(g)) {
            return Err(AdminError::request(op, code, text));
        }
        Ok(partition_entries(rd::rd_kafka_group_result_partitions(g)))
    }
}

/// The (topic, partition) pairs of a member assignment; `None` for NULL.
///
/// # Safety
/// `a` is NULL or a live assignment that is not modified during the call.
pub(super) unsafe fn assigned_partitions(
    a: *const rd::rd_kafka_MemberAssignment_t,
) -> Option<Vec<(String, i32)>> {
    if a.is_null() {
        return None;
    }
    // SAFETY: `a` is live per the contract; its partition list (NULL or live)
    // lives as long and is copied here.
    let parts = unsafe { partition_entries(rd::rd_kafka_MemberAssignment_partitions(a)) };
    Some(parts.into_iter().map(|p| (p.topic, p.partition)).collect())
}

/// Copies one group description.
///
/// # Safety
/// `d` is a live description.
pub(super) unsafe fn group_description(
    d: *const rd::rd_kafka_ConsumerGroupDescription_t,
) -> GroupDescription {
    // SAFETY: `d` is live; everything reached from it lives as long and is copied.
    unsafe {
        let group_id = cstr(rd::rd_kafka_ConsumerGroupDescription_group_id(d));
        let error = error_text(rd::rd_kafka_ConsumerGroupDescription_error(d)).map(|(_, t)| t);
        let coordinator = rd::rd_kafka_ConsumerGroupDescription_coordinator(d);
        let group_type = GroupType::from_code(rd::rd_kafka_ConsumerGroupDescription_type(d) as u32);
        let mut members = Vec::new();
        for i in 0..rd::rd_kafka_ConsumerGroupDescription_member_count(d) {
            let m = rd::rd_kafka_ConsumerGroupDescription_member(d, i);
            if m.is_null() {
                continue;
            }
            // Only ConsumerGroupDescribe (KIP-848) answers carry a target assignment.
            let target = rd::rd_kafka_MemberDescription_target_assignment(m);
            members.push(MemberDescription {
                member_id: cstr(rd::rd_kafka_MemberDescription_consumer_id(m)),
                client_id: cstr(rd::rd_kafka_MemberDescription_client_id(m)),
                host: cstr(rd::rd_kafka_MemberDescription_host(m)),
                assignment: assigned_partitions(rd::rd_kafka_MemberDescription_assignment(m))
                    .unwrap_or_default(),
                target_assignment: if group_type == GroupType::Consumer {
                    assigned_partitions(target)
                } else {
                    None
                },
            });
        }
        let code = rd::rd_kafka_ConsumerGroupDescription_state(d) as u32;
        let is_simple = rd::rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0;
        // librdkafka describes only `consumer` and simple classic groups; any other
        // protocol type is this group's error, whose text names it.
        let other = error.as_deref().and_then(other_protocol_type);
        let protocol_type = match (&other, group_type) {
            (Some(p), _) => Some(p.clone()),
            (None, GroupType::Classic) if is_simple => Some(String::new()),
            (None, GroupType::Classic) => Some("consumer".to_string()),
            (None, _) => None,
        };
        GroupDescription {
            group_id,
            state: match group_type {
                GroupType::Consumer => GroupState::of_consumer_group(code, &members),
                _ => GroupState::from_code(code),
            },
            group_type: if other.is_some() {
                GroupType::Classic
            } else {
                group_type
            },
            is_simple,
            protocol_type,
            partition_assignor: cstr(rd::rd_kafka_ConsumerGroupDescription_partition_assignor(d)),
            coordinator: (!coordinator.is_null()).then(|| rd::rd_kafka_Node_id(coordinator)),
            members,
            error: match other {
                Some(p) => Some(format!(
                    "librdkafka describes consumer groups only, not this `{p}` group: \
                     state and members unknown"
                )),
                None => error,
            },
        }
    }
}

/// The protocol type librdkafka's DescribeConsumerGroups names when it refuses a
/// classic group that is not a consumer group: "GroupId g is not a consumer
/// group (connect)."
fn other_protocol_type(error: &str) -> Option<String> {
    let (_, rest) = error.split_once(" is not a consumer group (")?;
    let p = rest.strip_suffix(").").or_else(|| rest.strip_suffix(')'))?;
    Some(p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_state_follows_librdkafka_codes() {
        use rd::rd_kafka_consumer_group_state_t as S;
        let cases = [
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN,
                GroupState::Unknown,
            ),
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE,
                GroupState::PreparingRebalance,
            ),
            (
                S::RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE,
                GroupState::CompletingRebalance,
            ),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_STABLE, GroupState::Stable),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_DEAD, GroupState::Dead),
            (S::RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY, GroupState::Empty),
        ];
        for (code, state) in cases {
            assert_eq!(GroupState::from_code(code as u32), state);
            // Our names are librdkafka's own state names.
            // SAFETY: returns a static string for every valid state.
            let name = unsafe { cstr(rd::rd_kafka_consumer_group_state_name(code)) };
            assert_eq!(state.to_string(), name);
        }
        assert_eq!(GroupState::from_code(6), GroupState::Unknown);
        assert_eq!(GroupState::from_code(u32::MAX), GroupState::Unknown);
    }

    #[test]
    fn group_types_follow_librdkafka_codes() {
        use rd::rd_kafka_consumer_group_type_t as T;
        for (code, ty) in [
            (T::RD_KAFKA_CONSUMER_GROUP_TYPE_UNKNOWN, GroupType::Unknown),
            (
                T::RD_KAFKA_CONSUMER_GROUP_TYPE_CONSUMER,
                GroupType::Consumer,
            ),
            (T::RD_KAFKA_CONSUMER_GROUP_TYPE_CLASSIC, GroupType::Classic),
        ] {
            assert_eq!(GroupType::from_code(code as u32), ty);
            // SAFETY: returns a static string for every valid type.
            let name = unsafe { cstr(rd::rd_kafka_consumer_group_type_name(code)) };
            assert_eq!(ty.to_string(), name);
        }
        assert_eq!(GroupType::from_code(3), GroupType::Unknown);
    }

    #[test]
    fn partition_errors_name_the_code() {
        assert_eq!(code_text(RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR), None);
        let t = code_text(RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART).unwrap();
        assert_eq!(
            t,
            "UnknownTopicOrPartition: Broker: Unknown topic or partition"
        );
    }

    #[test]
    fn a_refused_classic_group_names_its_protocol_type() {
        let refused = "InvalidArgument: GroupId workers is not a consumer group (connect).";
        assert_eq!(other_protocol_type(refused).as_deref(), Some("connect"));
        assert_eq!(
            other_protocol_type("CoordinatorNotAvailable: Broker: x"),
            None
        );
    }
}
