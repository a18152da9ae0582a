//! Properties of the seed's parameter rules over generated query strings: every
//! answer is an event or a refusal that names a parameter the endpoint reads; what
//! is accepted is exactly what was given (64-bit ids, content byte for byte, the
//! time) and survives the trip through the event's JSON; the order of the
//! parameters never matters.
//!
//! `cases` is the CI count; `PROPTEST_CASES` overrides it (the million-case run in
//! BENCHMARKS.md).

use proptest::collection::vec;
use proptest::prelude::*;

use super::params::{Params, MAX_BULK_COUNT};
use kaftop_core::events::validation::MAX_CONTENT_BYTES;
use kaftop_core::events::{EventKind, EventTime, MessageEvent};

fn config(ci_cases: u32) -> ProptestConfig {
    match std::env::var("PROPTEST_CASES") {
        Ok(_) => ProptestConfig::default(),
        Err(_) => ProptestConfig::with_cases(ci_cases),
    }
}

const NAMES: [&str; 9] = [
    "messageId",
    "senderId",
    "receiverId",
    "content",
    "createdAt",
    "readAt",
    "deletedAt",
    "count",
    "userId",
];

/// Values as a client might send them: numbers at the edges, times, blanks,
/// anything.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!(" {n}")),
        Just(i64::MAX.to_string()),
        Just("9223372036854775808".to_string()),
        Just("0".to_string()),
        Just("now".to_string()),
        Just("NOW ".to_string()),
        Just("2026-11-24T10:15:30.123".to_string()),
        Just("2026-11-24T19:15:30+09:00".to_string()),
        "[ \t]{0,3}",
        "[0-9+-.e ]{0,22}",
        any::<String>(),
    ]
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            prop_oneof![4 => prop::sample::select(NAMES.to_vec()).prop_map(String::from), 1 => any::<String>()],
            value(),
        ),
        0..9,
    )
}

type Endpoint = fn(&Params, EventTime) -> Result<MessageEvent, super::params::ParamError>;

/// Each publishing endpoint with the parameters it reads.
fn endpoints() -> [(Endpoint, &'static [&'static str]); 3] {
    [
        (
            Params::created,
            &[
                "messageId",
                "senderId",
                "receiverId",
                "content",
                "createdAt",
            ],
        ),
        (Params::read, &["messageId", "receiverId", "readAt"]),
        (
            Params::deleted,
            &["messageId", "senderId", "receiverId", "deletedAt"],
        ),
    ]
}

fn instant() -> impl Strategy<Value = EventTime> {
    // Years 1-9999, whole milliseconds to nanoseconds.
    (-62_135_596_800i64..253_402_300_799, 0u32..1_000_000_000).prop_map(|(s, n)| {
        let t = chrono::DateTime::from_timestamp(s, n).map(|t| t.naive_utc());
        EventTime(t.unwrap_or_default())
    })
}

fn content() -> impl Strategy<Value = String> {
    let long = (1usize..MAX_CONTENT_BYTES).prop_map(|n| {
        // Up to the limit in bytes, with multi-byte characters.
        let mut s = "가".repeat(n / 3);
        s.push_str(&"x".repeat(n % 3 + 1));
        s
    });
    // Never blank (a blank content is refused, which another property covers).
    let short = any::<String>().prop_map(|s| if s.trim().is_empty() { s + "x" } else { s });
    prop_oneof![20 => short, 1 => long]
}

proptest! {
    #![proptest_config(config(3000))]

    /// Any query: an event, or a refusal `NAME: reason` naming a parameter the
    /// endpoint reads; the same whatever the order of distinct parameters.
    #[test]
    fn any_query_gets_an_event_or_names_the_parameter(q in query(), seed in any::<u64>()) {
        let now = EventTime::now();
        let mut shuffled = q.clone();
        // A rotation keeps each name's own values in order (a repeat is refused).
        let by = if q.is_empty() { 0 } else { (seed % q.len() as u64) as usize };
        shuffled.rotate_left(by);
        for (endpoint, reads) in endpoints() {
            let answer = endpoint(&Params(q.clone()), now);
            if let Err(e) = &answer {
                let text = e.to_string();
                prop_assert!(
                    reads.iter().any(|n| text.starts_with(&format!("{n}: "))),
                    "{text}"
                );
            }
            prop_assert_eq!(answer, endpoint(&Params(shuffled.clone()), now));
        }
        let count = Params(q).bulk_count();
        if let Err(e) = &count {
            prop_assert!(e.to_string().starts_with("count: "), "{e}");
        }
        if let Ok(n) = count {
            prop_assert!((1..=MAX_BULK_COUNT).contains(&n));
        }
    }

    /// Valid fields come back exactly, and through the JSON Kafka carries.
    #[test]
    fn accepted_fields_are_kept_exactly(
        ids in (1..=i64::MAX, 1..=i64::MAX, 1..=i64::MAX),
        pad in prop::sample::select(vec!["", " ", "+", "\t"]),
        content in content(),
        at in instant(),
    ) {
        let (m, s, r) = ids;
        let q = Params(vec![
            ("content".into(), content.clone()),
            ("messageId".into(), format!("{pad}{m}")),
            ("senderId".into(), s.to_string()),
            ("receiverId".into(), format!("{r}{}", pad.trim_start_matches('+'))),
            ("createdAt".into(), at.to_string()),
        ]);
        let e = match q.created(EventTime::now()) {
            Ok(MessageEvent::Created(e)) => e,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!((e.message_id, e.sender_id, e.receiver_id), (m, s, r));
        prop_assert_eq!(&e.content, &content);
        prop_assert_eq!(e.created_at, at);
        let json = MessageEvent::Created(e.clone()).to_json();
        let back = MessageEvent::decode(EventKind::Created, json.as_bytes());
        prop_assert_eq!(back.ok(), Some(MessageEvent::Created(e)));
    }

    /// An id is accepted exactly when it is a positive 64-bit integer.
    #[test]
    fn ids_are_positive_64_bit_integers(n in prop_oneof![
        -2i128..=2,
        Just(i128::from(i64::MAX)),
        Just(i128::from(i64::MAX) + 1),
        Just(i128::from(i64::MIN)),
        any::<i128>().prop_map(|n| n >> (n as u8 % 128)),
    ]) {
        let q = Params(vec![
            ("messageId".into(), n.to_string()),
            ("receiverId".into(), "1".into()),
        ]);
        let answer = q.read(EventTime::now());
        let valid = n > 0 && n <= i128::from(i64::MAX);
        prop_assert_eq!(answer.is_ok(), valid, "{} → {:?}", n, answer);
        if let Ok(e) = answer {
            prop_assert_eq!(i128::from(e.message_id()), n);
        }
    }

    /// A bulk count is accepted exactly when it is 1 to the maximum.
    #[test]
    fn bulk_counts_are_bounded(n in prop_oneof![0u64..=MAX_BULK_COUNT + 1, any::<u64>()]) {
        let answer = Params(vec![("count".into(), n.to_string())]).bulk_count();
        if (1..=MAX_BULK_COUNT).contains(&n) {
            prop_assert_eq!(answer, Ok(n));
        } else {
            prop_assert!(answer.is_err());
        }
    }
}
