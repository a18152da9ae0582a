//! A client speaking Kafka's wire protocol (the `kafka-protocol` crate's
//! messages) for the reads librdkafka cannot batch: committed offsets of many
//! groups in one OffsetFetch, many groups per DescribeGroups, one ListOffsets per
//! leader. Connections honour the profile as librdkafka does (PLAINTEXT, SASL
//! PLAIN/SCRAM, TLS with the profile's CA and client certificate) and fail with
//! the same words.
//!
//! - [`WireClient`]: one connection per broker, kept across refreshes and opened
//!   again after a failure; [`WireClient::send`] sends any request at the highest
//!   version both sides know, and counts every request exactly;
//! - `conn`: one connection (framing, ApiVersions, SASL, TLS); `scram`: RFC 5802;
//!   `security`: the profile's properties.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::Request;

mod conn;
mod error;
pub mod groups;
pub mod reads;
mod scram;
mod security;

pub use error::{code_name, WireError};

use conn::Conn;
use security::Security;

use crate::config::Resolved;

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Any broker: a bootstrap server (metadata, coordinator lookups).
    Any,
    /// The broker with this id (from the last metadata).
    Broker(i32),
}

type Slot = Arc<Mutex<Option<Conn>>>;

/// A protocol client for one profile. `Send + Sync`: requests to different
/// brokers run in parallel; requests to one broker wait for each other.
pub struct WireClient {
    security: Security,
    bootstrap: Vec<String>,
    timeout: Duration,
    /// broker id → `host:port`, from the last metadata.
    addresses: Mutex<HashMap<i32, String>>,
    conns: Mutex<HashMap<Node, Slot>>,
    requests: AtomicU64,
    setup: AtomicU64,
}

