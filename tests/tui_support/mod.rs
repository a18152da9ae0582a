//! Fixtures of the TUI tests: a fixed cluster folded through the real metrics
//! engine, fixed records, an app at a fixed time, key helpers and a renderer
//! into ratatui's TestBackend.
#![allow(dead_code)] // each test binary uses its own subset

pub(crate) mod overview;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kaftop::tui::event::Event;
use kaftop::tui::keymap::Keymap;
use kaftop::tui::views::publish::EventTopics;
use kaftop::tui::{App, AppConfig};
use kaftop_core::config::LagConfig;
use kaftop_core::kafka::admin::{GroupState, GroupType, MemberDescription};
use kaftop_core::kafka::record::{render, RecordView};
use kaftop_core::kafka::sampler::{PartitionStart, SamplerEvent, StartAt};
use kaftop_core::kafka::snapshot::{
    BrokerInfo, ClusterSnapshot, GroupInfo, GroupOffset, PartitionInfo, TopicInfo,
};
use kaftop_core::metrics::engine::EngineConfig;
use kaftop_core::metrics::{ClusterMetrics, MetricsEngine};

/// 2026-11-24T10:15:30Z.
pub(crate) const T0_MS: i64 = 1_795_515_330_000;
pub(crate) const STEP_MS: u64 = 2_000;
pub(crate) const STEPS: u64 = 12;

pub(crate) fn config() -> AppConfig {
    AppConfig {
        profile: "test".into(),
        bootstrap: "127.0.0.1:9092".into(),
        topics: EventTopics {
            created: "message.created".into(),
            read: "message.read".into(),
            deleted: "message.deleted".into(),
        },
        keymap: Keymap::defaults(),
        utc_offset_secs: 0,
        now_ms: T0_MS,
        first_message_id: 1000,
        max_records: 2000,
        tail_start: StartAt::LastN(100),
        read_only: false,
        groups_reported_by: None,
        poll_interval: std::time::Duration::from_secs(2),
    }
}

/// A fresh app (no cluster yet) at a fixed time, 120×32.
pub(crate) fn bare_app() -> App {
    let mut app = App::new(config());
    app.update(Event::Resize(120, 32));
    app
}

/// An app that has seen the fixture cluster, on the Topics tab (key `1`; the
/// start screen is the overview, where the tests of `tui_views_overview` stay).
pub(crate) fn app() -> App {
    let mut app = bare_app();
    app.update(Event::Cluster(Box::new(cluster())));
    app.update(Event::Tick {
        now_ms: T0_MS + (STEPS * STEP_MS) as i64,
    });
    app.update(key(KeyCode::Char('1')));
    app
}

fn partition(id: i32, replicas: &[i32], isr: &[i32], high: i64) -> PartitionInfo {
    PartitionInfo {
        id,
        leader: replicas[0],
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        low: Some(0),
        high: Some(high),
        error: None,
    }
}

fn topic(name: &str, partitions: Vec<PartitionInfo>) -> TopicInfo {
    TopicInfo {
        name: name.into(),
        internal: false,
        partitions,
        min_insync_replicas: None,
        error: None,
    }
}

fn member(id: &str, host: &str, topic: &str, parts: &[i32]) -> MemberDescription {
    MemberDescription {
        member_id: id.into(),
        client_id: format!("{}-client", id.split('-').next().unwrap_or(id)),
        host: host.into(),
        assignment: parts.iter().map(|p| (topic.to_string(), *p)).collect(),
        target_assignment: None,
    }
}

fn group(
    id: &str,
    state: GroupState,
    members: Vec<MemberDescription>,
    offsets: Vec<(&str, i32, i64)>,
) -> GroupInfo {
    GroupInfo {
        group_id: id.into(),
        state: Some(state),
        group_type: Some(GroupType::Classic),
        protocol_type: None,
        members: Some(members),
        offsets: offsets
            .into_iter()
            .map(|(t, p, c)| GroupOffset {
                topic: t.into(),
                partition: p,
                committed: Some(c),
                share_lag: None,
            })
            .collect(),
        coordinator: None,
        error: None,
        detail: None,
    }
}

