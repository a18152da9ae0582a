//! The four services by name: their ids, their seed group names and what they
//! subscribe to.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use kaftop_core::config::Resolved;
use kaftop_core::events::{EventKind, TOPIC_CREATED, TOPIC_DELETED, TOPIC_READ};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceName {
    Notification,
    Analytics,
    ReadReceipt,
    Archive,
}

/// The four services, in the order they are shown.
pub const ALL_SERVICES: [ServiceName; 4] = [
    ServiceName::Notification,
    ServiceName::Analytics,
    ServiceName::ReadReceipt,
    ServiceName::Archive,
];

/// The ids of [`ALL_SERVICES`], in the same order (for a command line's choices).
pub const SERVICE_IDS: [&str; 4] = ["notification", "analytics", "read-receipt", "archive"];

/// The short name of a service, as in `--service` and in DLQ headers.
pub fn service_id(s: ServiceName) -> &'static str {
    SERVICE_IDS[s as usize]
}

/// Parses [`service_id`] back.
pub fn service_from_id(id: &str) -> Option<ServiceName> {
    ALL_SERVICES.into_iter().find(|s| service_id(*s) == id)
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(service_id(*self))
    }
}

impl FromStr for ServiceName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        service_from_id(s)
            .ok_or_else(|| format!("unknown service `{s}` (one of: {})", SERVICE_IDS.join(", ")))
    }
}

/// The seed's consumer group name of a service (without prefix).
pub fn seed_group(s: ServiceName) -> &'static str {
    match s {
        ServiceName::Notification => "notification-service-group",
        ServiceName::Analytics => "analytics-service-group",
        ServiceName::ReadReceipt => "read-receipt-service-group",
        ServiceName::Archive => "archive-service-group",
    }
}

/// The event kinds (and so topics) a service's group subscribes to.
pub fn subscriptions(s: ServiceName) -> &'static [EventKind] {
    match s {
        ServiceName::Notification => &[EventKind::Created],
        ServiceName::Analytics => &[EventKind::Created, EventKind::Read],
        ServiceName::ReadReceipt => &[EventKind::Created, EventKind::Read],
        ServiceName::Archive => &[EventKind::Deleted],
    }
}

/// The services' group names under this config's topic namespace: the groups a
/// monitor should always look for.
pub fn service_groups(cfg: &Resolved) -> Vec<String> {
    let namespace = topic_namespace(cfg);
    ALL_SERVICES
        .iter()
        .map(|&s| format!("{namespace}{}", seed_group(s)))
        .collect()
}

/// The common prefix `P` when the topics are `P`+`message.created`, `P`+`message.read`
/// and `P`+`message.deleted`; empty otherwise (see the services module docs).
pub fn topic_namespace(cfg: &Resolved) -> String {
    let t = &cfg.topics;
    let p = match t.created.name.strip_suffix(TOPIC_CREATED) {
        Some(p) => p,
        None => return String::new(),
    };
    if t.read.name.strip_suffix(TOPIC_READ) == Some(p)
        && t.deleted.name.strip_suffix(TOPIC_DELETED) == Some(p)
    {
        p.to_string()
    } else {
        String::new()
    }
}