impl std::fmt::Debug for WireClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireClient")
            .field("bootstrap", &self.bootstrap)
            .field("requests_sent", &self.requests_sent())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl WireClient {
    /// A client for `cfg`'s profile; each request may take `timeout`. Fails with
    /// [`WireError::Profile`] when the profile needs what only librdkafka speaks
    /// (GSSAPI, OAUTHBEARER, key stores). Connects on the first request.
    pub fn new(cfg: &Resolved, timeout: Duration) -> Result<WireClient, WireError> {
        let security = Security::of(&cfg.properties)?;
        let bootstrap = cfg
            .bootstrap_servers
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Ok(WireClient {
            security,
            bootstrap,
            timeout,
            addresses: Mutex::new(HashMap::new()),
            conns: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
            setup: AtomicU64::new(0),
        })
    }

    /// Requests [`WireClient::send`] sent so far, every one: a request sent again
    /// on a new connection counts twice. Connection setup is counted apart.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests that set up connections so far (ApiVersions, SaslHandshake,
    /// SaslAuthenticate), which a warm client does not send.
    pub fn setup_requests_sent(&self) -> u64 {
        self.setup.load(Ordering::Relaxed)
    }

    /// The brokers as the last metadata names them. A broker gone or moved
    /// loses its connection.
    pub fn set_brokers(&self, brokers: impl IntoIterator<Item = (i32, String)>) {
        let new: HashMap<i32, String> = brokers.into_iter().collect();
        let mut addresses = lock(&self.addresses);
        let mut conns = lock(&self.conns);
        conns.retain(|node, _| match node {
            Node::Any => true,
            Node::Broker(id) => new.contains_key(id) && new.get(id) == addresses.get(id),
        });
        *addresses = new;
    }

    /// The ids of the brokers the last metadata named, sorted.
    pub fn brokers(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = lock(&self.addresses).keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    fn slot(&self, node: Node) -> Slot {
        lock(&self.conns).entry(node).or_default().clone()
    }

    /// Opens a connection to `node`: a bootstrap server in turn for
    /// [`Node::Any`] (the first error when none answers).
    fn open(&self, node: Node) -> Result<Conn, WireError> {
        let addrs = match node {
            Node::Any => self.bootstrap.clone(),
            Node::Broker(id) => match lock(&self.addresses).get(&id) {
                Some(a) => vec![a.clone()],
                None => {
                    return Err(WireError::Unreachable(format!(
                        "broker {id} is not in the metadata"
                    )))
                }
            },
        };
        let mut first_error = None;
        for addr in addrs {
            let mut sent = 0;
            let opened = Conn::open(&addr, &self.security, self.timeout, &mut sent);
            self.setup.fetch_add(sent, Ordering::Relaxed);
            match opened {
                Ok(c) => return Ok(c),
                // A refused password or an untrusted certificate is the answer.
                Err(e @ (WireError::Authentication(_) | WireError::Tls(_))) => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| WireError::Unreachable("no bootstrap servers".into())))
    }

    /// Whether `node` knows request `key` at version `min` or later (connecting
    /// if needed).
    pub fn knows(&self, node: Node, key: ApiKey, min: i16) -> Result<bool, WireError> {
        self.knows_key(node, key as i16, min)
    }

    /// [`WireClient::knows`] by api key number, for requests the protocol crate
    /// does not name (StreamsGroupDescribe is 89).
    pub fn knows_key(&self, node: Node, key: i16, min: i16) -> Result<bool, WireError> {
        let slot = self.slot(node);
        let mut guard = lock(&slot);
        if guard.is_none() {
            *guard = Some(self.open(node)?);
        }
        Ok(guard.as_ref().is_some_and(|c| c.knows(key, min)))
    }

    /// Sends the request `build` makes for the version both sides know (at least
    /// `min`) to `node`, and returns that version and the answer. A connection
    /// that failed is opened again and the request sent once more (every request
    /// here is a read).
    pub fn send<R: Request>(
        &self,
        node: Node,
        min: i16,
        build: impl Fn(i16) -> R,
    ) -> Result<(i16, R::Response), WireError> {
        let slot = self.slot(node);
        let mut guard = lock(&slot);
        let mut fresh = false;
        loop {
            if guard.is_none() {
                *guard = Some(self.open(node)?);
                fresh = true;
            }
            let Some(conn) = guard.as_mut() else {
                continue;
            };
            let version = conn.version_of::<R>(min).ok_or(WireError::Unsupported {
                api: static_api_name(R::KEY),
                min,
            })?;
            let req = build(version);
            self.requests.fetch_add(1, Ordering::Relaxed);
            match conn.call(&req, version) {
                Ok(answer) => return Ok((version, answer)),
                Err(e) => {
                    *guard = None;
                    if fresh || !e.is_connection() {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// `f` for each broker's work, brokers in parallel (one scoped thread each),
    /// results in input order.
    pub fn fan_out<T: Send, R: Send>(
        &self,
        work: Vec<(i32, T)>,
        f: impl Fn(i32, T) -> R + Sync,
    ) -> Vec<(i32, R)> {
        if work.len() <= 1 {
            return work.into_iter().map(|(id, t)| (id, f(id, t))).collect();
        }
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = work
                .into_iter()
                .map(|(id, t)| (id, s.spawn(move || f(id, t))))
                .collect();
            handles
                .into_iter()
                .map(|(id, h)| {
                    let r = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                    (id, r)
                })
                .collect()
        })
    }
}

/// Kafka's name of an API as a static string (for [`WireError::Unsupported`]).
fn static_api_name(key: i16) -> &'static str {
    match ApiKey::try_from(key) {
        Ok(ApiKey::Metadata) => "Metadata",
        Ok(ApiKey::FindCoordinator) => "FindCoordinator",
        Ok(ApiKey::ListGroups) => "ListGroups",
        Ok(ApiKey::DescribeGroups) => "DescribeGroups",
        Ok(ApiKey::ConsumerGroupDescribe) => "ConsumerGroupDescribe",
        Ok(ApiKey::OffsetFetch) => "OffsetFetch",
        Ok(ApiKey::ListOffsets) => "ListOffsets",
        Ok(ApiKey::ShareGroupDescribe) => "ShareGroupDescribe",
        Ok(ApiKey::DescribeShareGroupOffsets) => "DescribeShareGroupOffsets",
        Ok(ApiKey::AlterShareGroupOffsets) => "AlterShareGroupOffsets",
        _ => "this request",
    }
}

#[cfg(test)]
mod tests {
    use super::conn::api_name;
    use super::*;

    #[test]
    fn the_client_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<WireClient>();
        assert_eq!(static_api_name(ApiKey::OffsetFetch as i16), "OffsetFetch");
        // A broker without share-group resets says which request it lacks.
        assert_eq!(
            WireError::Unsupported {
                api: static_api_name(ApiKey::AlterShareGroupOffsets as i16),
                min: 0
            }
            .to_string(),
            "the broker does not support AlterShareGroupOffsets (version 0 or later)"
        );
        assert_eq!(api_name(9), "OffsetFetch");
    }
}
