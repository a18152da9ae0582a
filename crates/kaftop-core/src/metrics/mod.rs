//! Pure functions over snapshot history: rates, lag, lag status, distribution and
//! bounded history for sparklines. No I/O, no clock: time comes in with the data.

pub mod data_loss;
pub mod distribution;
pub mod engine;
pub mod history;
pub mod lag;
pub mod log_start;
pub mod rate;
pub mod status;
pub mod stuck;
pub mod time_lag;
pub mod timeline;

pub use data_loss::DataLoss;
pub use engine::{
    ClusterMetrics, FocusMetrics, GroupMetrics, GroupPartitionRow, MetricsEngine, NotHeld,
    PartitionMetrics, RowsKept, ThroughputPoint, TopicMetrics,
};
pub use status::{History, LagStatus, StatusReason, Verdict};
pub use stuck::Stuck;
pub use time_lag::TimeLag;
pub use timeline::{Severity, TimelineEvent, TimelineKind};
