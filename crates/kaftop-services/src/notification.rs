//! The notification service: on `message.created`, the seed's push notification for the
//! receiver, written to the outbox in the batch's transaction and then handed to the
//! [`Notifier`]s (built in: the TUI feed). Delivery to a device goes through the
//! outbox, not a notifier: with `[services.notifier]` configured, the HTTP notifier
//! (`notifier`) sends each unsent row, retries and dead-letters it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::stats::Feed;
use kaftop_core::events::MessageCreatedEvent;

/// The seed's notification title ("New message").
pub const TITLE: &str = "새 메시지 도착";
/// The seed's notification type.
pub const TYPE: &str = "MESSAGE";

/// The `data` payload of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationData {
    pub message_id: i64,
}

/// The seed's push notification, plus the VIP flag and when it was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushNotification {
    /// The receiver of the message.
    pub user_id: i64,
    pub title: String,
    /// The message content.
    pub body: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: NotificationData,
    pub vip: bool,
    pub created_at: DateTime<Utc>,
}

/// Builds the notification for a created message.
pub fn build(e: &MessageCreatedEvent, vip: bool, now: DateTime<Utc>) -> PushNotification {
    PushNotification {
        user_id: e.receiver_id,
        title: TITLE.to_string(),
        body: e.content.clone(),
        kind: TYPE.to_string(),
        data: NotificationData {
            message_id: e.message_id,
        },
        vip,
        created_at: now,
    }
}

/// Where notifications go once they are durably in the outbox. Called from the consumer
/// threads after the batch's transaction commits and before its offsets are committed,
/// so a crash may repeat a call (at least once). A failure is logged and counted; the
/// outbox row stays for a relay to retry.
pub trait Notifier: Send + Sync {
    fn name(&self) -> &str;
    fn send(&self, n: &PushNotification) -> Result<(), String>;
}

/// The built-in notifier: the recent-notifications feed the TUI shows.
pub struct FeedNotifier {
    feed: Arc<Feed<PushNotification>>,
}

impl FeedNotifier {
    pub fn new(feed: Arc<Feed<PushNotification>>) -> Self {
        FeedNotifier { feed }
    }
}

impl Notifier for FeedNotifier {
    fn name(&self) -> &str {
        "feed"
    }

    fn send(&self, n: &PushNotification) -> Result<(), String> {
        self.feed.push(n.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::events::EventTime;

    #[test]
    fn the_seeds_notification() {
        let e = MessageCreatedEvent {
            message_id: 7,
            sender_id: 1,
            receiver_id: 2,
            content: "안녕".into(),
            created_at: EventTime::parse("2026-11-24T10:00:00").unwrap(),
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let n = build(&e, true, now);
        let json = serde_json::to_value(&n).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "userId": 2, "title": "새 메시지 도착", "body": "안녕", "type": "MESSAGE",
                "data": {"messageId": 7}, "vip": true, "createdAt": "2027-01-15T08:00:00Z"
            })
        );
    }
}
