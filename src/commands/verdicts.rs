//! One verdict everywhere: a scripted cluster history goes through the metrics
//! engine once, and every surface that shows a group's status (`kaftop lag` as
//! text and JSON, the incident snapshot, the dashboard's Groups tab, `/metrics`
//! and `kaftop events`) must say what the engine said, at every refresh. A
//! one-shot command (a fresh engine, one read) must judge what one read shows
//! the same way, and say what it cannot know.

use std::collections::BTreeMap;
use std::time::Duration;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::surfaces::{app_config, keys};
use crate::serve::metrics::{Exporter, Format};
use crate::tui::event::Event;
use crate::tui::{app, App};
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, LagStatus, MetricsEngine, TimelineKind};
use kaftop_core::report::Incident;

/// 2026-11-24T10:15:30Z.
const NOW: i64 = 1_795_515_330_000;
const TOPIC: &str = "message.created";
/// The groups, one per partition: no members and 86 692 records behind; a
/// member that keeps up; a member whose committed offset stops moving.
const GROUPS: [&str; 3] = ["idle", "steady", "frozen"];
const STATUSES: [&str; 5] = ["OK", "WARN", "STALL", "STOP", "REWIND"];

fn member(partition: i32) -> MemberDescription {
    MemberDescription {
        member_id: format!("m-{partition}"),
        client_id: format!("c-{partition}"),
        host: "/10.0.0.1".into(),
        assignment: vec![(TOPIC.into(), partition)],
        target_assignment: None,
    }
}

fn group(id: &str, partition: i32, committed: i64, members: Vec<MemberDescription>) -> GroupInfo {
    GroupInfo {
        group_id: id.into(),
        state: Some(if members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        }),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(members),
        offsets: vec![GroupOffset {
            topic: TOPIC.into(),
            partition,
            committed: Some(committed),
            share_lag: None,
        }],
        coordinator: Some(1),
        error: None,
        detail: None,
    }
}

/// The cluster at refresh `k` (one a second): 10 records a second on each
/// partition.
fn snapshot(k: i64) -> ClusterSnapshot {
    let end = |base: i64| base + 10 * k;
    let partitions = [87_692, 500, 200]
        .into_iter()
        .enumerate()
        .map(|(i, base)| PartitionInfo {
            id: i as i32,
            leader: 1,
            replicas: vec![1],
            isr: vec![1],
            low: Some(0),
            high: Some(end(base)),
            error: None,
        })
        .collect();
    ClusterSnapshot {
        taken_at_ms: NOW + k * 1000,
        mono_ms: k as u64 * 1000,
        connected: true,
        cluster_id: Some("verdicts".into()),
        controller: Some(1),
        brokers: vec![BrokerInfo {
            id: 1,
            host: "127.0.0.1".into(),
            port: 9092,
        }],
        topics: vec![TopicInfo {
            name: TOPIC.into(),
            partitions,
            ..TopicInfo::default()
        }],
        groups: vec![
            group("idle", 0, 1000, Vec::new()),
            group("steady", 1, end(500) - 5, vec![member(1)]),
            group("frozen", 2, 150, vec![member(2)]),
        ],
        ..ClusterSnapshot::default()
    }
}

fn engine() -> MetricsEngine {
    MetricsEngine::new(
        EngineConfig::for_interval(Duration::from_secs(1)),
        LagConfig::default(),
    )
}

type Verdicts = BTreeMap<String, String>;

fn engine_verdicts(m: &ClusterMetrics) -> Verdicts {
    m.groups
        .iter()
        .map(|g| (g.group_id.clone(), g.status.as_str().to_string()))
        .collect()
}

