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

mod calls;
mod coordinators;
mod ffi;
pub mod types;

pub use calls::Admin;
pub(crate) use ffi::pending_events;
pub use types::{
    AdminError, CommittedOffset, GroupDescription, GroupList, GroupListing, GroupState, GroupType,
    MemberDescription, OffsetSpec, PartitionOffset, PartitionOutcome,
};
