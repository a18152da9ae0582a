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

/// `x` in Messages shows a schema-decoded value as the bytes on the wire (hex),
/// and `x` again the decoded value; records without a schema are unaffected.
#[test]
fn raw_toggle_shows_the_bytes_a_schema_decoded() {
    use kaftop_core::kafka::record::render_decoded;
    use kaftop_core::schema::decoder::SchemaInfo;
    use kaftop_core::schema::{Decoded, SchemaKind};

    let mut a = app();
    command(&mut a, "messages message.created");
    // Confluent framing: magic 0, schema id 7, then the Avro body of {"n": 21}.
    let wire = [0u8, 0, 0, 0, 7, 42];
    let decoded = Decoded::Value {
        json: serde_json::json!({ "n": 21 }),
        schema: SchemaInfo {
            kind: SchemaKind::Avro,
            id: Some(7),
            subject: Some("message.created-value".into()),
            version: Some(1),
            message: None,
            file: None,
        },
    };
    let mut r = record(0, 0, Some(b"k"), None);
    r.value = render_decoded(Some(&wire), 4096, decoded);
    feed_records(&mut a, vec![r]);

    let screen = render_app(&a, 120, 30);
    assert!(screen.contains("\"n\": 21"), "{screen}");
    assert!(screen.contains("x: raw"), "{screen}");
    assert!(!screen.contains("00 00 00 00 07 2a"), "{screen}");

    press(&mut a, &[KeyCode::Char('x')]);
    let screen = render_app(&a, 120, 30);
    // The list keeps the decoded value; the detail pane shows the bytes.
    let (_, detail) = screen.split_once("┌ Record").unwrap();
    assert!(detail.contains("00 00 00 00 07 2a"), "{screen}");
    assert!(detail.contains("raw bytes (hex)"), "{screen}");
    assert!(detail.contains("x: decoded"), "{screen}");
    assert!(!detail.contains("\"n\": 21"), "{screen}");

    press(&mut a, &[KeyCode::Char('x')]);
    assert!(render_app(&a, 120, 30).contains("\"n\": 21"));
}
