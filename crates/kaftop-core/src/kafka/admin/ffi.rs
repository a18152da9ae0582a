//! The librdkafka side of the admin calls: every `unsafe` block of kaftop lives
//! here, behind safe functions that each issue one request and copy its answer
//! into plain Rust values ([`super::types`]).
//!
//! Memory rules: every librdkafka object created here is owned by an RAII guard
//! that destroys it on every path; strings and lists inside a result event are
//! copied into Rust values before the event is destroyed. A `&Client` borrowed for
//! the whole call keeps the handle alive for as long as librdkafka may use it.
//! The guards are in `guards`, the copying in `copy`.
#![allow(unsafe_code)]

mod copy;
mod guards;

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use std::time::Duration;

use rdkafka::client::{Client, ClientContext};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka_sys::bindings as rd;
use rdkafka_sys::types::RDKafkaRespErr;

use self::copy::{
    cstr, error_text, group_description, partition_entry, ptr_slice, single_group_partitions,
};
use self::guards::{
    AdminOptions, AlterGroupOffsets, ConfigResource, Event, ListGroupOffsets, Queue,
    TopicPartitionList,
};
use super::types::{AdminError, GroupDescription, GroupListing, GroupState, GroupType, OffsetSpec};

/// Extra time to wait for the result event after the request timeout, so that
/// librdkafka's own timeout error (which names what timed out) arrives first.
const POLL_GRACE: Duration = Duration::from_millis(500);

/// librdkafka's upper bound for `request_timeout` (one hour).
const MAX_REQUEST_TIMEOUT_MS: u128 = 3_600_000;

/// The offset librdkafka leaves where it has none (`RD_KAFKA_OFFSET_INVALID`).
pub(super) const OFFSET_INVALID: i64 = rd::RD_KAFKA_OFFSET_INVALID as i64;

/// One topic partition entry of a result, copied.
#[derive(Debug)]
pub(super) struct PartitionEntry {
    pub(super) topic: String,
    pub(super) partition: i32,
    pub(super) offset: i64,
    pub(super) error: Option<String>,
}

/// A ListConsumerGroups answer, copied: the groups, and the error of every
/// broker that could not be asked.
pub(super) struct ListedGroups {
    pub(super) groups: Vec<GroupListing>,
    pub(super) errors: Vec<(RDKafkaErrorCode, String)>,
}

/// One partition of a ListOffsets answer, with the record timestamp the broker
/// sent (-1 when none).
pub(super) struct ListedOffset {
    pub(super) entry: PartitionEntry,
    pub(super) timestamp: i64,
}

// ---- the calls ----

/// ListConsumerGroups: asks every broker.
pub(super) fn list_consumer_groups<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    timeout: Duration,
) -> Result<ListedGroups, AdminError> {
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS,
        timeout,
        None,
        |rk, opts, queue| {
            // SAFETY: `call` passes the live handle, options and queue, which its
            // guards keep alive across this call; librdkafka copies what it keeps.
            unsafe { rd::rd_kafka_ListConsumerGroups(rk, opts, queue) }
        },
    )?;
    // SAFETY: `ev` is a live event; the result (NULL if another event type) is
    // owned by it.
    let res = unsafe { rd::rd_kafka_event_ListConsumerGroups_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut groups = Vec::new();
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`, which outlives this block; the
    // array has `n` entries; each listing's strings live as long as `ev` and are
    // copied before it is dropped.
    unsafe {
        let arr = rd::rd_kafka_ListConsumerGroups_result_valid(res, &mut n);
        for &g in ptr_slice(arr, n) {
            if g.is_null() {
                continue;
            }
            groups.push(GroupListing {
                group_id: cstr(rd::rd_kafka_ConsumerGroupListing_group_id(g)),
                state: GroupState::from_code(rd::rd_kafka_ConsumerGroupListing_state(g) as u32),
                group_type: GroupType::from_code(rd::rd_kafka_ConsumerGroupListing_type(g) as u32),
                is_simple: rd::rd_kafka_ConsumerGroupListing_is_simple_consumer_group(g) != 0,
            });
        }
    }
    let mut errors = Vec::new();
    let mut n = 0usize;
    // SAFETY: as above; the errors are owned by the result.
    unsafe {
        let arr = rd::rd_kafka_ListConsumerGroups_result_errors(res, &mut n);
        for &e in ptr_slice(arr, n) {
            errors.extend(error_text(e));
        }
    }
    Ok(ListedGroups { groups, errors })
}

/// DescribeConsumerGroups of `groups` (not empty, no duplicates), each with the
/// code of its error; at `broker` when given, else at each group's coordinator.
pub(super) fn describe_consumer_groups<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    groups: &[CString],
    broker: Option<i32>,
    timeout: Duration,
) -> Result<Vec<(GroupDescription, Option<RDKafkaErrorCode>)>, AdminError> {
    let mut ptrs: Vec<*const c_char> = groups.iter().map(|c| c.as_ptr()).collect();
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS,
        timeout,
        broker,
        |rk, opts, queue| {
            // SAFETY: `ptrs` holds `ptrs.len()` pointers to NUL-terminated strings
            // owned by `groups`, alive across the call; librdkafka copies the names.
            unsafe {
                rd::rd_kafka_DescribeConsumerGroups(rk, ptrs.as_mut_ptr(), ptrs.len(), opts, queue)
            }
        },
    )?;
    // SAFETY: `ev` is live; the result is owned by it.
    let res = unsafe { rd::rd_kafka_event_DescribeConsumerGroups_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut out = Vec::new();
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`; every description, member,
    // assignment, node and string reached from it lives as long as `ev` and is
    // copied into owned Rust values here.
    unsafe {
        let arr = rd::rd_kafka_DescribeConsumerGroups_result_groups(res, &mut n);
        for &d in ptr_slice(arr, n) {
            if !d.is_null() {
                let code = error_text(rd::rd_kafka_ConsumerGroupDescription_error(d));
                out.push((group_description(d), code.map(|(c, _)| c)));
            }
        }
    }
    Ok(out)
}

