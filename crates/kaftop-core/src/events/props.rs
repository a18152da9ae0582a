//! Properties of the event JSON reader over generated records in the forms
//! Jackson writes: every event round trips exactly (64-bit ids past a double's
//! precision included); one instant written as a zone-less `LocalDateTime`, as
//! RFC 3339 with any offset or as Jackson's array reads as one time; unknown
//! fields and field order never change what is read; any bytes give an event or
//! an error that names the event kind, never a panic.
//!
//! `cases` is the CI count; `PROPTEST_CASES` overrides it (the million-case run in
//! BENCHMARKS.md).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{
    EventKind, EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};

fn config(ci_cases: u32) -> ProptestConfig {
    match std::env::var("PROPTEST_CASES") {
        Ok(_) => ProptestConfig::default(),
        Err(_) => ProptestConfig::with_cases(ci_cases),
    }
}

/// Seconds of 0001-01-01T00:00:00 and of 9999-12-31T23:59:59 (UTC).
const FIRST_SECOND: i64 = -62_135_596_800;
const LAST_SECOND: i64 = 253_402_300_799;

fn naive(secs: i64, nanos: u32) -> NaiveDateTime {
    DateTime::from_timestamp(secs, nanos)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// Any instant of years 1-9999, at any precision Java's clock gives.
fn instant() -> impl Strategy<Value = EventTime> {
    let nanos = prop_oneof![
        Just(0u32),
        (0u32..1000).prop_map(|ms| ms * 1_000_000),
        (0u32..1_000_000).prop_map(|us| us * 1000),
        0u32..1_000_000_000,
    ];
    let seconds = prop_oneof![
        FIRST_SECOND..=LAST_SECOND,
        // Whole minutes, which Jackson may write without seconds.
        (FIRST_SECOND / 60..=LAST_SECOND / 60).prop_map(|m| m * 60),
    ];
    (seconds, nanos).prop_map(|(s, n)| EventTime(naive(s, n)))
}

/// Ids: any 64-bit value, often past 2^53 where a double loses digits.
fn id() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), (1i64 << 53)..=i64::MAX, 1i64..1000]
}

fn event() -> impl Strategy<Value = MessageEvent> {
    prop_oneof![
        (id(), id(), id(), any::<String>(), instant()).prop_map(|(m, s, r, content, t)| {
            MessageEvent::Created(MessageCreatedEvent {
                message_id: m,
                sender_id: s,
                receiver_id: r,
                content,
                created_at: t,
            })
        }),
        (id(), id(), instant()).prop_map(|(m, r, t)| {
            MessageEvent::Read(MessageReadEvent {
                message_id: m,
                receiver_id: r,
                read_at: t,
            })
        }),
        (id(), id(), id(), instant()).prop_map(|(m, s, r, t)| {
            MessageEvent::Deleted(MessageDeletedEvent {
                message_id: m,
                sender_id: s,
                receiver_id: r,
                deleted_at: t,
            })
        }),
    ]
}

