//! Consumer-group and offset admin calls that rdkafka 0.39 does not wrap.
//!
//! rdkafka wraps topic and config administration, but not librdkafka's
//! ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets,
//! AlterConsumerGroupOffsets or ListOffsets. This module calls them through
//! `rdkafka_sys` behind a small safe API. They are what makes lag refreshes cheap:
//! ListOffsets sends one request per partition leader for any number of
//! partitions, and committed offsets cost one request per group coordinator,
//! where `fetch_watermarks` and a consumer's `committed_offsets` cost one request
//! per partition (or a consumer per group).
//!
//! All calls block until librdkafka answers or the timeout passes; run them off the
//! async runtime. Every call uses its own result queue, so an [`Admin`] can be shared
//! between threads and a late answer to a timed-out call never reaches a later call.
//!
//! - [`types`]: the plain data the calls return, which the rest of kaftop imports;
//! - `calls`: the safe [`Admin`] API;
//! - `ffi`: the librdkafka requests, the RAII guards over librdkafka objects and
//!   all of kaftop's `unsafe` code.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, ConsumerContext};

mod calls;
mod coordinators;
mod ffi;
pub mod types;

pub use calls::Admin;
use ffi::pending_events;
pub use types::{
    AdminError, CommittedOffset, GroupDescription, GroupList, GroupListing, GroupState, GroupType,
    MemberDescription, OffsetSpec, PartitionOffset, PartitionOutcome,
};

/// Serves the events queued for a consumer-type handle (librdkafka's log lines and
/// errors; a consumer only sees them when polled), so that its context records a
/// failed authentication or handshake. Only for a handle with no assignment, whose
/// poll cannot return a record.
pub fn serve_events<C: ConsumerContext>(consumer: &BaseConsumer<C>) {
    // A poll serves one event and says `None` after a log line as after an empty
    // queue, so count what is waiting. Bounded: a chatty broker cannot keep us here.
    let waiting = pending_events(consumer).min(10_000);
    for _ in 0..waiting {
        let _ = consumer.poll(Duration::ZERO);
    }
}