/// `kaftop lag`: `idle: type Classic, …, status STOP (…)`.
fn lag_text(m: &ClusterMetrics) -> Verdicts {
    let text = super::lag::render_table(&m.groups);
    GROUPS
        .iter()
        .map(|id| {
            let head = text
                .lines()
                .find(|l| l.starts_with(&format!("{id}: ")))
                .unwrap_or_else(|| panic!("no header for {id}:\n{text}"));
            let (_, after) = head
                .split_once(", status ")
                .unwrap_or_else(|| panic!("no status in {head}"));
            let word = after.split([' ', ',']).next().unwrap_or_default();
            (id.to_string(), word.to_string())
        })
        .collect()
}

/// `kaftop lag --json`: every row carries its group's status.
fn lag_json(m: &ClusterMetrics) -> Verdicts {
    let rows: Vec<_> = m.groups.iter().flat_map(super::lag::json_rows).collect();
    let v = serde_json::to_value(&rows).expect("json");
    let mut out = Verdicts::new();
    for r in v.as_array().expect("rows") {
        let id = r["group"].as_str().expect("group").to_string();
        let status = r["group_status"]
            .as_str()
            .expect("group_status")
            .to_string();
        let was = out.insert(id.clone(), status.clone());
        assert!(was.is_none_or(|w| w == status), "{id}: rows disagree");
    }
    out
}

