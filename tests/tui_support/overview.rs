//! The overview's fixture: the fixed cluster of `tui_support` with what the
//! insight metrics add set by hand (throughput history, a timeline, exact and
//! estimated time lag, a stuck partition, a data-loss forecast and a loss, a
//! partition never committed), so the snapshots do not depend on how the
//! engine derives them.

use kaftop_core::kafka::record::render;
use kaftop_core::metrics::{
    ClusterMetrics, DataLoss, Severity, Stuck, ThroughputPoint, TimeLag, TimelineEvent,
    TimelineKind,
};

use super::{cluster, record, T0_MS};

/// When the fixture's last refresh was taken.
pub(crate) fn taken_at() -> i64 {
    cluster().taken_at_ms
}

fn event(
    secs_ago: i64,
    kind: TimelineKind,
    severity: Severity,
    group: Option<&str>,
    topic: Option<&str>,
    text: &str,
) -> TimelineEvent {
    TimelineEvent {
        at_ms: taken_at() - secs_ago * 1000,
        kind,
        severity,
        group: group.map(str::to_string),
        topic: topic.map(str::to_string),
        partition: None,
        broker: None,
        text: text.into(),
    }
}

fn lag(secs: f64, exact: bool) -> Option<TimeLag> {
    Some(TimeLag {
        secs,
        exact,
        note: (!exact).then(|| "not read yet this refresh".into()),
    })
}

/// The fixture cluster with the insight metrics filled in.
pub(crate) fn overview_cluster() -> ClusterMetrics {
    let mut c = cluster();
    let now = c.taken_at_ms;
    // Ten minutes of throughput every 10 s: produced climbs and falls back,
    // consumed trails it.
    c.throughput = (0..=60)
        .map(|i| {
            let x = i as f64;
            let produced = 100.0 + 80.0 * (x / 10.0).sin().abs() + x;
            ThroughputPoint {
                at_ms: now - (60 - i) * 10_000,
                produced,
                consumed: produced * 0.8,
            }
        })
        .collect();
    c.timeline = vec![
        event(
            540,
            TimelineKind::TopicCreated,
            Severity::Info,
            None,
            Some("orders"),
            "topic orders created (12 partitions)",
        ),
        event(
            300,
            TimelineKind::IsrShrank,
            Severity::Warn,
            None,
            Some("message.created"),
            "message.created-2 ISR shrank to 2,3 (broker 1 left)",
        ),
        event(
            200,
            TimelineKind::MemberLeft,
            Severity::Warn,
            Some("archive-service-group"),
            None,
            "member archive-1 (/10.0.0.51) left archive-service-group",
        ),
        event(
            60,
            TimelineKind::Rebalance,
            Severity::Crit,
            Some("analytics-service-group"),
            None,
            "analytics-service-group: 4 rebalances in 10 min",
        ),
    ];
    for g in &mut c.groups {
        match g.group_id.as_str() {
            "notification-service-group" => {
                g.time_lag = lag(1.0, true);
                for r in &mut g.rows {
                    r.time_lag = lag(1.0, true);
                }
            }
            "analytics-service-group" => {
                g.time_lag = lag(95.0, false);
                g.uncommitted = 1;
                if let Some(r) = g.rows.last_mut() {
                    r.uncommitted_waiting = Some(12);
                }
            }
            "read-receipt-service-group" => {
                g.time_lag = lag(133.0, true);
                g.stuck = 1;
                g.alerting = true;
                let r = &mut g.rows[1];
                r.time_lag = lag(133.0, true);
                r.stuck = Some(Box::new(Stuck {
                    offset: r.current_offset.unwrap_or(0),
                    since_ms: now - 133_000,
                    for_secs: 133.0,
                }));
            }
            "archive-service-group" => {
                g.time_lag = lag(3_700.0, true);
                g.data_loss = Some(DataLoss::Forecast { in_secs: 690.0 });
                g.rows[1].data_loss = Some(DataLoss::Forecast { in_secs: 690.0 });
                g.rows[2].data_loss = Some(DataLoss::Forecast { in_secs: 900.0 });
            }
            "orders-audit" => {
                g.data_loss = Some(DataLoss::Lost { records: 340 });
                g.rows[0].data_loss = Some(DataLoss::Lost { records: 340 });
            }
            _ => {}
        }
    }
    c
}

/// Records the ticker sampled from the busiest topic, oldest first.
pub(crate) fn ticker_records() -> Vec<kaftop_core::kafka::record::RecordView> {
    (0..4)
        .map(|i| {
            let mut r = record(
                4,
                2_300 + i,
                Some(b"k"),
                Some(format!(r#"{{"messageId":{},"content":"tick {i}"}}"#, 5000 + i).as_bytes()),
            );
            r.timestamp_ms = Some(T0_MS + 20_000 + i * 500);
            r.value = render(
                Some(format!(r#"{{"messageId":{},"content":"tick {i}"}}"#, 5000 + i).as_bytes()),
                512,
            );
            r
        })
        .collect()
}
