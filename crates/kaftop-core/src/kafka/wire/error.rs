//! How a wire request fails, worded as the librdkafka path words it.

use crate::kafka::client::KafkaError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// No connection: refused, reset, timed out, or the host does not resolve.
    #[error("{0}")]
    Unreachable(String),
    /// The host name of a broker does not resolve.
    #[error("{0}")]
    Unresolvable(String),
    /// The broker refused the credentials (or the mechanism).
    #[error("{0}")]
    Authentication(String),
    /// The TLS handshake failed (an untrusted certificate, a wrong host name).
    #[error("{0}")]
    Tls(String),
    /// The broker does not know this request at any version the client knows.
    #[error("the broker does not support {api} (version {min} or later)")]
    Unsupported { api: &'static str, min: i16 },
    /// The profile asks for something this client does not speak (e.g. GSSAPI);
    /// the librdkafka path serves such a profile.
    #[error("not supported by the protocol client: {0}")]
    Profile(String),
    /// A frame that could not be encoded or decoded.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The broker answered with an error for the whole request.
    #[error("{0}")]
    Broker(String),
}

impl WireError {
    pub(super) fn io(e: &std::io::Error) -> WireError {
        WireError::Unreachable(e.to_string())
    }

    /// The error of a refresh that reached no broker, as the librdkafka path
    /// says it (`Admin::connect_error`).
    pub fn connect_error(&self, bootstrap: &str) -> KafkaError {
        let bootstrap = bootstrap.to_string();
        match self {
            WireError::Authentication(detail) => KafkaError::Authentication {
                bootstrap,
                detail: detail.clone(),
            },
            WireError::Tls(detail) => KafkaError::Tls {
                bootstrap,
                detail: detail.clone(),
            },
            WireError::Unresolvable(detail) => KafkaError::Unresolvable {
                bootstrap,
                detail: detail.clone(),
            },
            other => KafkaError::Unreachable {
                bootstrap,
                reason: other.to_string(),
            },
        }
    }

    /// Whether another attempt on a new connection may succeed.
    pub(super) fn is_connection(&self) -> bool {
        matches!(self, WireError::Unreachable(_))
    }
}

/// The name of a Kafka error code, as Kafka's Java client names it in CamelCase
/// (`NotCoordinator`, `UnknownTopicOrPartition`).
pub fn code_name(code: i16) -> String {
    use kafka_protocol::error::ParseResponseErrorCode;
    match code.err() {
        Some(e) => format!("{e:?}"),
        None => "NoError".to_string(),
    }
}