/// The incident snapshot, Markdown and JSON: a group it leaves out is healthy.
fn incident(m: &ClusterMetrics) -> (Verdicts, Verdicts) {
    let report = Incident::build(m, &[]);
    let md = kaftop_core::report::markdown::render(&report);
    let json = serde_json::to_value(&report).expect("json");
    let from_md = GROUPS.iter().map(|id| {
        let status = STATUSES
            .iter()
            .find(|s| md.contains(&format!("### {id} ({s})")))
            .map_or("OK", |s| s);
        (id.to_string(), status.to_string())
    });
    let from_json = GROUPS.iter().map(|id| {
        let status = json["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["group_id"] == *id)
            .map_or("OK".to_string(), |g| {
                g["status"].as_str().expect("status").to_string()
            });
        (id.to_string(), status)
    });
    (from_md.collect(), from_json.collect())
}

/// The dashboard's Groups tab: the group's line carries one status word.
fn dashboard(m: &ClusterMetrics) -> Verdicts {
    let mut app = App::new(app_config());
    app.update(Event::Resize(200, 30));
    app.update(Event::Cluster(Box::new(m.clone())));
    keys(&mut app, "2");
    let mut t = Terminal::new(TestBackend::new(200, 30)).expect("test terminal");
    t.draw(|f| app::draw(f, &app)).expect("draw");
    let buf = t.backend().buffer();
    let lines: Vec<String> = (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    GROUPS
        .iter()
        .map(|id| {
            let line = lines
                .iter()
                .find(|l| l.split(|c: char| !c.is_alphanumeric()).any(|w| w == *id))
                .unwrap_or_else(|| panic!("{id} not on the Groups tab:\n{}", lines.join("\n")));
            let words: Vec<&str> = line
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| STATUSES.contains(w))
                .collect();
            assert_eq!(words.len(), 1, "{line}");
            (id.to_string(), words[0].to_string())
        })
        .collect()
}

/// `/metrics`: the status whose gauge is 1.
fn exporter(m: &ClusterMetrics) -> Verdicts {
    let e = Exporter::new();
    e.observe_cluster(m, Duration::from_millis(10), true);
    let body =
        String::from_utf8(e.encode(Format::Prometheus).expect("encode").to_vec()).expect("utf-8");
    GROUPS
        .iter()
        .map(|id| {
            let set: Vec<&str> = STATUSES
                .iter()
                .filter(|s| {
                    body.lines().any(|l| {
                        l.starts_with("kaftop_consumergroup_status{")
                            && l.contains(&format!("group=\"{id}\""))
                            && l.contains(&format!("status=\"{s}\""))
                            && l.ends_with(" 1")
                    })
                })
                .copied()
                .collect();
            assert_eq!(set.len(), 1, "{id}: {set:?}\n{body}");
            (id.to_string(), set[0].to_string())
        })
        .collect()
}

#[test]
fn every_surface_gives_a_group_the_engine_s_verdict() {
    let mut e = engine();
    // `kaftop events`: the verdicts of the first refresh, then the changes it prints.
    let mut from_events: Option<Verdicts> = None;
    let mut seen = Vec::new();
    for k in 0..14 {
        let (m, found) = e.ingest_with_events(&snapshot(k));
        let want = engine_verdicts(&m);
        let events = from_events.get_or_insert_with(|| want.clone());
        for ev in found
            .iter()
            .filter(|e| e.kind == TimelineKind::StatusChanged)
        {
            let line = super::events::line(ev);
            let group = ev.group.clone().expect("a group's event");
            let to = line
                .split(" → ")
                .nth(1)
                .and_then(|s| s.split([':', ' ']).next())
                .unwrap_or_else(|| panic!("{line}"));
            events.insert(group, to.to_string());
        }
        let (md, json) = incident(&m);
        for (surface, got) in [
            ("kaftop lag", lag_text(&m)),
            ("kaftop lag --json", lag_json(&m)),
            ("the incident snapshot", md),
            ("the incident snapshot's JSON", json),
            ("the dashboard", dashboard(&m)),
            ("/metrics", exporter(&m)),
            ("kaftop events", events.clone()),
        ] {
            assert_eq!(got, want, "{surface} at refresh {k}");
        }
        seen.push(want);
    }
    // The history the engine was fed: the idle group is stopped from the first
    // read; the frozen one goes OK → WARN → STALL → STOP as its window fills.
    let of = |id: &str| -> Vec<&str> { seen.iter().map(|v| v[id].as_str()).collect() };
    assert!(of("idle").iter().all(|s| *s == "STOP"), "{:?}", of("idle"));
    assert!(
        of("steady").iter().all(|s| *s == "OK"),
        "{:?}",
        of("steady")
    );
    let frozen = of("frozen");
    for s in ["OK", "WARN", "STALL", "STOP"] {
        assert!(frozen.contains(&s), "{frozen:?}");
    }
}

#[test]
fn one_read_judges_what_one_read_shows_and_says_what_it_cannot() {
    // The dashboard after a full window, and `kaftop lag` (a fresh engine, one
    // read) at the same moment.
    let mut watching = engine();
    let mut dashboard = ClusterMetrics::default();
    for k in 0..14 {
        dashboard = watching.ingest(&snapshot(k));
    }
    let once = engine().ingest(&snapshot(13));
    let status = |m: &ClusterMetrics, id: &str| {
        m.groups
            .iter()
            .find(|g| g.group_id == id)
            .map(|g| g.status)
            .expect("group")
    };
    // No members and lag behind the log end: one read shows it.
    assert_eq!(status(&once, "idle"), LagStatus::Stop);
    assert_eq!(status(&dashboard, "idle"), LagStatus::Stop);
    // A frozen offset needs history: one read does not guess, and says so.
    assert_eq!(status(&dashboard, "frozen"), LagStatus::Stop);
    assert_eq!(status(&once, "frozen"), LagStatus::Ok);
    let text = super::lag::render_table(&once.groups);
    assert!(
        text.contains(
            "86,822 (threshold 1,000) ALERT, status STOP (no members, lag behind the log end; \
             no history: one read)"
        ),
        "{text}"
    );
    assert!(
        text.contains("frozen: type Classic, state Stable, 1 members, total lag 180 (threshold 1,000), status OK (no history: one read)"),
        "{text}"
    );
    let report = kaftop_core::report::markdown::render(&Incident::build(&once, &[]));
    assert!(
        report.contains(
            "- idle: STOP (no members, lag behind the log end; no history: one read) · lag 86,822"
        ),
        "{report}"
    );
    // With a full window the dashboard's words carry no history note.
    let full = super::lag::render_table(&dashboard.groups);
    assert!(
        full.contains("status STOP (no members, lag behind the log end)"),
        "{full}"
    );
    assert!(!full.contains("history"), "{full}");
}
