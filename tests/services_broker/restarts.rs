//! Services stopped and started again mid-stream count nothing twice.

use std::time::Duration;

use kaftop_services::{self as services, ServiceName, ServiceState};

use crate::common::wait_for;
use crate::effects::{assert_conservation, committed_total, counters, day};
use crate::producer::{created, Producer, Rec};
use crate::{env, test_options, D1};

#[test]
fn restarts_mid_stream_do_not_double_count() {
    let env = env("svc-restart", "");
    let t = env.topics.created.clone();
    let p = Producer::new();
    let make = |ids: std::ops::RangeInclusive<i64>| -> Vec<Rec> {
        ids.map(|id| created(&env.topics, id, 100 + id % 7, 200, "2026-11-24T08:00:00"))
            .collect()
    };
    let which = [ServiceName::Analytics, ServiceName::Notification];
    let mut opts = test_options(&env);
    opts.concurrency = 2;
    opts.batch_size = 25;

    // Phase A, consumed completely, then a full graceful shutdown.
    p.send(&make(1..=300));
    let handle = services::start(&env.cfg, opts.clone(), &which).unwrap();
    wait_for("phase A", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed == 300 && counters(&r, "notification").consumed == 300)
            .then_some(())
    });
    handle.shutdown();

    // Phase B while a producer is still writing: 300 new messages and 20 exact
    // duplicates of phase A, in small chunks. Analytics is stopped mid-stream and
    // started again.
    let handle = services::start(&env.cfg, opts, &which).unwrap();
    let mut b = make(301..=600);
    b.extend(make(1..=20));
    let writer = std::thread::spawn(move || {
        let p = Producer::new();
        for chunk in b.chunks(20) {
            p.send(chunk);
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    wait_for("some of phase B", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed > 300).then_some(())
    });
    handle.stop_service(ServiceName::Analytics);
    let stopped_at = counters(&handle.report().unwrap(), "analytics").consumed;
    assert_eq!(
        handle
            .stats()
            .service(ServiceName::Analytics)
            .unwrap()
            .state,
        ServiceState::Stopped
    );
    writer.join().unwrap();
    handle.start_service(ServiceName::Analytics).unwrap();
    let r = wait_for("phase B", Duration::from_secs(60), || {
        let r = handle.report().unwrap();
        (counters(&r, "analytics").consumed >= 620 && counters(&r, "notification").consumed >= 620)
            .then_some(r)
    });
    handle.shutdown();
    eprintln!("analytics stopped at {stopped_at} of 620 consumed");

    // Exactly once in effect; and no committed record was delivered again (the only
    // dedupe hits are the 20 duplicates that were published).
    assert_eq!(day(&r, D1), (600, 7, 0));
    assert_eq!(r.notifications, 600);
    for s in ["analytics", "notification"] {
        let c = counters(&r, s);
        assert_eq!(
            (c.consumed, c.processed, c.dedupe_hits, c.dead_lettered),
            (620, 600, 20, 0),
            "{s}"
        );
    }
    assert_conservation(&r);
    let g = |s| services::ServicesOptions::for_config(&env.cfg).group(s);
    assert_eq!(committed_total(&g(ServiceName::Analytics), &t), 620);
    assert_eq!(committed_total(&g(ServiceName::Notification), &t), 620);
}
