//! `kaftop serve`: the embedded services, the poller and an HTTP server in one
//! process. The seed's REST test API (`api`), read receipts over WebSocket
//! (`receipts`) and a Prometheus exporter (`metrics`).

pub(crate) mod api;
pub(crate) mod metrics;
pub mod receipts;
