//! The message service's events as its Spring Boot producers write them.
//!
//! Field names are camelCase (Spring Kafka's `JsonSerializer`), ids are 64-bit
//! integers, unknown fields are ignored. Timestamps are `LocalDateTime` values: we
//! write the zone-less ISO form (`2026-11-24T10:15:30.123`) and accept that, RFC 3339
//! with an offset (converted to UTC), and Jackson's array form
//! (`[2026,11,24,10,15,30,123000000]`, written when `WRITE_DATES_AS_TIMESTAMPS` is on).

#[cfg(test)]
mod props;
pub mod validation;

use std::fmt;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Timelike, Utc,
};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const TOPIC_CREATED: &str = "message.created";
pub const TOPIC_READ: &str = "message.read";
pub const TOPIC_DELETED: &str = "message.deleted";

/// A message id no earlier run has used: milliseconds since the epoch × 1000, so
/// a run may take up to 1000 ids per millisecond it has been running without
/// meeting the next run's.
pub fn fresh_message_id(now_ms: i64) -> i64 {
    now_ms.saturating_mul(1000)
}

/// Suffix of a topic's dead-letter topic (`message.created.dlq`).
pub const DLQ_SUFFIX: &str = ".dlq";

pub fn dlq_topic(topic: &str) -> String {
    format!("{topic}{DLQ_SUFFIX}")
}

/// A timestamp as the service writes it: a wall-clock `LocalDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime(pub NaiveDateTime);

impl EventTime {
    /// The current time in UTC, truncated to milliseconds as Java's clock gives it.
    pub fn now() -> Self {
        let now = Utc::now().naive_utc();
        let ms_nanos = now.nanosecond() / 1_000_000 * 1_000_000;
        EventTime(now.with_nanosecond(ms_nanos).unwrap_or(now))
    }

    /// Years 1–9999, as ISO-8601 writes them: anything else is bad data, and
    /// keeping to it means date arithmetic (retention + 30 days) cannot overflow.
    pub fn checked(t: NaiveDateTime) -> Result<Self, String> {
        if (1..=9999).contains(&t.year()) {
            Ok(EventTime(t))
        } else {
            Err(format!("year {} is out of range (1-9999)", t.year()))
        }
    }

    pub fn date(&self) -> NaiveDate {
        self.0.date()
    }

    /// Parses the forms listed in the module docs (string forms only).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let parsed = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
            .or_else(|_| DateTime::parse_from_rfc3339(s).map(|t| t.naive_utc()));
        if let Ok(t) = parsed {
            return EventTime::checked(t);
        }
        Err(format!(
            "`{s}` is not an ISO-8601 date-time (e.g. 2026-11-24T10:15:30.123 or 2026-11-24T10:15:30Z)"
        ))
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Jackson's LocalDateTime form: no zone; fraction only when non-zero.
        let s = self
            .0
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true);
        f.write_str(s.trim_end_matches('Z'))
    }
}

impl Serialize for EventTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventTimeVisitor)
    }
}

struct EventTimeVisitor;

