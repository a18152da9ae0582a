//! The FCM HTTP v1 message a push becomes (`POST …/messages:send`):
//! `{"message": {"topic": …, "notification": {"title", "body"}, "data": {…}}}`.
//! The receiver is addressed by topic `user-<userId>` (kaftop holds no device
//! tokens); FCM's `data` values must be strings.

use serde_json::{json, Value};

use crate::store::OutboxPush;

/// The header every attempt at one push carries, the same on each retry.
pub(crate) const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The idempotency key of a push: one per message, so a receiver can drop repeats.
pub(crate) fn idempotency_key(p: &OutboxPush) -> String {
    format!("kaftop-notification-{}", p.message_id)
}

/// The FCM topic a user's pushes go to.
pub(crate) fn user_topic(user_id: i64) -> String {
    format!("user-{user_id}")
}

/// The request body for a push.
pub(crate) fn message(p: &OutboxPush) -> Value {
    json!({
        "message": {
            "topic": user_topic(p.user_id),
            "notification": {"title": p.title, "body": p.body},
            "data": {
                "type": p.kind,
                "messageId": p.message_id.to_string(),
                "userId": p.user_id.to_string(),
                "vip": p.vip.to_string(),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_fcm_v1_message_with_string_data() {
        let p = OutboxPush {
            id: 3,
            message_id: 7,
            user_id: 2,
            title: "새 메시지 도착".into(),
            body: "안녕".into(),
            kind: "MESSAGE".into(),
            vip: true,
            created_at_ms: 0,
            attempts: 0,
        };
        assert_eq!(idempotency_key(&p), "kaftop-notification-7");
        assert_eq!(
            message(&p),
            json!({"message": {
                "topic": "user-2",
                "notification": {"title": "새 메시지 도착", "body": "안녕"},
                "data": {"type": "MESSAGE", "messageId": "7", "userId": "2", "vip": "true"}
            }})
        );
    }
}
