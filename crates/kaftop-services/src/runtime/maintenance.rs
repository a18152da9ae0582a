//! The maintenance thread: every tick it resolves parked reads whose message was
//! indexed late, dead-letters those that waited too long, purges when due, and
//! samples the processing rates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use super::batch::BatchError;
use super::dlq::{DeadLetter, DeadLetters};
use super::faults::batch_fault;
use super::{lock, sleep_unless, Shared};
use crate::read_receipt::PendingReceipt;
use crate::stats::{Counters, RateWindow};
use crate::store::Store;
use crate::{Backoff, ServiceName, ALL_SERVICES};

/// The maintenance thread's tick.
const TICK: Duration = Duration::from_millis(250);

/// The body of the maintenance thread.
pub(super) fn maintenance(shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    // A store that cannot be opened now (a full disk) may be openable later.
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut store = loop {
        match Store::connect(&shared.opts.store) {
            Ok(s) => break s,
            Err(e) => {
                shared.error(ServiceName::ReadReceipt, format!("maintenance: {e}"));
                sleep_unless(&stop, backoff.next_delay());
                if stop.load(Ordering::Relaxed) {
                    return;
                }
            }
        }
    };
    let mut sweep_stalled = false;
    while !stop.load(Ordering::Relaxed) {
        let now = Utc::now();
        if lock(&shared.running).contains(&ServiceName::ReadReceipt) {
            match sweep_receipts(&shared, &mut store, now, &stop) {
                // The sweep that stalled wrote nothing, so its parked reads are still
                // there: the next sweep that succeeds has written them.
                Ok(()) if sweep_stalled => {
                    sweep_stalled = false;
                    shared.resume(ServiceName::ReadReceipt);
                }
                Ok(()) => {}
                Err(e) => match batch_fault(&e) {
                    Some(fault) => {
                        sweep_stalled = true;
                        shared.stall(ServiceName::ReadReceipt, fault, &e.to_string());
                    }
                    None => shared.error(ServiceName::ReadReceipt, e.to_string()),
                },
            }
        }
        let due = lock(&shared.next_purge).is_none_or(|t| now >= t);
        if due {
            match store.purge(now, &shared.opts.retention) {
                Ok(p) => {
                    if p.total() > 0 {
                        tracing::info!(purged = ?p, "purged");
                    }
                }
                Err(e) => shared.error(ServiceName::Archive, format!("purge: {e}")),
            }
            let next = now
                + TimeDelta::from_std(shared.opts.purge_interval).unwrap_or(TimeDelta::hours(1));
            *lock(&shared.next_purge) = Some(next);
        }
        sample_rates(&shared);
        sleep_unless(&stop, TICK);
    }
}

/// Parked reads: resolves those whose message is indexed now, dead-letters those
/// older than the retry window.
fn sweep_receipts(
    shared: &Shared,
    store: &mut Store,
    now: DateTime<Utc>,
    stop: &AtomicBool,
) -> Result<(), BatchError> {
    let s = ServiceName::ReadReceipt;
    let c = shared.counters(s);
    let resolved = store.resolve_indexed(&shared.opts.vip_user_ids, now)?;
    Counters::add(&c.processed, resolved.len() as u64);
    for r in resolved {
        shared.deliver_receipt(r);
    }
    let window = TimeDelta::from_std(shared.opts.receipt_retry_window).unwrap_or(TimeDelta::MAX);
    let cutoff = now
        .checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let expired: Vec<PendingReceipt> = store.expired_receipts(cutoff)?;
    for p in expired {
        let error = format!(
            "unknown message: no created event for messageId {} was indexed within {}",
            p.message_id,
            humantime::format_duration(shared.opts.receipt_retry_window)
        );
        shared.dlq.send(
            &[DeadLetter {
                source: &p.source,
                error: &error,
                service: s,
            }],
            stop,
        )?;
        if store.finish_expired(&p)? {
            Counters::add(&c.dead_lettered, 1);
        }
    }
    Ok(())
}

/// Adds a sample of every service's processed counter to its rate window.
pub(super) fn sample_rates(shared: &Shared) {
    let now = Instant::now();
    let mut rates = lock(&shared.rates);
    for s in ALL_SERVICES {
        let v = shared.counters(s).processed.load(Ordering::Relaxed);
        rates
            .entry(s)
            .or_insert_with(|| RateWindow::new(Duration::from_secs(5)))
            .sample(now, v);
    }
}