/// ListConsumerGroupOffsets of one group, for `partitions` (no duplicates) or,
/// with `None`, for every partition the group has offsets for; at `broker` when
/// given, else at the group's coordinator.
pub(super) fn list_consumer_group_offsets<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    group: &CStr,
    partitions: Option<&[(CString, i32)]>,
    broker: Option<i32>,
    timeout: Duration,
) -> Result<Vec<PartitionEntry>, AdminError> {
    let list = match partitions {
        None => None,
        Some(parts) => {
            let list = TopicPartitionList::new(op)?;
            for (t, p) in parts {
                list.add(op, t, *p, OFFSET_INVALID)?;
            }
            Some(list)
        }
    };
    let list_ptr = list.as_ref().map_or(ptr::null(), |l| l.0.cast_const());
    // SAFETY: `group` is NUL-terminated; `list_ptr` is NULL ("all partitions") or
    // a live list; librdkafka copies both; the guard destroys the object.
    let req = ListGroupOffsets(unsafe {
        rd::rd_kafka_ListConsumerGroupOffsets_new(group.as_ptr(), list_ptr)
    });
    if req.0.is_null() {
        return Err(alloc_failed(op));
    }
    let mut reqs = [req.0];
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
        timeout,
        broker,
        |rk, opts, queue| {
            // SAFETY: `reqs` is a one-element array of a live object (owned by
            // `req`); librdkafka copies it before returning.
            unsafe { rd::rd_kafka_ListConsumerGroupOffsets(rk, reqs.as_mut_ptr(), 1, opts, queue) }
        },
    )?;
    // SAFETY: `ev` is live; the result is owned by it.
    let res = unsafe { rd::rd_kafka_event_ListConsumerGroupOffsets_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`; the group results and their
    // partition lists live as long as `ev` and are copied here.
    unsafe {
        let arr = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(res, &mut n);
        single_group_partitions(op, ptr_slice(arr, n))
    }
}

/// ListOffsets of `partitions` (no duplicates) by `spec`: librdkafka sends one
/// request per partition leader.
pub(super) fn list_offsets<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    partitions: &[(CString, i32)],
    spec: OffsetSpec,
    timeout: Duration,
) -> Result<Vec<ListedOffset>, AdminError> {
    let list = TopicPartitionList::new(op)?;
    for (t, p) in partitions {
        list.add(op, t, *p, offset_spec(spec))?;
    }
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTOFFSETS,
        timeout,
        None,
        |rk, opts, queue| {
            // SAFETY: `list` is a live list owned by its guard; librdkafka copies
            // it before returning.
            unsafe { rd::rd_kafka_ListOffsets(rk, list.0, opts, queue) }
        },
    )?;
    // SAFETY: `ev` is live; the result is owned by it.
    let res = unsafe { rd::rd_kafka_event_ListOffsets_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut out = Vec::new();
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`; each info and its topic
    // partition live as long as `ev` and are copied here.
    unsafe {
        let arr = rd::rd_kafka_ListOffsets_result_infos(res, &mut n);
        for &info in ptr_slice(arr, n) {
            if info.is_null() {
                continue;
            }
            let tp = rd::rd_kafka_ListOffsetsResultInfo_topic_partition(info);
            if tp.is_null() {
                continue;
            }
            out.push(ListedOffset {
                entry: partition_entry(&*tp),
                timestamp: rd::rd_kafka_ListOffsetsResultInfo_timestamp(info),
            });
        }
    }
    Ok(out)
}