/// The event as a JSON object, in field order.
fn object(e: &MessageEvent) -> Map<String, Value> {
    match serde_json::from_str(&e.to_json()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn time_field(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "createdAt",
        EventKind::Read => "readAt",
        EventKind::Deleted => "deletedAt",
    }
}

fn time_of(e: &MessageEvent) -> EventTime {
    match e {
        MessageEvent::Created(c) => c.created_at,
        MessageEvent::Read(r) => r.read_at,
        MessageEvent::Deleted(d) => d.deleted_at,
    }
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            vec(("[a-zA-Z]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// How Jackson may write `t`: the zone-less form with 0-9 fraction digits (only
/// when they lose nothing), RFC 3339 with an offset, or the array form
/// (`WRITE_DATES_AS_TIMESTAMPS`), which leaves out zero seconds and nanos.
fn written_forms(t: EventTime, offset_minutes: i32) -> Vec<Value> {
    let n = t.0;
    let mut forms = Vec::new();
    let base = n.format("%Y-%m-%dT%H:%M:%S").to_string();
    for digits in 0..=9u32 {
        let scale = 10u32.pow(9 - digits);
        if n.nanosecond() % scale == 0 {
            let fraction = if digits == 0 {
                String::new()
            } else {
                format!(
                    ".{:0width$}",
                    n.nanosecond() / scale,
                    width = digits as usize
                )
            };
            forms.push(Value::from(format!("{base}{fraction}")));
        }
    }
    if n.second() == 0 && n.nanosecond() == 0 {
        forms.push(Value::from(n.format("%Y-%m-%dT%H:%M").to_string()));
    }
    if let Some(zone) = FixedOffset::east_opt(offset_minutes * 60) {
        let local = n.and_utc().with_timezone(&zone);
        if (1..=9999).contains(&local.year()) {
            forms.push(Value::from(local.to_rfc3339()));
        }
    }
    let mut parts = vec![
        i64::from(n.year()),
        i64::from(n.month()),
        i64::from(n.day()),
        i64::from(n.hour()),
        i64::from(n.minute()),
    ];
    if n.second() != 0 || n.nanosecond() != 0 {
        parts.push(i64::from(n.second()));
    }
    if n.nanosecond() != 0 {
        parts.push(i64::from(n.nanosecond()));
    }
    forms.push(Value::from(parts));
    forms
}

/// Keys no event has, so that adding them is adding an unknown field.
fn unknown_key() -> impl Strategy<Value = String> {
    "[a-zA-Z_]{1,12}".prop_filter("not a known field", |k| {
        ![
            "messageId",
            "senderId",
            "receiverId",
            "content",
            "createdAt",
            "readAt",
            "deletedAt",
        ]
        .contains(&k.as_str())
    })
}

proptest! {
    #![proptest_config(config(3000))]

    /// What kaftop writes, it reads back as the same event.
    #[test]
    fn events_round_trip(e in event()) {
        let back = MessageEvent::decode(e.kind(), e.to_json().as_bytes());
        prop_assert_eq!(back.ok(), Some(e));
    }

    /// One instant in any of the forms Jackson writes, among unknown fields at any
    /// place, with the fields in any order, reads as the same event.
    #[test]
    fn jackson_forms_read_as_one_event(
        e in event(),
        offset_minutes in -18 * 60..=18 * 60,
        form in any::<prop::sample::Index>(),
        extra in vec((unknown_key(), json_value()), 0..4),
        seed in any::<u64>(),
    ) {
        let kind = e.kind();
        let forms = written_forms(time_of(&e), offset_minutes);
        let mut fields: Vec<(String, Value)> = object(&e).into_iter().collect();
        for (k, v) in &mut fields {
            if k == time_field(kind) {
                *v = form.get(&forms).clone();
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (k, v) in extra {
            if seen.insert(k.clone()) {
                let at = (seed % (fields.len() as u64 + 1)) as usize;
                fields.insert(at, (k, v));
            }
        }
        let by = (seed % fields.len() as u64) as usize;
        fields.rotate_left(by);
        let json = Value::Object(fields.into_iter().collect()).to_string();
        let back = MessageEvent::decode(kind, json.as_bytes());
        prop_assert_eq!(back.ok(), Some(e), "{}", json);
    }

    /// Any bytes, and any JSON object: an event, or an error naming the kind;
    /// never a panic.
    #[test]
    fn any_input_reads_or_names_the_kind(
        bytes in prop_oneof![
            vec(any::<u8>(), 0..64),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            (event(), vec((prop::sample::select(vec![
                "messageId", "senderId", "receiverId", "content", "createdAt", "readAt", "deletedAt",
            ]), json_value()), 1..3)).prop_map(|(e, replace)| {
                let mut m = object(&e);
                for (k, v) in replace {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m).to_string().into_bytes()
            }),
        ],
    ) {
        for kind in EventKind::ALL {
            if let Err(err) = MessageEvent::decode(kind, &bytes) {
                let prefix = format!("invalid {kind} event: ");
                prop_assert!(err.to_string().starts_with(&prefix), "{}", err);
                prop_assert!(err.to_string().len() > prefix.len());
            }
        }
    }
}
