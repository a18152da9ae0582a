//! The seed's query parameters, read with the rules every front end of kaftop
//! uses (`events::validation`): each refusal names the parameter and the reason.

use kaftop_core::events::validation::{self, FieldError};
use kaftop_core::events::{
    EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};

/// Largest `count` of one bulk test: a run of about a minute at the seed's pace,
/// seconds at kaftop's.
pub(crate) const MAX_BULK_COUNT: u64 = 1_000_000;

/// A parameter that is missing or malformed: `messageId: required`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub(crate) struct ParamError {
    name: &'static str,
    reason: String,
}

impl ParamError {
    fn new(name: &'static str, reason: impl ToString) -> Self {
        ParamError {
            name,
            reason: reason.to_string(),
        }
    }
}

/// The decoded query string, in order.
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// The parameter's value; a parameter given twice is refused (which one was
    /// meant is a guess).
    fn get(&self, name: &'static str) -> Result<Option<&str>, ParamError> {
        let mut values = self.0.iter().filter(|(k, _)| k == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(ParamError::new(name, "given more than once"));
        }
        Ok(first)
    }

    fn required(&self, name: &'static str) -> Result<&str, ParamError> {
        self.get(name)?
            .ok_or_else(|| ParamError::new(name, FieldError::Required))
    }

    fn id(&self, name: &'static str) -> Result<i64, ParamError> {
        validation::id(self.required(name)?).map_err(|e| ParamError::new(name, e))
    }

    /// An optional time; absent or `now` is `now`.
    fn time(&self, name: &'static str, now: EventTime) -> Result<EventTime, ParamError> {
        match self.get(name)? {
            None => Ok(now),
            Some(t) => validation::time(t)
                .map(|w| w.or(now))
                .map_err(|e| ParamError::new(name, e)),
        }
    }

    /// `message-created?messageId=&senderId=&receiverId=&content=[&createdAt=]`.
    pub(crate) fn created(&self, now: EventTime) -> Result<MessageEvent, ParamError> {
        Ok(MessageEvent::Created(MessageCreatedEvent {
            message_id: self.id("messageId")?,
            sender_id: self.id("senderId")?,
            receiver_id: self.id("receiverId")?,
            content: validation::content(self.required("content")?)
                .map_err(|e| ParamError::new("content", e))?,
            created_at: self.time("createdAt", now)?,
        }))
    }

    /// `message-read?messageId=&receiverId=[&readAt=]`.
    pub(crate) fn read(&self, now: EventTime) -> Result<MessageEvent, ParamError> {
        Ok(MessageEvent::Read(MessageReadEvent {
            message_id: self.id("messageId")?,
            receiver_id: self.id("receiverId")?,
            read_at: self.time("readAt", now)?,
        }))
    }

    /// `message-deleted?messageId=&senderId=&receiverId=[&deletedAt=]`.
    pub(crate) fn deleted(&self, now: EventTime) -> Result<MessageEvent, ParamError> {
        Ok(MessageEvent::Deleted(MessageDeletedEvent {
            message_id: self.id("messageId")?,
            sender_id: self.id("senderId")?,
            receiver_id: self.id("receiverId")?,
            deleted_at: self.time("deletedAt", now)?,
        }))
    }

    /// `bulk-test?count=N`: 1 to [`MAX_BULK_COUNT`].
    pub(crate) fn bulk_count(&self) -> Result<u64, ParamError> {
        let text = self.required("count")?.trim();
        match text.parse::<u64>() {
            Ok(n) if (1..=MAX_BULK_COUNT).contains(&n) => Ok(n),
            Ok(_) => Err(ParamError::new(
                "count",
                format!("must be between 1 and {MAX_BULK_COUNT}"),
            )),
            Err(_) if text.is_empty() => Err(ParamError::new("count", FieldError::Required)),
            Err(_) => Err(ParamError::new(
                "count",
                format!("`{text}` is not a whole number"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Params {
        Params(
            q.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn the_seeds_created_line() {
        let now = EventTime::parse("2026-11-24T10:00:00").unwrap();
        let e = params(&[
            ("messageId", "1"),
            ("senderId", "100"),
            ("receiverId", "200"),
            ("content", "HelloKafka"),
        ])
        .created(now)
        .unwrap();
        assert_eq!(
            e.to_json(),
            r#"{"messageId":1,"senderId":100,"receiverId":200,"content":"HelloKafka","createdAt":"2026-11-24T10:00:00"}"#
        );
    }

    #[test]
    fn refusals_name_the_parameter() {
        let now = EventTime::now();
        let err = |q: &[(&str, &str)]| params(q).read(now).unwrap_err().to_string();
        assert_eq!(err(&[("receiverId", "2")]), "messageId: required");
        assert_eq!(
            err(&[("messageId", "0"), ("receiverId", "2")]),
            "messageId: must be greater than 0"
        );
        assert_eq!(
            err(&[("messageId", "x"), ("receiverId", "2")]),
            "messageId: `x` is not an integer"
        );
        assert_eq!(
            err(&[("messageId", "1"), ("messageId", "2"), ("receiverId", "2")]),
            "messageId: given more than once"
        );
        assert!(
            err(&[("messageId", "1"), ("receiverId", "2"), ("readAt", "noon")])
                .starts_with("readAt: ")
        );
        let blank = params(&[
            ("messageId", "1"),
            ("senderId", "1"),
            ("receiverId", "2"),
            ("content", "  "),
        ]);
        assert_eq!(
            blank.created(now).unwrap_err().to_string(),
            "content: must not be blank"
        );
    }

    #[test]
    fn bulk_counts() {
        assert_eq!(params(&[("count", "1000")]).bulk_count(), Ok(1000));
        for (q, reason) in [
            ("0", "count: must be between 1 and 1000000"),
            ("1000001", "count: must be between 1 and 1000000"),
            ("ten", "count: `ten` is not a whole number"),
            ("", "count: required"),
        ] {
            let e = params(&[("count", q)]).bulk_count().unwrap_err();
            assert_eq!(e.to_string(), reason);
        }
        assert_eq!(
            params(&[]).bulk_count().unwrap_err().to_string(),
            "count: required"
        );
    }
}