/// The cluster at step `i` (every `STEP_MS`): traffic on every topic, one
/// under-replicated partition, a hot partition, and one group per lag status.
pub(crate) fn snapshot(i: u64) -> ClusterSnapshot {
    let n = i as i64;
    let rf3 = |id: i32| -> Vec<i32> { (0..3).map(|k| 1 + (id + k) % 3).collect() };
    let created: Vec<PartitionInfo> = (0..6)
        .map(|p| {
            // Partition 4 takes most of the traffic: the hot partition.
            let per_step = if p == 4 { 200 } else { 10 };
            let high = 100 + p as i64 * 7 + per_step * n;
            let replicas = rf3(p);
            let isr = if p == 2 {
                replicas[..2].to_vec()
            } else {
                replicas.clone()
            };
            partition(p, &replicas, &isr, high)
        })
        .collect();
    let created_highs: Vec<i64> = created.iter().map(|p| p.high.unwrap_or(0)).collect();
    let read: Vec<PartitionInfo> = (0..3)
        .map(|p| partition(p, &rf3(p), &rf3(p), 400 + 5 * n + p as i64))
        .collect();
    let deleted: Vec<PartitionInfo> = (0..3)
        .map(|p| partition(p, &rf3(p), &rf3(p), 1800 + p as i64 * 100))
        .collect();
    let orders: Vec<PartitionInfo> = (0..12)
        .map(|p| partition(p, &rf3(p), &rf3(p), 50 + p as i64))
        .collect();

    let notification = group(
        "notification-service-group",
        GroupState::Stable,
        vec![
            member(
                "notification-1-aaaa",
                "/10.0.0.11",
                "message.created",
                &[0, 1, 2],
            ),
            member(
                "notification-2-bbbb",
                "/10.0.0.12",
                "message.created",
                &[3, 4, 5],
            ),
        ],
        (0..6)
            .map(|p| ("message.created", p, created_highs[p as usize] - 2))
            .collect(),
    );
    // Falls behind: commits move, lag grows → WARN.
    let analytics = group(
        "analytics-service-group",
        GroupState::Stable,
        vec![member(
            "analytics-1-cccc",
            "/10.0.0.21",
            "message.read",
            &[0, 1, 2],
        )],
        (0..3).map(|p| ("message.read", p, 390 + n)).collect(),
    );
    // Commits stopped 12 s ago with lag → STALL.
    let receipts = group(
        "read-receipt-service-group",
        GroupState::Stable,
        vec![member(
            "receipt-1-dddd",
            "/10.0.0.31",
            "message.read",
            &[0, 1, 2],
        )],
        (0..3)
            .map(|p| ("message.read", p, 380 + n.min(5)))
            .collect(),
    );
    // Never commits, big lag → STOP, over the threshold. Partition 0's commit
    // was read after its log end: a negative raw lag.
    let archive = group(
        "archive-service-group",
        GroupState::Empty,
        vec![],
        (0..3)
            .map(|p| ("message.deleted", p, if p == 0 { 1850 } else { 100 }))
            .collect(),
    );
    // Offsets reset backwards at the last step → REWIND.
    let committed = if i + 1 == STEPS { 10 } else { 40 + n };
    let orders_group = group(
        "orders-audit",
        GroupState::Stable,
        vec![member(
            "audit-1-eeee",
            "/10.0.0.41",
            "orders",
            &(0..12).collect::<Vec<_>>(),
        )],
        (0..12).map(|p| ("orders", p, committed)).collect(),
    );

    ClusterSnapshot {
        taken_at_ms: T0_MS + (i * STEP_MS) as i64,
        mono_ms: i * STEP_MS,
        connected: true,
        cluster_id: Some("kafka-test-cluster".into()),
        controller: Some(1),
        brokers: (1..=3)
            .map(|id| BrokerInfo {
                id,
                host: format!("kafka-{id}"),
                port: 9092,
            })
            .collect(),
        topics: vec![
            topic("message.created", created),
            topic("message.deleted", deleted),
            topic("message.read", read),
            topic("orders", orders),
        ],
        groups: vec![notification, analytics, receipts, archive, orders_group],
        errors: vec![],
        unsupported_group_types: Vec::new(),
        requests: 4,
        committed_records: vec![],
    }
}

