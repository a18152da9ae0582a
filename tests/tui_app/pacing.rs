//! The header while the cluster is slow to read: how far the first refresh has
//! got, and a refresh that outlasted the interval.

use std::time::Duration;

use kaftop::tui::event::Event;
use kaftop_core::kafka::poller::Step;
use kaftop_core::kafka::progress::ProgressNow;
use kaftop_core::monitor::{next_wait, Pace};

use crate::tui_support::*;

fn header(a: &kaftop::tui::App) -> String {
    render_app(a, 200, 32).lines().next().unwrap().to_string()
}

#[test]
fn the_first_frame_says_how_far_the_first_refresh_has_got() {
    let mut a = bare_app();
    assert!(header(&a).contains("… connecting"), "{}", header(&a));
    a.update(Event::Reading(ProgressNow {
        step: Some(Step::Metadata),
        groups_done: 0,
        groups_total: 0,
    }));
    assert!(header(&a).contains("… reading metadata"), "{}", header(&a));
    a.update(Event::Reading(ProgressNow {
        step: Some(Step::CommittedOffsets),
        groups_done: 400,
        groups_total: 2_000,
    }));
    assert!(a.take_dirty());
    assert!(
        header(&a).contains("… reading 400 of 2,000 groups"),
        "{}",
        header(&a)
    );
}

#[test]
fn a_refresh_slower_than_the_interval_is_said_in_the_header() {
    let mut a = bare_app();
    let interval = Duration::from_secs(5);
    let took = Duration::from_millis(14_300);
    a.update(Event::Pace(Pace {
        interval,
        took,
        wait: next_wait(interval, 0, took),
    }));
    a.update(Event::Cluster(Box::new(cluster())));
    let h = header(&a);
    assert!(
        h.contains("refresh 14.3s > interval 5s: refreshing every 15s"),
        "{h}"
    );
    // Back on time: the note goes.
    a.update(Event::Pace(Pace {
        interval,
        took: Duration::from_millis(800),
        wait: interval,
    }));
    a.update(Event::Cluster(Box::new(cluster())));
    let h = header(&a);
    assert!(!h.contains("refreshing every"), "{h}");
    assert!(h.contains("refreshed"), "{h}");
}
