//! The Messages view's search (`?`) against the real test broker, through the
//! dashboard's app and its real I/O side wired as the runtime wires them: a jq
//! filter over a 3-partition topic finds exactly the records that match since
//! the default start (the last hour; older matches are left out), a record with
//! binary bytes is shown raw, not dropped; then, following live, a new matching
//! record is appended and a non-matching one is not; a bad filter is refused in
//! the prompt with jaq's reason. Every wait polls with a deadline.
//! Cost: one small topic, 30 records.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use crossterm::event::KeyCode;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

use common::cluster::create_topic;
use common::live_dashboard::LiveDashboard;
use common::{bootstrap, unique};
use kaftop::tui::app::ViewId;
use kaftop::tui::command::Command;
use kaftop::tui::modes::Mode;
use kaftop::tui::views::messages::search::SearchPhase;
use kaftop_core::kafka::record::Encoding;

const HOUR_MS: i64 = 3_600_000;
// The key first: `.value.kind` on the binary value (text, not an object) is an
// error, which is no match.
const FILTER: &str = r#".key == "bin-hit" or .value.kind == "hit""#;

/// Produces one record to `partition`; its offset.
fn send(
    d: &LiveDashboard,
    p: &FutureProducer,
    topic: &str,
    partition: i32,
    key: &str,
    value: &[u8],
    ts: i64,
) -> (i32, i64) {
    let record = FutureRecord::to(topic)
        .partition(partition)
        .key(key)
        .payload(value)
        .timestamp(ts);
    let delivered =
        d.rt.block_on(p.send(record, Duration::from_secs(30)))
            .map_err(|(e, _)| e)
            .unwrap();
    (delivered.partition, delivered.offset)
}

#[test]
fn the_messages_search_finds_the_matches_then_follows_live() {
    let topic = unique("tui-search");
    create_topic(&bootstrap(), &topic, 3);
    let mut d = LiveDashboard::on(&bootstrap());
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();

    // Three hours old, matching: before the default start (the last hour).
    for n in 0..6 {
        let value = format!(r#"{{"n":{n},"kind":"hit"}}"#);
        send(
            &d,
            &producer,
            &topic,
            n % 3,
            "old",
            value.as_bytes(),
            now - 3 * HOUR_MS,
        );
    }
    // Recent: every fourth a hit, the rest misses, over all three partitions.
    let mut want = BTreeSet::new();
    let mut recent = 0u64;
    for n in 0..24 {
        let kind = if n % 4 == 1 { "hit" } else { "miss" };
        let value = format!(r#"{{"n":{n},"kind":"{kind}"}}"#);
        let at = send(
            &d,
            &producer,
            &topic,
            n % 3,
            &format!("k{n}"),
            value.as_bytes(),
            now,
        );
        recent += 1;
        if kind == "hit" {
            want.insert(at);
        }
    }
    // Bytes that are neither JSON nor text: matched by its key, shown raw.
    let binary = send(
        &d,
        &producer,
        &topic,
        2,
        "bin-hit",
        &[0xff, 0x00, 0xfe, 0x80],
        now,
    );
    want.insert(binary);
    recent += 1;
    let partitions: BTreeSet<i32> = want.iter().map(|(p, _)| *p).collect();
    assert_eq!(partitions.len(), 3, "the matches span every partition");

    d.keys(&format!(":messages {topic}"));
    d.press(KeyCode::Enter);
    assert_eq!(d.app.view(), ViewId::Messages);

    // A bad filter: refused in the prompt with jaq's reason, nothing started.
    d.keys("?.value ==");
    d.press(KeyCode::Enter);
    let Mode::Search(prompt) = d.app.mode() else {
        panic!("the prompt closed: {:?}", d.app.mode())
    };
    let reason = prompt.error.clone().unwrap();
    assert!(
        reason.starts_with("bad filter `.value ==`: expected"),
        "{reason}"
    );
    assert!(d.app.views().messages().current_search().is_none());
    assert!(
        !d.commands
            .iter()
            .any(|c| matches!(c, Command::StartSearch { .. })),
        "{:?}",
        d.commands
    );

    // The filter, corrected: the search starts on Enter.
    d.ctrl('u');
    d.keys(FILTER);
    d.press(KeyCode::Enter);
    assert_eq!(d.app.mode(), &Mode::Normal);
    d.until("the scan to reach the end offsets", |a| {
        a.views()
            .messages()
            .current_search()
            .is_some_and(|s| s.phase != SearchPhase::Starting && !s.is_scanning())
    });
    let s = d.app.views().messages().current_search().unwrap();
    assert_eq!(s.phase, SearchPhase::Following, "{:?}", s.phase);
    assert_eq!((s.partitions, s.total, s.scanned), (3, recent, recent));
    assert_eq!(s.matched, want.len() as u64);
    d.until("every match to be shown", |a| {
        a.views().messages().len() == want.len()
    });
    assert_eq!(d.shown(), want);
    let m = d.app.views().messages();
    let raw = (0..m.len())
        .filter_map(|i| m.get(i))
        .find(|r| (r.partition, r.offset) == binary)
        .unwrap();
    assert_eq!(raw.value.encoding, Encoding::Binary);

    // Live: a miss, then a hit after it on the same partition. Once the hit is
    // shown, the miss before it has been read and left out.
    send(
        &d,
        &producer,
        &topic,
        1,
        "live-miss",
        br#"{"kind":"miss"}"#,
        now,
    );
    let hit = send(
        &d,
        &producer,
        &topic,
        1,
        "live-hit",
        br#"{"kind":"hit"}"#,
        now,
    );
    want.insert(hit);
    let matched = want.len() as u64;
    d.until("the live match to be appended and counted", |a| {
        let m = a.views().messages();
        m.len() == want.len() && m.current_search().is_some_and(|s| s.matched == matched)
    });
    assert_eq!(d.shown(), want);
    let s = d.app.views().messages().current_search().unwrap();
    assert_eq!((s.scanned, s.live()), (recent + 2, 1));
    // Appended at the end, and selected as the newest.
    let m = d.app.views().messages();
    assert_eq!(
        m.get(m.len() - 1).map(|r| (r.partition, r.offset)),
        Some(hit)
    );

    // Esc: back to the tail, the search stopped.
    d.press(KeyCode::Esc);
    assert!(d.app.views().messages().current_search().is_none());
    assert!(matches!(d.commands.last(), Some(Command::StopSearch)));
    d.io.shutdown();
}
