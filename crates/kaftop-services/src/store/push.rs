//! The outbox as a delivery queue for the HTTP notifier: which pushes are due, and
//! what became of each attempt (sent, failed and retried later, or dead).

use std::time::Duration;

use super::db::{DbError, Row};
use super::{Store, StoreError};

/// How long a PostgreSQL instance has to deliver the pushes it took from the outbox
/// before another instance may take them.
const DELIVERY_CLAIM: Duration = Duration::from_secs(30);

/// One outbox row waiting for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPush {
    pub id: i64,
    pub message_id: i64,
    pub user_id: i64,
    pub title: String,
    pub body: String,
    pub kind: String,
    pub vip: bool,
    pub created_at_ms: i64,
    /// Attempts made so far (0 for a new row).
    pub attempts: u32,
}

fn push_row(r: &Row) -> Result<OutboxPush, DbError> {
    Ok(OutboxPush {
        id: r[0].int()?,
        message_id: r[1].int()?,
        user_id: r[2].int()?,
        title: r[3].text()?,
        body: r[4].text()?,
        kind: r[5].text()?,
        vip: r[6].bool()?,
        created_at_ms: r[7].int()?,
        attempts: r[8].int()? as u32,
    })
}

impl Store {
    /// Unsent, not dead pushes whose next attempt is due at `now_ms`, oldest first.
    ///
    /// On PostgreSQL, where several instances share the outbox, the rows returned
    /// are claimed: their next attempt moves [`DELIVERY_CLAIM`] ahead (rows another
    /// instance is claiming are skipped), so one instance delivers each push; if it
    /// dies before recording the outcome, another takes the push after the claim.
    pub fn due_pushes(&self, now_ms: i64, limit: usize) -> Result<Vec<OutboxPush>, StoreError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        self.tx(|tx| {
            let rows = if tx.is_postgres() {
                let claim = now_ms.saturating_add(DELIVERY_CLAIM.as_millis() as i64);
                tx.rows(
                    "UPDATE notification_outbox SET next_attempt_ms = $3
                     WHERE id IN (
                         SELECT id FROM notification_outbox
                         WHERE sent_at_ms IS NULL AND dead_at_ms IS NULL AND next_attempt_ms <= $1
                         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                     RETURNING id, message_id, user_id, title, body, type, vip, created_at_ms,
                               attempts",
                    &[now_ms.into(), limit.into(), claim.into()],
                )?
            } else {
                tx.rows(
                    "SELECT id, message_id, user_id, title, body, type, vip, created_at_ms,
                            attempts
                     FROM notification_outbox
                     WHERE sent_at_ms IS NULL AND dead_at_ms IS NULL AND next_attempt_ms <= $1
                     ORDER BY id LIMIT $2",
                    &[now_ms.into(), limit.into()],
                )?
            };
            let mut pushes: Vec<OutboxPush> =
                rows.iter().map(push_row).collect::<Result<_, _>>()?;
            pushes.sort_by_key(|p| p.id);
            Ok(pushes)
        })
    }

    /// Records a delivered push (the attempt that delivered it counts).
    pub fn push_sent(&mut self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        self.tx(|tx| {
            tx.exec(
                "UPDATE notification_outbox
                 SET sent_at_ms = $2, attempts = attempts + 1, last_error = NULL
                 WHERE id = $1",
                &[id.into(), at_ms.into()],
            )?;
            Ok(())
        })
    }

    /// Records a failed attempt and when to try again; returns the attempts so far.
    pub fn push_failed(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_ms: i64,
    ) -> Result<u32, StoreError> {
        self.tx(|tx| {
            tx.exec(
                "UPDATE notification_outbox
                 SET attempts = attempts + 1, last_error = $2, next_attempt_ms = $3
                 WHERE id = $1",
                &[id.into(), error.into(), next_attempt_ms.into()],
            )?;
            let n = tx.count(
                "SELECT attempts FROM notification_outbox WHERE id = $1",
                &[id.into()],
            )?;
            Ok(n as u32)
        })
    }

    /// Gives a push up: it is never attempted again; `reason` is kept as its last error.
    pub fn push_dead(&mut self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.tx(|tx| {
            tx.exec(
                "UPDATE notification_outbox
                 SET dead_at_ms = $3, last_error = $2
                 WHERE id = $1",
                &[
                    id.into(),
                    reason.into(),
                    chrono::Utc::now().timestamp_millis().into(),
                ],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{apply, created};
    use crate::store::Store;
    use crate::ServiceName;
    use std::collections::HashSet;

    fn row(s: &Store, id: i64) -> (Option<i64>, Option<String>, Option<i64>) {
        s.with_connection(|c| {
            c.query_row(
                "SELECT sent_at_ms, last_error, dead_at_ms FROM notification_outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .unwrap()
    }

    #[test]
    fn due_sent_failed_dead() {
        let mut s = Store::in_memory().unwrap();
        let events: Vec<_> = (1..=3)
            .map(|i| created(i, 1, 2, "2026-11-24T10:00:00"))
            .collect();
        apply(&mut s, ServiceName::Notification, &events, &HashSet::new());
        let due = s.due_pushes(i64::MAX, 10).unwrap();
        assert_eq!(
            due.iter().map(|p| p.message_id).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(due
            .iter()
            .all(|p| p.attempts == 0 && p.title == "새 메시지 도착"));
        let (a, b, c) = (due[0].id, due[1].id, due[2].id);
        s.push_sent(a, 10).unwrap();
        assert_eq!(s.push_failed(b, "503", 1_000).unwrap(), 1);
        assert_eq!(s.push_failed(b, "503", 2_000).unwrap(), 2);
        s.push_dead(c, "400 bad token").unwrap();
        // b waits for its next attempt; a is sent; c is dead.
        assert!(s.due_pushes(1_999, 10).unwrap().is_empty());
        let due = s.due_pushes(2_000, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].id, due[0].attempts), (b, 2));
        assert_eq!(row(&s, a), (Some(10), None, None));
        let (sent, reason, dead) = row(&s, c);
        assert_eq!((sent, reason.as_deref()), (None, Some("400 bad token")));
        assert!(dead.is_some());
    }
}