pub(crate) fn engine() -> MetricsEngine {
    let mut lag = LagConfig::default();
    lag.groups.insert("notification-service-group".into(), 100);
    MetricsEngine::new(EngineConfig::for_interval(Duration::from_secs(2)), lag)
}

/// The metrics after `STEPS` refreshes of the fixture.
pub(crate) fn cluster() -> ClusterMetrics {
    let mut e = engine();
    let mut m = ClusterMetrics::default();
    for i in 0..STEPS {
        m = e.ingest(&snapshot(i));
    }
    m
}

/// A KIP-848 (consumer-protocol) group caught Reconciling: `orders-a` still owns
/// all four partitions of `orders` while `orders-b` joined and waits for two of
/// them; partition 3 has no committed offset yet.
pub(crate) fn reconciling_group_cluster() -> ClusterMetrics {
    engine().ingest(&reconciling_group_snapshot())
}

fn reconciling_group_snapshot() -> ClusterSnapshot {
    let mut a = member("orders-a-kip848", "/10.0.0.61", "orders", &[0, 1, 2, 3]);
    a.target_assignment = Some(vec![("orders".into(), 0), ("orders".into(), 1)]);
    let mut b = member("orders-b-kip848", "/10.0.0.62", "orders", &[]);
    b.target_assignment = Some(vec![("orders".into(), 2), ("orders".into(), 3)]);
    let mut g = group(
        "orders-kip848",
        GroupState::Reconciling,
        vec![a, b],
        (0..3).map(|p| ("orders", p, 40 + p as i64)).collect(),
    );
    g.group_type = Some(GroupType::Consumer);
    // One broker, so one replica each (more would read as brokers down).
    let parts: Vec<PartitionInfo> = (0..4)
        .map(|p| partition(p, &[1], &[1], 50 + p as i64))
        .collect();
    one_broker_snapshot(vec![topic("orders", parts)], vec![g])
}

/// A connected one-broker cluster (broker 1, `kafka-1:9092`) holding these.
fn one_broker_snapshot(topics: Vec<TopicInfo>, groups: Vec<GroupInfo>) -> ClusterSnapshot {
    ClusterSnapshot {
        taken_at_ms: T0_MS,
        connected: true,
        cluster_id: Some("kafka-test-cluster".into()),
        controller: Some(1),
        brokers: vec![BrokerInfo {
            id: 1,
            host: "kafka-1".into(),
            port: 9092,
        }],
        topics,
        groups,
        ..Default::default()
    }
}

/// The reconciling group's cluster plus a Kafka Connect worker group: one
/// member, no partitions, no committed offsets.
pub(crate) fn connect_group_cluster() -> ClusterMetrics {
    let mut snap = reconciling_group_snapshot();
    let mut worker = member("connect-1-5b2c", "/10.0.0.70", "orders", &[]);
    worker.client_id = "connect-1".into();
    let mut g = group("connect-cluster", GroupState::Stable, vec![worker], vec![]);
    g.protocol_type = Some("connect".into());
    snap.groups.push(g);
    engine().ingest(&snap)
}

