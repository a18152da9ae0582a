//! Where each group's coordinator answered last, so that a long-running [`Admin`]
//! asks that broker directly instead of through librdkafka's coordinator lookup.
//!
//! Why: librdkafka 2.12 keeps a group's coordinator in a per-handle cache that
//! still names a broker after the broker stopped (and left the metadata). A
//! lookup for that group then waits for a broker state change that may never
//! come, so the group is no longer described; and once the admin request has
//! timed out, the lookup finishing later frees the request's state twice and
//! aborts the process (an assertion in `rd_kafka_enq_once_del_source_return`).
//! A request sent to an explicit broker
//! (`rd_kafka_AdminOptions_set_broker`) never enters that lookup.
//!
//! So `Admin::describe_groups` asks a group at the broker that answered for it
//! last, and a group never seen, or whose broker left the metadata or answers
//! "not the coordinator", at every live broker in turn until one answers for it.
//! Committed offsets go to the broker the description found; only a group never
//! described (e.g. with descriptions off for librdkafka's mock cluster) still
//! goes through librdkafka's lookup.
//!
//! [`Admin`]: super::Admin

use std::collections::HashMap;
use std::sync::Mutex;

use rdkafka::types::RDKafkaErrorCode;

/// How to reach a group's coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// Never seen: describing it looks for it; committed offsets use
    /// librdkafka's coordinator lookup (its cache has no entry for the group yet).
    Lookup,
    /// The broker that answered last.
    At(i32),
    /// Its coordinator stopped answering, or no broker answered for it: ask the
    /// live brokers, never librdkafka's lookup (its cache may be stale).
    Lost,
}

#[derive(Debug, Default)]
pub(super) struct Coordinators(Mutex<HashMap<String, Option<i32>>>);

impl Coordinators {
    pub(super) fn route(&self, group: &str) -> Route {
        match self.lock().get(group) {
            None => Route::Lookup,
            Some(Some(id)) => Route::At(*id),
            Some(None) => Route::Lost,
        }
    }

    pub(super) fn found(&self, group: &str, broker: i32) {
        self.lock().insert(group.to_string(), Some(broker));
    }

    pub(super) fn lost(&self, group: &str) {
        self.lock().insert(group.to_string(), None);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<i32>>> {
        // The map holds no invariant a panicking holder could break.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether an error of a request sent to one broker says the group is not there
/// (any more): the broker is not its coordinator, or did not answer at all.
pub(super) fn not_here(code: Option<RDKafkaErrorCode>) -> bool {
    use RDKafkaErrorCode::*;
    matches!(
        code,
        Some(
            NotCoordinator
                | CoordinatorNotAvailable
                | OperationTimedOut
                | RequestTimedOut
                | BrokerTransportFailure
                | AllBrokersDown
                | BrokerNotAvailable
                | UnknownBroker
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_looked_up_once_then_asked_where_it_answered() {
        let c = Coordinators::default();
        assert_eq!(c.route("g"), Route::Lookup);
        c.found("g", 2);
        assert_eq!(c.route("g"), Route::At(2));
        c.lost("g");
        assert_eq!(c.route("g"), Route::Lost);
        c.found("g", 3);
        assert_eq!(c.route("g"), Route::At(3));
        assert_eq!(c.route("other"), Route::Lookup);
    }

    #[test]
    fn only_where_answers_mean_elsewhere() {
        assert!(not_here(Some(RDKafkaErrorCode::NotCoordinator)));
        assert!(not_here(Some(RDKafkaErrorCode::OperationTimedOut)));
        assert!(!not_here(None));
        assert!(!not_here(Some(RDKafkaErrorCode::CoordinatorLoadInProgress)));
        assert!(!not_here(Some(RDKafkaErrorCode::GroupAuthorizationFailed)));
    }
}
