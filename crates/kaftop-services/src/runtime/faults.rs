//! Faults that say so: a store that cannot be written stalls a service, which is
//! reported at once (the snapshot, the log, and stderr when
//! [`ServicesOptions::faults_to_stderr`](crate::ServicesOptions) is on: the
//! log may sit on the very disk that filled up), and again when it resumes by itself.
//! A panicking consumer is reported the same way before it is restarted.

use std::any::Any;

use super::batch::BatchError;
use super::{lock, Shared};
use crate::store::StoreError;
use crate::{service_id, ServiceName};

/// The short name of a fault outside kaftop that stalls a service until it clears.
pub(super) fn store_fault(e: &StoreError) -> Option<&'static str> {
    if e.is_full() {
        Some("disk full")
    } else if e.is_unwritable() {
        Some("store unwritable")
    } else {
        None
    }
}

pub(super) fn batch_fault(e: &BatchError) -> Option<&'static str> {
    match e {
        BatchError::Store(e) => store_fault(e),
        _ => None,
    }
}

/// What a panic said (its payload is a `&str` or a `String` for `panic!`s).
pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

impl Shared {
    /// Says a fault out loud: log, last error, and stderr when enabled.
    pub(super) fn report_fault(&self, s: ServiceName, msg: String) {
        if self.opts.faults_to_stderr {
            eprintln!("kaftop: {} service: {msg}", service_id(s));
        }
        tracing::error!(service = service_id(s), fault = %msg);
        lock(&self.last_error).insert(s, msg);
    }

    /// The service cannot store its batches (`fault`); reported once per stall.
    pub(super) fn stall(&self, s: ServiceName, fault: &str, detail: &str) {
        let before = lock(&self.stalled).insert(s, fault.to_string());
        if before.as_deref() != Some(fault) {
            self.report_fault(
                s,
                format!(
                    "stalled: {fault} ({detail}); nothing is committed past what was stored, \
                     retrying until it clears"
                ),
            );
        }
    }

    /// A batch was stored: a stall, if any, is over.
    pub(super) fn resume(&self, s: ServiceName) {
        if let Some(fault) = lock(&self.stalled).remove(&s) {
            self.report_fault(s, format!("resumed: {fault} cleared"));
        }
    }

    pub(super) fn stalled(&self, s: ServiceName) -> Option<String> {
        lock(&self.stalled).get(&s).cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::fixtures::{apply, created, now, raw};
    use crate::store::{Item, Store};

    #[test]
    fn a_full_store_is_a_disk_full_fault_and_a_broken_one_is_not() {
        let mut s = Store::in_memory().unwrap();
        // No page beyond those in use: the next write fails as a full disk does.
        s.with_connection(|c| {
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            c.pragma_update(None, "max_page_count", pages)
        })
        .unwrap();
        let events: Vec<_> = (1..=200)
            .map(|i| created(i, 1, 2, "2026-11-24T10:00:00"))
            .collect();
        let raw = raw("t", 0);
        let items: Vec<Item<'_>> = events
            .iter()
            .map(|event| Item::Event {
                event,
                vip: false,
                raw: &raw,
            })
            .collect();
        let e = s
            .apply_batch(ServiceName::Notification, &items, &HashSet::new(), 0, now())
            .unwrap_err();
        assert!(e.is_full(), "{e}");
        assert_eq!(store_fault(&e), Some("disk full"));
        // Room again: the same store takes the batch.
        s.with_connection(|c| c.pragma_update(None, "max_page_count", 1_000_000))
            .unwrap();
        let o = apply(&mut s, ServiceName::Notification, &events, &HashSet::new());
        assert_eq!(o.notifications.len(), 200);

        let broken = Store::in_memory().unwrap();
        broken
            .with_connection(|c| c.execute_batch("DROP TABLE notification_outbox"))
            .unwrap();
        let e = broken.due_pushes(0, 1).unwrap_err();
        assert_eq!(store_fault(&e), None, "{e}");
    }

    #[test]
    fn panic_payloads() {
        let p = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(p.as_ref()), "plain");
        let n = 3;
        let p = std::panic::catch_unwind(|| panic!("formatted {n}")).unwrap_err();
        assert_eq!(panic_message(p.as_ref()), "formatted 3");
    }
}