/// A Kafka Streams application's group (KIP-1071) with two subtopologies, one
/// reading `clicks`, one `views` through a repartition topic; two members, each
/// with one active task of each, the second also a standby task.
pub(crate) fn streams_group_cluster() -> ClusterMetrics {
    use kaftop_core::kafka::group_types::{
        StreamsDetail, StreamsMember, Subtopology, TaskId, Tasks, TypedDetail,
    };
    let t = |sub: &str, partition| TaskId {
        subtopology: sub.into(),
        partition,
    };
    let streams_member = |id: &str, process: &str, active: Vec<TaskId>, standby: Vec<TaskId>| {
        let tasks = Tasks {
            active,
            standby,
            warmup: vec![],
        };
        StreamsMember {
            member_id: id.into(),
            process_id: process.into(),
            client_id: format!("{process}-StreamThread-1-consumer"),
            host: "/10.0.0.81".into(),
            member_epoch: 7,
            target_tasks: tasks.clone(),
            tasks,
        }
    };
    let members = vec![
        streams_member(
            "st-a-4f1e",
            "clicks-app-a",
            vec![t("0", 0), t("1", 0)],
            vec![],
        ),
        streams_member(
            "st-b-9c2d",
            "clicks-app-b",
            vec![t("0", 1), t("1", 1)],
            vec![t("0", 0)],
        ),
    ];
    let described = |m: &StreamsMember, p: i32| {
        let own = vec![("clicks".to_string(), p), ("views".to_string(), p)];
        MemberDescription {
            member_id: m.member_id.clone(),
            client_id: m.client_id.clone(),
            host: m.host.clone(),
            assignment: own.clone(),
            target_assignment: Some(own),
        }
    };
    let mut g = group(
        "clicks-app",
        GroupState::Stable,
        vec![described(&members[0], 0), described(&members[1], 1)],
        vec![
            ("clicks", 0, 90),
            ("clicks", 1, 88),
            ("views", 0, 40),
            ("views", 1, 41),
        ],
    );
    g.group_type = Some(GroupType::Streams);
    g.detail = Some(TypedDetail::Streams(StreamsDetail {
        topology_epoch: Some(0),
        subtopologies: vec![
            Subtopology {
                id: "0".into(),
                source_topics: vec!["clicks".into()],
                repartition_source_topics: vec![],
                changelog_topics: vec!["clicks-app-counts-changelog".into()],
            },
            Subtopology {
                id: "1".into(),
                source_topics: vec!["views".into()],
                repartition_source_topics: vec!["clicks-app-by-page-repartition".into()],
                changelog_topics: vec![],
            },
        ],
        members,
    }));
    let parts = |high: i64| -> Vec<PartitionInfo> {
        (0..2).map(|p| partition(p, &[1], &[1], high)).collect()
    };
    engine().ingest(&one_broker_snapshot(
        vec![topic("clicks", parts(90)), topic("views", parts(41))],
        vec![g],
    ))
}

/// A cluster whose one group has `rows` partitions (the render benchmark's shape).
pub(crate) fn big_group_cluster(rows: i32) -> ClusterMetrics {
    let parts: Vec<PartitionInfo> = (0..rows)
        .map(|p| partition(p, &[1, 2, 3], &[1, 2, 3], 10_000 + p as i64))
        .collect();
    let group = group(
        "big-group",
        GroupState::Stable,
        vec![member("big-1-ffff", "/10.0.0.51", "big", &[0])],
        (0..rows).map(|p| ("big", p, 9_000 + p as i64)).collect(),
    );
    two_refreshes(vec![topic("big", parts)], vec![group])
}

/// A cluster of groups each committed on all `rows` partitions of one topic:
/// `(id, lagging)`, a lagging group 1 000 records behind on each, the others
/// caught up.
pub(crate) fn groups_cluster(groups: &[(&str, bool)], rows: i32) -> ClusterMetrics {
    let parts: Vec<PartitionInfo> = (0..rows)
        .map(|p| partition(p, &[1], &[1], 10_000))
        .collect();
    let groups = groups
        .iter()
        .map(|&(id, lagging)| {
            let committed = if lagging { 9_000 } else { 10_000 };
            group(
                id,
                GroupState::Empty,
                Vec::new(),
                (0..rows).map(|p| ("big", p, committed)).collect(),
            )
        })
        .collect();
    two_refreshes(vec![topic("big", parts)], groups)
}

