//! Input to `App::update`: terminal input, time, and what the I/O side reports.
//! Everything here is plain data, so tests build events by hand.

use crossterm::event::KeyEvent;

use crate::tui::ops::Planned;
use kaftop_core::kafka::bulk::BulkReport;
use kaftop_core::kafka::progress::ProgressNow;
use kaftop_core::kafka::publisher::Delivered;
use kaftop_core::kafka::record::RecordView;
use kaftop_core::kafka::sampler::SamplerEvent;
use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::monitor::Pace;
use kaftop_services::ServicesSnapshot;

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): it goes into the field
    /// being edited, whole, and is never read as keys.
    Paste(String),
    /// A click or a wheel turn (other mouse events are not passed on).
    Mouse(crossterm::event::MouseEvent),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// About once a second: the wall clock (ms since the epoch). Expires notices
    /// and gives form defaults their "now"; never forces a redraw by itself.
    Tick {
        now_ms: i64,
    },
    /// One refresh of the cluster, folded through the metrics engine.
    Cluster(Box<ClusterMetrics>),
    /// The groups and topics on screen, read ahead of the next `Cluster`: they
    /// replace those in the metrics held, nothing else changes.
    Focus(Box<kaftop_core::metrics::FocusMetrics>),
    /// How that refresh was paced (sent just before its `Cluster`).
    Pace(Pace),
    /// How far the running refresh has got.
    Reading(ProgressNow),
    /// The live tail of session `session` (stale sessions are ignored).
    Sampler {
        session: u64,
        event: SamplerEvent,
    },
    /// The overview's ticker of session `session`.
    Ticker {
        session: u64,
        event: SamplerEvent,
    },
    /// The Messages view's search of session `search` (stale sessions are ignored).
    Search {
        search: u64,
        event: SearchEvent,
    },
    /// An incident snapshot was written: the Markdown file and its JSON twin.
    IncidentWritten(Result<(std::path::PathBuf, std::path::PathBuf), String>),
    /// A single publish finished.
    Published {
        request: u64,
        result: Result<Delivered, String>,
    },
    /// A free-form record was not encoded with its schema (nothing was sent):
    /// `field` is the form's field that is wrong (`value`, `key`, `subject`,
    /// `keySubject`).
    PublishRefused {
        request: u64,
        field: &'static str,
        reason: String,
    },
    /// Counters of the running bulk test.
    BulkProgress {
        queued: u64,
        delivered: u64,
        failed: u64,
    },
    BulkDone(Result<BulkReport, String>),
    /// The embedded services' counters (about once a second while they run).
    Services(Box<ServicesSnapshot>),
    /// The embedded services stopped; `Some` when they failed to start or died.
    ServicesStopped(Option<String>),
    /// The plan of dialog `id`'s operation (or why there is none).
    OpPlanned {
        id: u64,
        result: Result<Planned, String>,
    },
    /// Dialog `id`'s operation was carried out (or failed).
    OpDone {
        id: u64,
        result: Result<(), String>,
    },
    /// A signal (SIGTERM, SIGHUP) asked the program to stop.
    Quit,
    /// An I/O problem worth a status-bar line (cannot create a client, ...).
    IoError(String),
}

/// What a running search of the Messages view reports.
#[derive(Debug, Clone)]
pub enum SearchEvent {
    /// The scan's ranges are known: this many partitions, holding `total` records
    /// between the start and the end offsets taken now.
    Started { partitions: usize, total: u64 },
    /// Counts so far; `per_sec`: records scanned per second since the start.
    Progress {
        scanned: u64,
        matched: u64,
        per_sec: Option<f64>,
    },
    /// Matching records, in the order found. `dropped` older matches were not
    /// sent because more than the kept number arrived at once.
    Records {
        records: Vec<RecordView>,
        dropped: u64,
    },
    /// Every partition was read to its end offset; new records are followed
    /// live from here (matches keep coming as `Records`).
    ScanDone { scanned: u64, matched: u64 },
    /// A problem that did not end the search (a consumer's error).
    Warning(String),
    /// The search ended on an error.
    Failed(String),
}
