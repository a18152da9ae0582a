//! RAII guards over the librdkafka objects of a request: each destroys its
//! object exactly once, on every path.

use std::ffi::CStr;
use std::os::raw::c_char;
use std::time::Duration;

use rdkafka::types::RDKafkaErrorCode;
use rdkafka_sys::bindings as rd;
use rdkafka_sys::types::RDKafkaRespErr;

use super::super::types::AdminError;
use super::{alloc_failed, MAX_REQUEST_TIMEOUT_MS};

/// An event from `rd_kafka_queue_poll`; destroyed on drop.
pub(super) struct Event(pub(super) *mut rd::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we own the event and drop it once; nothing borrowed from it
            // outlives this guard (results are copied out first).
            unsafe { rd::rd_kafka_event_destroy(self.0) }
        }
    }
}

/// A result queue of one call; destroying it discards a late answer.
pub(super) struct Queue(pub(super) *mut rd::rd_kafka_queue_t);

impl Drop for Queue {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we own this queue handle and drop it once; librdkafka keeps
            // its own reference for requests still in flight.
            unsafe { rd::rd_kafka_queue_destroy(self.0) }
        }
    }
}

/// Options of one request; never NULL once built.
pub(super) struct AdminOptions(pub(super) *mut rd::rd_kafka_AdminOptions_t);

impl AdminOptions {
    pub(super) fn new(
        op: &'static str,
        rk: *mut rd::rd_kafka_t,
        api: rd::rd_kafka_admin_op_t,
        timeout: Duration,
        broker: Option<i32>,
    ) -> Result<Self, AdminError> {
        // SAFETY: `rk` is the caller's live handle; a non-null result is ours to
        // destroy (guard).
        let opts = unsafe { rd::rd_kafka_AdminOptions_new(rk, api) };
        if opts.is_null() {
            return Err(alloc_failed(op));
        }
        let opts = AdminOptions(opts);
        let ms = timeout.as_millis().clamp(1, MAX_REQUEST_TIMEOUT_MS) as i32;
        opts.set(op, |errstr, len| {
            // SAFETY: `opts` is live; `errstr` is writable for `len` bytes.
            unsafe { rd::rd_kafka_AdminOptions_set_request_timeout(opts.0, ms, errstr, len) }
        })?;
        if let Some(id) = broker {
            // Straight to this broker, past librdkafka's coordinator lookup (see
            // `Admin`'s coordinators).
            opts.set(op, |errstr, len| {
                // SAFETY: as above.
                unsafe { rd::rd_kafka_AdminOptions_set_broker(opts.0, id, errstr, len) }
            })?;
        }
        Ok(opts)
    }

    /// Runs one setter with an error buffer; its refusal becomes the error.
    fn set(
        &self,
        op: &'static str,
        setter: impl FnOnce(*mut c_char, usize) -> RDKafkaRespErr,
    ) -> Result<(), AdminError> {
        let mut errstr = [0 as c_char; 256];
        let err = setter(errstr.as_mut_ptr(), errstr.len());
        if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
            // SAFETY: librdkafka NUL-terminates what it writes; the buffer was
            // zeroed, so it is NUL-terminated either way.
            let text = unsafe { CStr::from_ptr(errstr.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            return Err(AdminError::request(op, RDKafkaErrorCode::from(err), text));
        }
        Ok(())
    }
}

impl Drop for AdminOptions {
    fn drop(&mut self) {
        // SAFETY: non-null (checked before the guard is built), owned, dropped once.
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0) }
    }
}

/// A topic partition list of a request; never NULL once built.
pub(super) struct TopicPartitionList(pub(super) *mut rd::rd_kafka_topic_partition_list_t);

impl TopicPartitionList {
    pub(super) fn new(op: &'static str) -> Result<Self, AdminError> {
        // SAFETY: a plain allocation with no inputs; a non-null list is ours to
        // destroy (guard).
        let list = unsafe { rd::rd_kafka_topic_partition_list_new(4) };
        if list.is_null() {
            return Err(alloc_failed(op));
        }
        Ok(TopicPartitionList(list))
    }

    /// Appends `topic`/`partition` with `offset` (an offset or an offset spec).
    pub(super) fn add(
        &self,
        op: &'static str,
        topic: &CStr,
        partition: i32,
        offset: i64,
    ) -> Result<(), AdminError> {
        // SAFETY: the list is live and `topic` NUL-terminated; librdkafka copies the
        // name and returns a pointer to the new element inside the list, valid
        // until the list changes again, which it does not before the offset is
        // written.
        unsafe {
            let elem = rd::rd_kafka_topic_partition_list_add(self.0, topic.as_ptr(), partition);
            if elem.is_null() {
                return Err(alloc_failed(op));
            }
            (*elem).offset = offset;
        }
        Ok(())
    }
}

impl Drop for TopicPartitionList {
    fn drop(&mut self) {
        // SAFETY: non-null (checked in `new`), owned, dropped once.
        unsafe { rd::rd_kafka_topic_partition_list_destroy(self.0) }
    }
}

pub(super) struct ListGroupOffsets(pub(super) *mut rd::rd_kafka_ListConsumerGroupOffsets_t);

impl Drop for ListGroupOffsets {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: owned (from `_new`), dropped once; the request copied it.
            unsafe { rd::rd_kafka_ListConsumerGroupOffsets_destroy(self.0) }
        }
    }
}

pub(super) struct AlterGroupOffsets(pub(super) *mut rd::rd_kafka_AlterConsumerGroupOffsets_t);

impl Drop for AlterGroupOffsets {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: owned (from `_new`), dropped once; the request copied it.
            unsafe { rd::rd_kafka_AlterConsumerGroupOffsets_destroy(self.0) }
        }
    }
}

/// A config resource of an IncrementalAlterConfigs request; never NULL once built.
pub(super) struct ConfigResource(pub(super) *mut rd::rd_kafka_ConfigResource_t);

impl Drop for ConfigResource {
    fn drop(&mut self) {
        // SAFETY: non-null (checked where built), owned, dropped once; the request
        // copied it.
        unsafe { rd::rd_kafka_ConfigResource_destroy(self.0) }
    }
}
