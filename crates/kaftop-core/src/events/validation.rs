//! The rules for an event's fields as a person types them. The CLI's value
//! parsers and the TUI's publish form both call these (and so will any other
//! front end), so the same text gets the same verdict and the same reason
//! everywhere.
//!
//! - ids (`messageId`, `senderId`, `receiverId`, a bulk run's first id) are
//!   positive 64-bit integers: 1 to 9223372036854775807, as the seed's `Long`
//!   ids are; surrounding spaces are ignored;
//! - content is required, not blank, and at most [`MAX_CONTENT_BYTES`] bytes of
//!   UTF-8;
//! - times are ISO-8601 ([`EventTime::parse`]) or `now`.

use super::EventTime;

/// Longest content accepted, in bytes. JSON escapes a byte into at most six (a
/// control character becomes `\u001f`), so even the worst content keeps the
/// whole event under librdkafka's default maximum record size of 1 000 000
/// bytes (and the broker's 1 048 588).
pub const MAX_CONTENT_BYTES: usize = 100_000;

/// Why a field's text is refused. The messages read after the field's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("required")]
    Required,
    #[error("`{0}` is not an integer")]
    NotInteger(String),
    #[error("must be greater than 0")]
    NotPositive,
    #[error("`{0}` is too large (at most {max})", max = i64::MAX)]
    TooLarge(String),
    #[error("must not be blank")]
    Blank,
    #[error("{0} bytes is too long (at most {MAX_CONTENT_BYTES})")]
    TooLong(usize),
    #[error("{0}")]
    Time(String),
}

/// An id: a positive 64-bit integer.
pub fn id(text: &str) -> Result<i64, FieldError> {
    use std::num::IntErrorKind;
    let t = text.trim();
    match t.parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        Ok(_) => Err(FieldError::NotPositive),
        Err(e) => Err(match e.kind() {
            IntErrorKind::Empty => FieldError::Required,
            IntErrorKind::PosOverflow => FieldError::TooLarge(t.to_string()),
            IntErrorKind::NegOverflow => FieldError::NotPositive,
            _ => FieldError::NotInteger(t.to_string()),
        }),
    }
}

/// Message content: kept exactly as typed, spaces included.
pub fn content(text: &str) -> Result<String, FieldError> {
    if text.is_empty() {
        Err(FieldError::Required)
    } else if text.trim().is_empty() {
        Err(FieldError::Blank)
    } else if text.len() > MAX_CONTENT_BYTES {
        Err(FieldError::TooLong(text.len()))
    } else {
        Ok(text.to_string())
    }
}

/// An event time as typed: `now` or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Now,
    At(EventTime),
}

impl When {
    pub fn or(self, now: EventTime) -> EventTime {
        match self {
            When::Now => now,
            When::At(t) => t,
        }
    }
}

/// An event time: `now` (any case) or ISO-8601 with a year from 1 to 9999.
pub fn time(text: &str) -> Result<When, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        Err(FieldError::Required)
    } else if t.eq_ignore_ascii_case("now") {
        Ok(When::Now)
    } else {
        EventTime::parse(t).map(When::At).map_err(FieldError::Time)
    }
}

/// A run of `count` ids from `first`: every one of them must be a valid id.
pub fn id_range(first: i64, count: u64) -> Result<(), String> {
    let last = i64::try_from(count.saturating_sub(1))
        .ok()
        .and_then(|n| first.checked_add(n));
    match last {
        Some(_) if first > 0 => Ok(()),
        Some(_) => Err(FieldError::NotPositive.to_string()),
        None => Err(format!(
            "{count} ids from {first} go past the largest id ({})",
            i64::MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(id("42"), Ok(42));
        assert_eq!(id(" 7 "), Ok(7));
        assert_eq!(id("+7"), Ok(7));
        assert_eq!(id("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(id(""), Err(FieldError::Required));
        assert_eq!(id("  "), Err(FieldError::Required));
        assert_eq!(id("0"), Err(FieldError::NotPositive));
        assert_eq!(id("-1"), Err(FieldError::NotPositive));
        assert_eq!(id("-9223372036854775809"), Err(FieldError::NotPositive));
        assert_eq!(
            id("9223372036854775808").unwrap_err().to_string(),
            "`9223372036854775808` is too large (at most 9223372036854775807)"
        );
        assert_eq!(
            id("1.5").unwrap_err().to_string(),
            "`1.5` is not an integer"
        );
        assert_eq!(id("1e3"), Err(FieldError::NotInteger("1e3".into())));
    }

    #[test]
    fn contents() {
        assert_eq!(content(" hi "), Ok(" hi ".into()));
        assert_eq!(content("안녕"), Ok("안녕".into()));
        assert_eq!(content(""), Err(FieldError::Required));
        assert_eq!(content(" \t\n"), Err(FieldError::Blank));
        let max = "a".repeat(MAX_CONTENT_BYTES);
        assert_eq!(content(&max).map(|c| c.len()), Ok(MAX_CONTENT_BYTES));
        assert_eq!(
            content(&format!("{max}a")).unwrap_err().to_string(),
            "100001 bytes is too long (at most 100000)"
        );
        // Bytes, not characters: 33 334 three-byte characters are 100 002 bytes.
        assert_eq!(
            content(&"가".repeat(33_334)),
            Err(FieldError::TooLong(100_002))
        );
    }

    #[test]
    fn worst_content_fits_the_default_record_size() {
        let e = super::super::MessageEvent::Created(super::super::MessageCreatedEvent {
            message_id: i64::MAX,
            sender_id: i64::MAX,
            receiver_id: i64::MAX,
            content: content(&"\u{1}".repeat(MAX_CONTENT_BYTES)).unwrap(),
            created_at: EventTime::parse("9999-12-31T23:59:59.999999999").unwrap(),
        });
        let len = e.to_json().len();
        assert_eq!(len, 600_154);
        assert!(len < 1_000_000);
    }

    #[test]
    fn times() {
        assert_eq!(time("NOW"), Ok(When::Now));
        assert_eq!(
            time("2026-11-24T19:15:30+09:00"),
            Ok(When::At(EventTime::parse("2026-11-24T10:15:30").unwrap()))
        );
        assert_eq!(time(""), Err(FieldError::Required));
        assert!(time("noon").unwrap_err().to_string().contains("ISO-8601"));
        assert!(time("10000-01-01T00:00:00")
            .unwrap_err()
            .to_string()
            .contains("ISO-8601"));
    }

    #[test]
    fn id_ranges() {
        assert_eq!(id_range(1, 1000), Ok(()));
        assert_eq!(id_range(i64::MAX, 1), Ok(()));
        assert_eq!(
            id_range(i64::MAX - 1, 3),
            Err(
                "3 ids from 9223372036854775806 go past the largest id (9223372036854775807)"
                    .into()
            )
        );
        assert_eq!(id_range(0, 1), Err("must be greater than 0".into()));
    }
}