impl<'de> Visitor<'de> for EventTimeVisitor {
    type Value = EventTime;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ISO-8601 date-time string or a [year, month, day, hour, minute, second, nanos] array")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<EventTime, E> {
        EventTime::parse(v).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventTime, A::Error> {
        let mut parts = [0u32; 7];
        let mut n = 0;
        while let Some(v) = seq.next_element::<u32>()? {
            if n == parts.len() {
                return Err(de::Error::invalid_length(n + 1, &self));
            }
            parts[n] = v;
            n += 1;
        }
        if n < 5 {
            return Err(de::Error::invalid_length(n, &self));
        }
        let [y, mo, d, h, mi, s, nanos] = parts;
        let date = NaiveDate::from_ymd_opt(y as i32, mo, d)
            .ok_or_else(|| de::Error::custom(format!("invalid date {y}-{mo}-{d}")))?;
        let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)
            .ok_or_else(|| de::Error::custom(format!("invalid time {h}:{mi}:{s}.{nanos}")))?;
        EventTime::checked(date.and_time(time)).map_err(de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageCreatedEvent {
    pub message_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub content: String,
    pub created_at: EventTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageReadEvent {
    pub message_id: i64,
    pub receiver_id: i64,
    pub read_at: EventTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeletedEvent {
    pub message_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub deleted_at: EventTime,
}

/// Which of the three event kinds (and so which topic) a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Created,
    Read,
    Deleted,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::Created, EventKind::Read, EventKind::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Read => "read",
            EventKind::Deleted => "deleted",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any one of the three events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageEvent {
    Created(MessageCreatedEvent),
    Read(MessageReadEvent),
    Deleted(MessageDeletedEvent),
}

#[derive(Debug, thiserror::Error)]
#[error("invalid {kind} event: {reason}")]
pub struct DecodeError {
    pub kind: EventKind,
    pub reason: String,
}

impl MessageEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            MessageEvent::Created(_) => EventKind::Created,
            MessageEvent::Read(_) => EventKind::Read,
            MessageEvent::Deleted(_) => EventKind::Deleted,
        }
    }

    /// The record key: the message id, as the seed's producer keys its records.
    pub fn message_id(&self) -> i64 {
        match self {
            MessageEvent::Created(e) => e.message_id,
            MessageEvent::Read(e) => e.message_id,
            MessageEvent::Deleted(e) => e.message_id,
        }
    }

    /// Decodes a record value of the given kind. Errors say which field and why.
    pub fn decode(kind: EventKind, bytes: &[u8]) -> Result<Self, DecodeError> {
        let err = |e: serde_json::Error| DecodeError {
            kind,
            reason: if e.is_syntax() || e.is_eof() {
                format!("not JSON: {e}")
            } else {
                e.to_string()
            },
        };
        Ok(match kind {
            EventKind::Created => {
                MessageEvent::Created(serde_json::from_slice(bytes).map_err(err)?)
            }
            EventKind::Read => MessageEvent::Read(serde_json::from_slice(bytes).map_err(err)?),
            EventKind::Deleted => {
                MessageEvent::Deleted(serde_json::from_slice(bytes).map_err(err)?)
            }
        })
    }

    /// Appends the JSON value to `buf` (reused by the bulk publisher).
    pub fn encode_into(&self, buf: &mut Vec<u8>) {
        let r = match self {
            MessageEvent::Created(e) => serde_json::to_writer(&mut *buf, e),
            MessageEvent::Read(e) => serde_json::to_writer(&mut *buf, e),
            MessageEvent::Deleted(e) => serde_json::to_writer(&mut *buf, e),
        };
        // Serializing these plain structs into a Vec cannot fail.
        debug_assert!(r.is_ok());
    }

    pub fn to_json(&self) -> String {
        let mut buf = Vec::with_capacity(160);
        self.encode_into(&mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> EventTime {
        EventTime::parse(s).unwrap()
    }

    #[test]
    fn decodes_spring_json_exactly() {
        // As Spring Kafka's JsonSerializer writes a MessageCreatedEvent with
        // JavaTimeModule and WRITE_DATES_AS_TIMESTAMPS disabled.
        let json = br#"{"messageId":1,"senderId":100,"receiverId":200,"content":"HelloKafka","createdAt":"2026-11-24T10:15:30.123"}"#;
        let e = MessageEvent::decode(EventKind::Created, json).unwrap();
        let MessageEvent::Created(c) = &e else {
            panic!("wrong kind")
        };
        assert_eq!(c.message_id, 1);
        assert_eq!(c.sender_id, 100);
        assert_eq!(c.receiver_id, 200);
        assert_eq!(c.content, "HelloKafka");
        assert_eq!(c.created_at.to_string(), "2026-11-24T10:15:30.123");
        // Round trip gives the same bytes back.
        assert_eq!(e.to_json().as_bytes(), json);
    }

    #[test]
    fn read_and_deleted_round_trip() {
        let read =
            br#"{"messageId":9007199254740993,"receiverId":200,"readAt":"2026-11-24T10:16:00"}"#;
        let e = MessageEvent::decode(EventKind::Read, read).unwrap();
        assert_eq!(e.message_id(), 9_007_199_254_740_993); // beyond f64 precision
        assert_eq!(e.to_json().as_bytes(), read);

        let del = br#"{"messageId":1,"senderId":100,"receiverId":200,"deletedAt":"2026-11-24T10:17:00.5"}"#;
        let e = MessageEvent::decode(EventKind::Deleted, del).unwrap();
        assert_eq!(
            e.to_json(),
            r#"{"messageId":1,"senderId":100,"receiverId":200,"deletedAt":"2026-11-24T10:17:00.500"}"#
        );
    }

    #[test]
    fn tolerant_timestamps() {
        assert_eq!(t("2026-11-24T10:15:30"), t("2026-11-24T10:15:30.000"));
        assert_eq!(t("2026-11-24T10:15"), t("2026-11-24T10:15:00"));
        // RFC 3339 with an offset is converted to UTC.
        assert_eq!(t("2026-11-24T19:15:30+09:00"), t("2026-11-24T10:15:30"));
        assert_eq!(
            t("2026-11-24T10:15:30.123456Z").to_string(),
            "2026-11-24T10:15:30.123456"
        );
        // Jackson's array form.
        let e = MessageEvent::decode(
            EventKind::Read,
            br#"{"messageId":1,"receiverId":2,"readAt":[2026,11,24,10,15,30,123000000]}"#,
        )
        .unwrap();
        let MessageEvent::Read(r) = e else { panic!() };
        assert_eq!(r.read_at, t("2026-11-24T10:15:30.123"));
        assert!(EventTime::parse("yesterday").is_err());
        // Dates chrono can hold but no sane event has: bad data, not a panic later.
        assert!(EventTime::parse("+262142-12-25T00:00:00")
            .unwrap_err()
            .contains("out of range"));
        assert!(MessageEvent::decode(
            EventKind::Deleted,
            br#"{"messageId":1,"senderId":2,"receiverId":3,"deletedAt":[262142,12,25,0,0]}"#,
        )
        .is_err());
        assert!(EventTime::parse("2026-13-01T00:00:00").is_err());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let json = br#"{"messageId":1,"receiverId":2,"readAt":"2026-11-24T10:15:30","device":"ios","meta":{"a":[1,2]}}"#;
        assert!(MessageEvent::decode(EventKind::Read, json).is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let missing =
            br#"{"messageId":1,"senderId":100,"content":"x","createdAt":"2026-11-24T10:15:30"}"#;
        let e = MessageEvent::decode(EventKind::Created, missing).unwrap_err();
        assert!(e.to_string().contains("missing field `receiverId`"), "{e}");

        let mistyped = br#"{"messageId":"one","receiverId":2,"readAt":"2026-11-24T10:15:30"}"#;
        let e = MessageEvent::decode(EventKind::Read, mistyped).unwrap_err();
        assert!(
            e.to_string()
                .contains("invalid type: string \"one\", expected i64"),
            "{e}"
        );

        let bad_time = br#"{"messageId":1,"receiverId":2,"readAt":"noon"}"#;
        let e = MessageEvent::decode(EventKind::Read, bad_time).unwrap_err();
        assert!(
            e.to_string()
                .contains("`noon` is not an ISO-8601 date-time"),
            "{e}"
        );

        let e = MessageEvent::decode(EventKind::Deleted, b"\x00\x01binary").unwrap_err();
        assert!(
            e.to_string().starts_with("invalid deleted event: not JSON"),
            "{e}"
        );
    }

    #[test]
    fn now_has_millisecond_precision() {
        let s = EventTime::now().to_string();
        // yyyy-mm-ddThh:mm:ss[.fff]
        assert!(s.len() == 19 || s.len() == 23, "{s}");
        assert_eq!(t(&s).to_string(), s);
    }
}
