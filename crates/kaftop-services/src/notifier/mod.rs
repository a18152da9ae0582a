//! The HTTP push notifier: delivers the notification outbox to a configured endpoint
//! (`[services.notifier]`), one FCM HTTP v1 message per push ([`fcm`]), each with
//! its idempotency key. A failed attempt is recorded and retried after the project's
//! [`Backoff`]; after `max_attempts` (or at once when the endpoint rejects the
//! message itself) the push is dead-lettered with the reason. The outbox row is the
//! queue: what was stored is delivered after a restart too.

pub(crate) mod fcm;

use std::time::Duration;

use chrono::Utc;

use crate::store::{OutboxPush, Store, StoreError};
use kaftop_core::config::NotifierSettings;
use kaftop_core::retry::Backoff;

/// Pushes fetched per pass.
const PASS: usize = 64;

/// The wait before retry number n of one push: 500 ms doubling to 1 min.
pub(crate) fn retry_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(500), Duration::from_secs(60))
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    Sent,
    /// Worth trying again (a timeout, 429, 5xx, a refused connection).
    Retry(String),
    /// The endpoint rejected the message itself (400, 404): retrying cannot help.
    Rejected(String),
}

/// The HTTP side: one agent, reused between pushes.
pub(crate) struct HttpNotifier {
    agent: ureq::Agent,
    settings: NotifierSettings,
}

impl HttpNotifier {
    pub(crate) fn new(settings: NotifierSettings) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            // Statuses are answers to classify, not errors.
            .http_status_as_error(false)
            .build()
            .new_agent();
        HttpNotifier { agent, settings }
    }

    pub(crate) fn max_attempts(&self) -> u32 {
        self.settings.max_attempts
    }

    /// One attempt at delivering `p`.
    pub(crate) fn attempt(&self, p: &OutboxPush) -> Attempt {
        let mut req = self
            .agent
            .post(&self.settings.endpoint)
            .header(fcm::IDEMPOTENCY_HEADER, &fcm::idempotency_key(p))
            .header("Content-Type", "application/json; charset=UTF-8");
        if let Some(t) = &self.settings.token {
            req = req.header("Authorization", &format!("Bearer {}", t.expose()));
        }
        match req.send(fcm::message(p).to_string()) {
            Ok(resp) => classify(resp.status().as_u16()),
            Err(e) => Attempt::Retry(e.to_string()),
        }
    }
}

/// An HTTP status as an attempt's outcome.
fn classify(status: u16) -> Attempt {
    match status {
        200..=299 => Attempt::Sent,
        400 | 404 => Attempt::Rejected(format!("HTTP {status}: rejected by the endpoint")),
        _ => Attempt::Retry(format!("HTTP {status}")),
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pass {
    pub(crate) sent: u64,
    pub(crate) failed: u64,
    pub(crate) dead: u64,
}

/// Delivers every push due now: sent ones are marked with the time, failures are
/// scheduled again by the backoff, and a push out of attempts (or rejected) is handed
/// to `dead_letter` with the reason and, once that succeeded, marked dead. A
/// dead-letter failure leaves the push due, so it is dead-lettered on a later pass.
pub(crate) fn deliver_due(
    store: &mut Store,
    http: &HttpNotifier,
    dead_letter: &dyn Fn(&OutboxPush, &str) -> Result<(), String>,
) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    let backoff = retry_backoff();
    for p in store.due_pushes(Utc::now().timestamp_millis(), PASS)? {
        // Out of attempts already: an earlier pass could not dead-letter it.
        let outcome = if p.attempts >= http.max_attempts() {
            Attempt::Rejected(format!("out of attempts ({})", p.attempts))
        } else {
            http.attempt(&p)
        };
        let reason = match outcome {
            Attempt::Sent => {
                store.push_sent(p.id, Utc::now().timestamp_millis())?;
                pass.sent += 1;
                continue;
            }
            Attempt::Rejected(r) => r,
            Attempt::Retry(r) => {
                let next =
                    Utc::now().timestamp_millis() + backoff.delay(p.attempts).as_millis() as i64;
                let attempts = store.push_failed(p.id, &r, next)?;
                pass.failed += 1;
                if attempts < http.max_attempts() {
                    continue;
                }
                format!("{r} (after {attempts} attempts)")
            }
        };
        match dead_letter(&p, &reason) {
            Ok(()) => {
                store.push_dead(p.id, &reason)?;
                pass.dead += 1;
            }
            Err(e) => {
                tracing::warn!(message_id = p.message_id, error = %e, "dead-lettering a push")
            }
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(classify(200), Attempt::Sent);
        assert_eq!(classify(204), Attempt::Sent);
        assert!(matches!(classify(400), Attempt::Rejected(_)));
        assert!(matches!(classify(404), Attempt::Rejected(_)));
        assert_eq!(classify(503), Attempt::Retry("HTTP 503".into()));
        assert_eq!(classify(429), Attempt::Retry("HTTP 429".into()));
        assert_eq!(classify(401), Attempt::Retry("HTTP 401".into()));
    }
}
