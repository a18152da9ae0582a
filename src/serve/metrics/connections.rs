//! How the server protects itself, as `/metrics` shows it: HTTP connections open
//! and refused for the cap, read-receipt WebSockets refused for theirs.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub(super) struct ConnectionMetrics {
    pub(super) open: Gauge,
    pub(super) refused: Counter,
    pub(super) receipt_clients_refused: Counter,
}

impl ConnectionMetrics {
    pub(super) fn new(r: &mut Registry) -> Self {
        let m = ConnectionMetrics {
            open: Gauge::default(),
            refused: Counter::default(),
            receipt_clients_refused: Counter::default(),
        };
        r.register(
            "kaftop_http_connections",
            "HTTP connections open (WebSockets not included)",
            m.open.clone(),
        );
        r.register(
            "kaftop_http_connections_refused",
            "HTTP connections answered 503 because `[serve] max_connections` were open",
            m.refused.clone(),
        );
        r.register(
            "kaftop_receipt_clients_refused",
            "Read-receipt WebSockets closed (1013) because `[serve] max_websocket_clients` were open",
            m.receipt_clients_refused.clone(),
        );
        m
    }
}
