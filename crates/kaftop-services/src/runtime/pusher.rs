//! The notifier thread (`svc-notifier`, with the notification service, when
//! `[services.notifier]` has an endpoint): delivers the outbox's due pushes over
//! HTTP and dead-letters the ones that run out of attempts.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::dlq::{DeadLetter, DeadLetters};
use super::faults::{panic_message, store_fault};
use super::{sleep_unless, Shared};
use crate::notifier::{deliver_due, fcm, HttpNotifier, Pass};
use crate::stats::Counters;
use crate::store::{OutboxPush, Store};
use crate::{Backoff, RawRecord, ServiceName};
use kaftop_core::config::NotifierSettings;
use kaftop_core::events::EventKind;

/// How long the thread waits when nothing is due.
const IDLE: Duration = Duration::from_millis(200);

/// Header of a dead-lettered push: the attempts it had.
pub(crate) const HEADER_PUSH_ATTEMPTS: &str = "kaftop-push-attempts";

const S: ServiceName = ServiceName::Notification;

pub(super) fn pusher(shared: Arc<Shared>, settings: NotifierSettings, stop: Arc<AtomicBool>) {
    let http = HttpNotifier::new(settings);
    let c = shared.counters(S);
    let mut store: Option<Store> = None;
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let dead_letter = |p: &OutboxPush, reason: &str| dead_letter(&shared, p, reason, &stop);
    let mut stalled = false;
    while !stop.load(Ordering::Relaxed) {
        let st = match store.as_mut() {
            Some(st) => st,
            None => match Store::connect(&shared.opts.store) {
                Ok(st) => store.insert(st),
                Err(e) => {
                    shared.error(S, format!("notifier: {e}"));
                    sleep_unless(&stop, backoff.next_delay());
                    continue;
                }
            },
        };
        // A panic in one pass (the HTTP client is foreign code) is counted and
        // reported like a consumer's; the next pass starts afresh.
        let pass = catch_unwind(AssertUnwindSafe(|| deliver_due(st, &http, &dead_letter)));
        let pass = match pass {
            Ok(p) => p,
            Err(payload) => {
                Counters::add(&c.panics, 1);
                shared.report_fault(
                    S,
                    format!(
                        "notifier panicked: {}; restarting",
                        panic_message(payload.as_ref())
                    ),
                );
                sleep_unless(&stop, backoff.next_delay());
                continue;
            }
        };
        match pass {
            Ok(pass) => {
                backoff.reset();
                // The pass that stalled left its push due: one that did something
                // since has written to the store again.
                if stalled && pass != Pass::default() {
                    stalled = false;
                    shared.resume(S);
                }
                Counters::add(&c.pushes_sent, pass.sent);
                Counters::add(&c.push_failures, pass.failed);
                Counters::add(&c.pushes_dead, pass.dead);
                if pass.sent + pass.failed + pass.dead == 0 {
                    sleep_unless(&stop, IDLE);
                }
            }
            Err(e) => {
                match store_fault(&e) {
                    Some(fault) => {
                        stalled = true;
                        shared.stall(S, fault, &format!("notifier: {e}"));
                    }
                    None => shared.error(S, format!("notifier: {e}")),
                }
                sleep_unless(&stop, backoff.next_delay());
            }
        }
    }
}

/// Sends a push that cannot be delivered to the notification service's DLQ topic
/// (`<created topic>.dlq`): its FCM message as the value, the message id as the key,
/// and the reason in the usual error header.
fn dead_letter(
    shared: &Shared,
    p: &OutboxPush,
    reason: &str,
    stop: &AtomicBool,
) -> Result<(), String> {
    let raw = RawRecord {
        topic: shared.cfg.topic_for(EventKind::Created).to_string(),
        // No source record: the partitioner chooses, and the offset says "none".
        partition: -1,
        offset: -1,
        key: Some(p.message_id.to_string().into_bytes()),
        value: Some(fcm::message(p).to_string().into_bytes()),
        headers: vec![(
            HEADER_PUSH_ATTEMPTS.to_string(),
            Some(p.attempts.to_string().into_bytes()),
        )],
    };
    let d = DeadLetter {
        source: &raw,
        error: reason,
        service: S,
    };
    shared.dlq.send(&[d], stop).map_err(|e| e.to_string())
}
