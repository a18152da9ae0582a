//! Notices in the status bar: when they expire and when a later success clears
//! an error.

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop_core::kafka::sampler::SamplerEvent;

use crate::notice;
use crate::tui_support::*;

#[test]
fn notices_expire() {
    let mut a = app();
    command(&mut a, "nope");
    assert_eq!(notice(&a).0, Level::Error);
    a.take_dirty();
    a.update(Event::Tick {
        now_ms: T0_MS + 30_000,
    });
    assert!(a.notice().is_some());
    a.update(Event::Tick {
        now_ms: T0_MS + 60_000,
    });
    assert!(a.notice().is_none());
    assert!(a.take_dirty(), "the status bar changed");
}

#[test]
fn a_later_success_clears_an_old_error() {
    use kaftop::tui::app::Source;
    let mut a = app();
    // A bad command, then one that works: the old error goes.
    command(&mut a, "nope");
    assert_eq!(a.error_source(), Some(Source::Input));
    command(&mut a, "topic orders");
    assert_eq!(a.view(), ViewId::TopicDetail);
    assert_eq!(a.notice(), None);
    // A key that raises a new error shows the new one.
    command(&mut a, "nope");
    command(&mut a, "group no-such-group");
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "no consumer group `no-such-group` (with committed offsets)".into()
        )
    );

    // A failed delivery, then the user moves on: the error goes.
    command(&mut a, "publish");
    let cmds = press(&mut a, &[KeyCode::Char('s')]);
    let [Command::PublishEvent { request, .. }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    a.update(Event::Published {
        request: *request,
        result: Err("delivery failed: Message timed out".into()),
    });
    assert_eq!(a.error_source(), Some(Source::Publish));
    press(&mut a, &[KeyCode::Char('j')]);
    assert_eq!(a.notice(), None);

    // A tail that failed to start: moving about does not hide it, a tail that
    // starts does.
    command(&mut a, "messages message.created");
    let session = a.views().messages().session;
    a.update(Event::Sampler {
        session,
        event: SamplerEvent::Error("cannot reach the cluster".into()),
    });
    assert_eq!(
        notice(&a),
        (Level::Error, "tail: cannot reach the cluster".into())
    );
    press(&mut a, &[KeyCode::Char('j')]);
    assert_eq!(a.error_source(), Some(Source::Tail));
    press(&mut a, &[KeyCode::Char('b')]);
    feed_records(&mut a, records());
    assert_eq!(a.notice(), None);

    // Refresh errors stay while the cluster reports them, whatever the user
    // does, and go with the first clean refresh.
    let mut partial = cluster();
    partial.errors = vec!["describing groups: CoordinatorNotAvailable".into()];
    a.update(Event::Cluster(Box::new(partial.clone())));
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "describing groups: CoordinatorNotAvailable".into()
        )
    );
    press(&mut a, &[KeyCode::Char('1'), KeyCode::Char('j')]);
    a.update(Event::Cluster(Box::new(partial)));
    assert_eq!(a.error_source(), Some(Source::Cluster));
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(a.notice(), None);
}