/// AlterConsumerGroupOffsets of one group to `(topic, partition, offset)`.
pub(super) fn alter_consumer_group_offsets<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    group: &CStr,
    offsets: &[(CString, i32, i64)],
    timeout: Duration,
) -> Result<Vec<PartitionEntry>, AdminError> {
    let list = TopicPartitionList::new(op)?;
    for (t, p, o) in offsets {
        list.add(op, t, *p, *o)?;
    }
    // SAFETY: `group` is NUL-terminated and `list` is live; librdkafka copies
    // both; the guard destroys the object.
    let req = AlterGroupOffsets(unsafe {
        rd::rd_kafka_AlterConsumerGroupOffsets_new(group.as_ptr(), list.0)
    });
    if req.0.is_null() {
        return Err(alloc_failed(op));
    }
    let mut reqs = [req.0];
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
        timeout,
        None,
        |rk, opts, queue| {
            // SAFETY: `reqs` is a one-element array of a live object (owned by
            // `req`); librdkafka copies it before returning.
            unsafe { rd::rd_kafka_AlterConsumerGroupOffsets(rk, reqs.as_mut_ptr(), 1, opts, queue) }
        },
    )?;
    // SAFETY: `ev` is live; the result is owned by it.
    let res = unsafe { rd::rd_kafka_event_AlterConsumerGroupOffsets_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`; copied here.
    unsafe {
        let arr = rd::rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &mut n);
        single_group_partitions(op, ptr_slice(arr, n))
    }
}

/// IncrementalAlterConfigs of one topic: sets each `(name, Some(value))` and
/// deletes (back to the default) each `(name, None)`, leaving its other configs
/// alone. Returns the broker's refusal of the topic's change, if any.
pub(super) fn incremental_alter_topic_configs<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    topic: &CStr,
    changes: &[(CString, Option<CString>)],
    timeout: Duration,
) -> Result<Option<(RDKafkaErrorCode, String)>, AdminError> {
    // SAFETY: `topic` is NUL-terminated; librdkafka copies the name; a non-null
    // resource is ours to destroy (guard).
    let resource = ConfigResource(unsafe {
        rd::rd_kafka_ConfigResource_new(
            rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
            topic.as_ptr(),
        )
    });
    if resource.0.is_null() {
        return Err(alloc_failed(op));
    }
    for (name, value) in changes {
        let (kind, value) = match value {
            Some(v) => (
                rd::rd_kafka_AlterConfigOpType_t::RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET,
                v.as_ptr(),
            ),
            None => (
                rd::rd_kafka_AlterConfigOpType_t::RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE,
                ptr::null(),
            ),
        };
        // SAFETY: `resource` is live; `name` and a non-null `value` are
        // NUL-terminated and copied by librdkafka; a returned error is ours to
        // destroy, which happens right after its text is copied.
        let refused = unsafe {
            let e = rd::rd_kafka_ConfigResource_add_incremental_config(
                resource.0,
                name.as_ptr(),
                kind,
                value,
            );
            let text = error_text(e);
            if !e.is_null() {
                rd::rd_kafka_error_destroy(e);
            }
            text
        };
        if let Some((code, text)) = refused {
            return Err(AdminError::request(op, code, text));
        }
    }
    let mut resources = [resource.0];
    let ev = call(
        client,
        op,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
        timeout,
        None,
        |rk, opts, queue| {
            // SAFETY: `resources` is a one-element array of a live resource (owned
            // by `resource`); librdkafka copies it before returning.
            unsafe {
                rd::rd_kafka_IncrementalAlterConfigs(rk, resources.as_mut_ptr(), 1, opts, queue)
            }
        },
    )?;
    // SAFETY: `ev` is live; the result (NULL if another event type) is owned by it.
    let res = unsafe { rd::rd_kafka_event_IncrementalAlterConfigs_result(ev.0) };
    if res.is_null() {
        return Err(unexpected_event(op, &ev));
    }
    let mut n = 0usize;
    // SAFETY: `res` is non-null and owned by `ev`, which outlives this block; the
    // array has `n` entries; each resource's error string lives as long as `ev`
    // and is copied here.
    let refused = unsafe {
        let arr = rd::rd_kafka_IncrementalAlterConfigs_result_resources(res, &mut n);
        let mut refused = None;
        for &r in ptr_slice(arr, n) {
            if r.is_null() {
                continue;
            }
            let err = rd::rd_kafka_ConfigResource_error(r);
            if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
                let code = RDKafkaErrorCode::from(err);
                let text = cstr(rd::rd_kafka_ConfigResource_error_string(r));
                refused = Some((code, text));
            }
        }
        refused
    };
    Ok(refused)
}

/// The id of the cluster's controller from the handle's metadata cache (waiting
/// up to `timeout` for metadata); `None` when unknown.
pub(super) fn controller_id<C: ClientContext>(
    client: &Client<C>,
    timeout: Duration,
) -> Option<i32> {
    // SAFETY: the handle is live while `client` is borrowed; rd_kafka_controllerid
    // only reads cached metadata (or waits for it) and keeps no pointer.
    let id = unsafe { rd::rd_kafka_controllerid(client.native_ptr(), duration_ms(timeout)) };
    (id >= 0).then_some(id)
}

/// Events (librdkafka's log lines, errors) waiting on a consumer's queue, where a
/// consumer with a group id has its main queue forwarded.
pub(crate) fn pending_events<C: ConsumerContext>(consumer: &BaseConsumer<C>) -> usize {
    // SAFETY: the handle is live while `consumer` is borrowed; the queue reference
    // taken here is released before returning, and nothing else keeps it.
    unsafe {
        let q = rd::rd_kafka_queue_get_consumer(consumer.client().native_ptr());
        if q.is_null() {
            return 0;
        }
        let n = rd::rd_kafka_queue_length(q);
        rd::rd_kafka_queue_destroy(q);
        n
    }
}

/// Runs one admin request: options with the request timeout, a fresh result
/// queue, `start` to issue the request, then waits for the result event and
/// turns a request-level error into [`AdminError::Request`]. `start` gets the
/// live handle, options and queue; the request takes copies of what it keeps.
fn call<C: ClientContext>(
    client: &Client<C>,
    op: &'static str,
    api: rd::rd_kafka_admin_op_t,
    timeout: Duration,
    broker: Option<i32>,
    start: impl FnOnce(
        *mut rd::rd_kafka_t,
        *const rd::rd_kafka_AdminOptions_t,
        *mut rd::rd_kafka_queue_t,
    ),
) -> Result<Event, AdminError> {
    let rk = client.native_ptr();
    // SAFETY: `rk` is the live handle of the borrowed `client`; a non-null queue
    // is ours to destroy (guard).
    let queue = Queue(unsafe { rd::rd_kafka_queue_new(rk) });
    if queue.0.is_null() {
        return Err(alloc_failed(op));
    }
    let opts = AdminOptions::new(op, rk, api, timeout, broker)?;
    start(rk, opts.0, queue.0);
    drop(opts); // the request holds its own copy

    let wait = timeout.saturating_add(POLL_GRACE);
    // SAFETY: `queue` is live; a returned event is ours to destroy (guard).
    let ev = Event(unsafe { rd::rd_kafka_queue_poll(queue.0, duration_ms(wait)) });
    if ev.0.is_null() {
        return Err(AdminError::Request {
            op,
            code: Some(RDKafkaErrorCode::OperationTimedOut),
            reason: format!("timed out after {}", humantime::format_duration(timeout)),
        });
    }
    // SAFETY: `ev` is a live event (non-null, owned by the guard).
    let err = unsafe { rd::rd_kafka_event_error(ev.0) };
    if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        let code = RDKafkaErrorCode::from(err);
        // SAFETY: `ev` is live; the string (NULL-checked by `cstr`) is owned by
        // the event and copied before the event is dropped.
        let text = unsafe { cstr(rd::rd_kafka_event_error_string(ev.0)) };
        return Err(AdminError::request(op, code, format!("{code:?}: {text}")));
    }
    Ok(ev)
}

/// librdkafka's value for `spec`: an offset spec constant, or the timestamp.
fn offset_spec(spec: OffsetSpec) -> i64 {
    match spec {
        OffsetSpec::Earliest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_EARLIEST as i64,
        OffsetSpec::Latest => rd::rd_kafka_OffsetSpec_t::RD_KAFKA_OFFSET_SPEC_LATEST as i64,
        OffsetSpec::Timestamp(ms) => ms,
    }
}

fn alloc_failed(op: &'static str) -> AdminError {
    AdminError::Request {
        op,
        code: None,
        reason: "librdkafka returned no object".to_string(),
    }
}

fn unexpected_event(op: &'static str, ev: &Event) -> AdminError {
    // SAFETY: `ev` is a live event (non-null, owned by the guard).
    let ty = unsafe { rd::rd_kafka_event_type(ev.0) };
    AdminError::Request {
        op,
        code: None,
        reason: format!("unexpected result event type {ty}"),
    }
}

/// Milliseconds for librdkafka's `int` timeouts, saturating.
fn duration_ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_spec_maps_to_librdkafka_values() {
        assert_eq!(offset_spec(OffsetSpec::Earliest), -2);
        assert_eq!(offset_spec(OffsetSpec::Latest), -1);
        assert_eq!(
            offset_spec(OffsetSpec::Timestamp(1_700_000_000_000)),
            1_700_000_000_000
        );
    }

    #[test]
    fn timeouts_saturate() {
        assert_eq!(duration_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(duration_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }
}
