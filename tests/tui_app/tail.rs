//! The live tail's controls: pause, resume, where it starts, stale sessions.

use crossterm::event::KeyCode;
use kaftop::tui::app::Level;
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop_core::kafka::sampler::{SamplerEvent, StartAt};

use crate::notice;
use crate::tui_support::*;

#[test]
fn tail_controls() {
    let mut a = app();
    let cmds = command(&mut a, "messages message.created");
    let [Command::StartTail { session: s1, .. }] = cmds[..] else {
        panic!("{cmds:?}")
    };
    assert!(matches!(
        &press(&mut a, &[KeyCode::Char('p')])[..],
        [Command::PauseTail]
    ));
    assert!(a.views().messages().paused);
    assert!(matches!(
        &press(&mut a, &[KeyCode::Char(' ')])[..],
        [Command::ResumeTail]
    ));
    let cmds = press(&mut a, &[KeyCode::Char('b')]);
    let [Command::StartTail {
        session: s2,
        start: StartAt::Beginning,
        ..
    }] = cmds[..]
    else {
        panic!("{cmds:?}")
    };
    assert!(s2 > s1);
    // Records of the old session are dropped.
    a.update(Event::Sampler {
        session: s1,
        event: SamplerEvent::Records {
            records: records(),
            skipped: 0,
        },
    });
    assert_eq!(a.views().messages().len(), 0);
    feed_records(&mut a, records());
    assert_eq!(a.views().messages().len(), 9);

    type_str(&mut a, "o-5");
    let cmds = a.update(key(KeyCode::Enter));
    assert!(
        matches!(
            &cmds[..],
            [Command::StartTail {
                start: StartAt::Offset(-5),
                ..
            }]
        ),
        "{cmds:?}"
    );
    type_str(&mut a, "t10m");
    let cmds = a.update(key(KeyCode::Enter));
    let want = T0_MS + 24_000 - 600_000;
    assert!(
        matches!(&cmds[..], [Command::StartTail { start: StartAt::Timestamp(ms), .. }] if *ms == want),
        "{cmds:?}"
    );
    type_str(&mut a, "oabc");
    assert!(a.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(notice(&a).0, Level::Error);
    // A tail that cannot start says why.
    let session = a.views().messages().session;
    a.update(Event::Sampler {
        session,
        event: SamplerEvent::Error("topic `x` does not exist".into()),
    });
    assert!(notice(&a).1.contains("does not exist"));
}
