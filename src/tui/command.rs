//! Requests from `App::update` to the I/O side. The app never performs I/O: it
//! returns these, and `io::Io` carries them out and reports back with events.

use crate::tui::ops::{OpRequest, Planned};
use kaftop_core::events::MessageEvent;
use kaftop_core::kafka::bulk::BulkSpec;
use kaftop_core::kafka::sampler::StartAt;

#[derive(Debug, Clone)]
pub enum Command {
    /// Refresh the cluster now instead of at the next interval.
    RefreshNow,
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Refresh at this interval from now on.
    SetInterval(std::time::Duration),
    /// What is on screen changed: the monitor reads it first from now on.
    Focus(kaftop_core::monitor::Focus),
    /// Metrics a refresh replaced, for the monitor to drop.
    Replaced(Replaced),
    /// Start (or restart) the live tail; records come back tagged with `session`.
    StartTail {
        session: u64,
        topic: String,
        start: StartAt,
    },
    /// Search `topic` with the jq `filter` from `since_ms` (none: the beginning)
    /// to the end offsets taken now, then follow it live; reports come back as
    /// `Event::Search` tagged with `search`. Replaces a running search.
    StartSearch {
        search: u64,
        topic: String,
        filter: String,
        since_ms: Option<i64>,
        /// At most this many matches are held for the view (the newest).
        keep: usize,
    },
    /// Stops the running search (Esc, a cleared filter, another topic).
    StopSearch,
    PauseTail,
    ResumeTail,
    /// Sample a few records a second from these topics for the overview's
    /// ticker; they come back as `Event::Ticker` tagged with `session`.
    StartTicker {
        session: u64,
        topics: Vec<String>,
    },
    StopTicker,
    /// Write an incident snapshot of these metrics (reading the records at
    /// their stuck offsets); `Event::IncidentWritten` says where.
    WriteIncident(Box<kaftop_core::metrics::ClusterMetrics>),
    /// Publish one service event, keyed by its message id. The outcome comes back
    /// as `Event::Published` with the same `request`.
    PublishEvent {
        request: u64,
        topic: String,
        event: MessageEvent,
    },
    /// Publish any record (the free-form form); with `schema`, the JSON value
    /// (and key) are encoded with the registry subjects first, and a refusal comes
    /// back as `Event::PublishRefused`.
    PublishRecord {
        request: u64,
        topic: String,
        key: Option<String>,
        headers: Vec<(String, String)>,
        value: String,
        schema: Option<crate::schema_publish::SchemaChoice>,
    },
    StartBulk(BulkSpec),
    CancelBulk,
    /// Run the four reference consumers in this process (they join their groups).
    StartServices,
    StopServices,
    /// Plan an operation of dialog `id` (nothing changes); the plan comes back
    /// as `Event::OpPlanned`.
    PlanOp {
        id: u64,
        request: OpRequest,
    },
    /// Carry out a planned operation of dialog `id`; `Event::OpDone` reports.
    ExecuteOp {
        id: u64,
        plan: Planned,
    },
}

/// Metrics a refresh replaced: dropped on the monitor's thread, which allocated
/// them ([`kaftop_core::monitor::MonitorHandle::replaced`]).
#[derive(Clone)]
pub struct Replaced(pub Box<kaftop_core::metrics::ClusterMetrics>);

impl std::fmt::Debug for Replaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Replaced(..)")
    }
}