/// A cluster of the topics `names`, each of `parts` partitions, and no group.
pub(crate) fn topics_cluster(names: &[&str], parts: i32) -> ClusterMetrics {
    let topics = names
        .iter()
        .map(|name| {
            let parts = (0..parts).map(|p| partition(p, &[1], &[1], 10_000));
            topic(name, parts.collect())
        })
        .collect();
    two_refreshes(topics, Vec::new())
}

/// Two refreshes of one broker holding `topics` and `groups`.
fn two_refreshes(topics: Vec<TopicInfo>, groups: Vec<GroupInfo>) -> ClusterMetrics {
    let snap = |i: u64| ClusterSnapshot {
        taken_at_ms: T0_MS + (i * STEP_MS) as i64,
        mono_ms: i * STEP_MS,
        connected: true,
        cluster_id: Some("big".into()),
        brokers: vec![BrokerInfo {
            id: 1,
            host: "kafka-1".into(),
            port: 9092,
        }],
        topics: topics.clone(),
        groups: groups.clone(),
        ..Default::default()
    };
    let mut e = engine();
    e.ingest(&snap(0));
    e.ingest(&snap(1))
}

pub(crate) fn record(
    partition: i32,
    offset: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> RecordView {
    RecordView {
        topic: "message.created".into(),
        partition,
        offset,
        timestamp_ms: Some(T0_MS + offset * 1000),
        key: render(key, 1024),
        headers: vec![],
        value: render(value, 4096),
    }
}

/// Records of the Messages view: seed events, text, binary, and a huge value.
pub(crate) fn records() -> Vec<RecordView> {
    let mut v = Vec::new();
    for i in 0..5 {
        let json = format!(
            r#"{{"messageId":{id},"senderId":100,"receiverId":200,"content":"HelloKafka {i}","createdAt":"2026-11-24T10:15:3{i}.123"}}"#,
            id = 1000 + i
        );
        let key = (1000 + i).to_string();
        v.push(record(
            (i % 3) as i32,
            i,
            Some(key.as_bytes()),
            Some(json.as_bytes()),
        ));
    }
    let mut with_headers = record(
        1,
        5,
        Some(b"vip-42"),
        Some(r#"{"messageId":4242,"content":"새 메시지 도착"}"#.as_bytes()),
    );
    with_headers.headers = vec![
        ("traceId".into(), render(Some(b"abc123"), 1024)),
        ("source".into(), render(Some(b"spring-boot"), 1024)),
    ];
    v.push(with_headers);
    v.push(record(2, 6, None, Some(b"plain text, not JSON")));
    v.push(record(
        0,
        7,
        Some(b"bin"),
        Some(&[0, 1, 2, 0xff, 0xfe, 0x80, 0x7f]),
    ));
    let huge = format!(r#"{{"content":"{}"}}"#, "x".repeat(10_000));
    let mut big = record(1, 8, Some(b"huge"), None);
    big.value = render(Some(huge.as_bytes()), 200);
    v.push(big);
    v
}

/// Feeds records as the sampler would, for the app's current tail session.
pub(crate) fn feed_records(app: &mut App, records: Vec<RecordView>) {
    let session = app.views().messages().session;
    app.update(Event::Sampler {
        session,
        event: SamplerEvent::Started(vec![
            PartitionStart {
                partition: 0,
                start: 0,
                end: 3,
            };
            3
        ]),
    });
    app.update(Event::Sampler {
        session,
        event: SamplerEvent::Records {
            records,
            skipped: 0,
        },
    });
}

pub(crate) fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(crate) fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Sends each character as a key press; returns every command produced.
pub(crate) fn type_str(app: &mut App, s: &str) -> Vec<kaftop::tui::command::Command> {
    let mut out = Vec::new();
    for c in s.chars() {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        out.extend(app.update(Event::Key(KeyEvent::new(KeyCode::Char(c), mods))));
    }
    out
}

/// Presses keys; returns every command produced.
pub(crate) fn press(app: &mut App, codes: &[KeyCode]) -> Vec<kaftop::tui::command::Command> {
    codes.iter().flat_map(|c| app.update(key(*c))).collect()
}

/// Types `:line` and Enter.
/// Selects the publish form's field `name` and replaces its text by typing.
pub(crate) fn set_field(app: &mut App, name: &str, text: &str) {
    let at = app
        .views()
        .publish()
        .form()
        .fields
        .iter()
        .position(|f| f.name == name)
        .expect("field on the form");
    press(app, &[KeyCode::Char('g')]);
    for _ in 0..at {
        press(app, &[KeyCode::Char('j')]);
    }
    press(app, &[KeyCode::Enter]);
    app.update(ctrl('u'));
    type_str(app, text);
    press(app, &[KeyCode::Esc]);
}

pub(crate) fn command(app: &mut App, line: &str) -> Vec<kaftop::tui::command::Command> {
    let mut out = type_str(app, &format!(":{line}"));
    out.extend(app.update(key(KeyCode::Enter)));
    out
}

pub(crate) fn terminal(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).expect("test terminal")
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub(crate) fn render_app(app: &App, w: u16, h: u16) -> String {
    let mut t = terminal(w, h);
    t.draw(|f| kaftop::tui::app::draw(f, app)).expect("draw");
    buffer_text(t.backend().buffer())
}

pub(crate) fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            // A wide character covers the next cell too.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Four running services with a notification, a receipt and today's figures.
pub(crate) fn services_snapshot() -> kaftop_services::ServicesSnapshot {
    use kaftop_services::analytics::DailyStats;
    use kaftop_services::notification::{NotificationData, PushNotification};
    use kaftop_services::read_receipt::ReadReceipt;
    use kaftop_services::stats::CounterValues;
    use kaftop_services::ServiceName;
    use kaftop_services::{ServiceSnapshot, ServiceState, ServicesSnapshot, StoreFigures};

    let at = chrono::DateTime::from_timestamp_millis(T0_MS).unwrap();
    let service = |name, group: &str, consumed, processed| ServiceSnapshot {
        name,
        group: group.into(),
        topics: vec!["message.created".into()],
        state: ServiceState::Running,
        consumers: 1,
        assigned: vec![("message.created".into(), 0)],
        counters: CounterValues {
            consumed,
            processed,
            dead_lettered: consumed - processed,
            ..Default::default()
        },
        pending: Some(0),
        processed_per_sec: 12.5,
        last_error: None,
        stalled: None,
    };
    ServicesSnapshot {
        taken_at: at,
        services: vec![
            service(
                ServiceName::Notification,
                "notification-service-group",
                120,
                118,
            ),
            service(ServiceName::Analytics, "analytics-service-group", 200, 200),
            service(
                ServiceName::ReadReceipt,
                "read-receipt-service-group",
                80,
                80,
            ),
            service(ServiceName::Archive, "archive-service-group", 5, 5),
        ],
        notifications: vec![PushNotification {
            user_id: 200,
            title: "새 메시지 도착".into(),
            body: "HelloKafka".into(),
            kind: "MESSAGE".into(),
            data: NotificationData { message_id: 1000 },
            vip: false,
            created_at: at,
        }],
        receipts: vec![ReadReceipt {
            message_id: 1000,
            sender_id: 100,
            receiver_id: 200,
            read_at: kaftop_core::events::EventTime::parse("2026-11-24T10:16:00").unwrap(),
            vip: false,
        }],
        store: Ok(StoreFigures {
            today: DailyStats {
                date: "2026-11-24".into(),
                messages: 120,
                distinct_senders: 17,
                reads: 80,
            },
            archived: 5,
            last_purge: None,
        }),
        next_purge: None,
    }
}
