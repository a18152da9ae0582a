//! The Messages view's search (`?`): the prompt, what it asks the I/O side for,
//! the reports of a search folded into the view, Esc, and a bad filter refused
//! in the prompt.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use kaftop::tui::command::Command;
use kaftop::tui::event::{Event, SearchEvent};
use kaftop::tui::keymap::Keymap;
use kaftop::tui::modes::Mode;
use kaftop::tui::views::messages::search::SearchPhase;
use kaftop::tui::App;
use kaftop_core::kafka::record::RecordView;

use crate::tui_support::*;

/// Records as the search would find them: offsets 3 and 4 of the fixture.
fn found() -> Vec<RecordView> {
    records()
        .into_iter()
        .filter(|r| r.offset >= 3 && r.offset <= 4)
        .collect()
}

fn messages_app() -> App {
    let mut a = app();
    command(&mut a, "messages message.created");
    feed_records(&mut a, records());
    a
}

/// Types a search and Enter; returns the commands.
fn search(a: &mut App, text: &str) -> Vec<Command> {
    let mut cmds = press(a, &[KeyCode::Char('?')]);
    assert!(matches!(a.mode(), Mode::Search(_)), "{:?}", a.mode());
    a.update(ctrl('u'));
    cmds.extend(type_str(a, text));
    cmds.extend(a.update(key(KeyCode::Enter)));
    cmds
}

fn report(a: &mut App, event: SearchEvent) {
    let session = a.views().messages().search_session;
    a.update(Event::Search {
        search: session,
        event,
    });
}

fn shown_offsets(a: &App) -> Vec<(i32, i64)> {
    let m = a.views().messages();
    (0..m.len())
        .filter_map(|i| m.get(i).map(|r| (r.partition, r.offset)))
        .collect()
}

#[test]
fn a_search_runs_shows_its_matches_follows_live_and_esc_returns_to_the_tail() {
    let mut a = messages_app();
    let now = T0_MS + (STEPS * STEP_MS) as i64;
    let cmds = search(&mut a, ".value.messageId >= 1003");
    let [Command::StartSearch {
        search: session,
        topic,
        filter,
        since_ms,
        keep,
    }] = &cmds[..]
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (topic.as_str(), filter.as_str(), *since_ms, *keep),
        (
            "message.created",
            ".value.messageId >= 1003",
            Some(now - 3_600_000),
            10_000
        )
    );
    assert_eq!(*session, a.views().messages().search_session);
    assert_eq!(a.mode(), &Mode::Normal);
    // Nothing found yet: the tail's records are not shown under the search.
    assert_eq!(a.views().messages().len(), 0);

    report(
        &mut a,
        SearchEvent::Started {
            partitions: 3,
            total: 9,
        },
    );
    report(
        &mut a,
        SearchEvent::Records {
            records: found(),
            dropped: 0,
        },
    );
    report(
        &mut a,
        SearchEvent::Progress {
            scanned: 6,
            matched: 2,
            per_sec: Some(12.0),
        },
    );
    let s = a.views().messages().current_search().unwrap();
    assert_eq!(s.phase, SearchPhase::Scanning);
    assert_eq!((s.scanned, s.matched, s.total), (6, 2, 9));
    assert_eq!(shown_offsets(&a), vec![(0, 3), (1, 4)]);
    // The detail pane shows the selected match (the newest, as the tail does).
    assert_eq!(a.views().messages().selected().map(|r| r.offset), Some(4));

    report(
        &mut a,
        SearchEvent::ScanDone {
            scanned: 9,
            matched: 2,
        },
    );
    let mut live = record(2, 9, Some(b"k9"), Some(br#"{"messageId":1009}"#));
    live.topic = "message.created".into();
    report(
        &mut a,
        SearchEvent::Records {
            records: vec![live],
            dropped: 0,
        },
    );
    report(
        &mut a,
        SearchEvent::Progress {
            scanned: 10,
            matched: 3,
            per_sec: None,
        },
    );
    let s = a.views().messages().current_search().unwrap();
    assert_eq!((s.phase.clone(), s.live()), (SearchPhase::Following, 1));
    assert_eq!(shown_offsets(&a), vec![(0, 3), (1, 4), (2, 9)]);

    // Reports of an older search are ignored.
    a.update(Event::Search {
        search: session - 1,
        event: SearchEvent::Records {
            records: records(),
            dropped: 0,
        },
    });
    assert_eq!(a.views().messages().len(), 3);

    // The tail's records keep arriving underneath, unseen while searching.
    feed_records(&mut a, vec![record(0, 10, None, Some(b"tail only"))]);
    assert_eq!(a.views().messages().len(), 3);

    // Esc after the scan: back to the tail, whose records are all there.
    let cmds = a.update(key(KeyCode::Esc));
    assert!(matches!(&cmds[..], [Command::StopSearch]), "{cmds:?}");
    assert!(a.views().messages().current_search().is_none());
    assert_eq!(a.views().messages().len(), 10);
    assert_eq!(a.view(), kaftop::tui::app::ViewId::Messages);
}

#[test]
fn esc_while_scanning_cancels_and_keeps_what_was_found() {
    let mut a = messages_app();
    search(&mut a, ".key == \"1003\"");
    report(
        &mut a,
        SearchEvent::Records {
            records: found(),
            dropped: 0,
        },
    );
    let cmds = a.update(key(KeyCode::Esc));
    assert!(matches!(&cmds[..], [Command::StopSearch]), "{cmds:?}");
    let s = a.views().messages().current_search().unwrap();
    assert_eq!(s.phase, SearchPhase::Cancelled);
    assert_eq!(a.views().messages().len(), 2);
    // A late end of scan does not bring a cancelled search back to life.
    report(
        &mut a,
        SearchEvent::ScanDone {
            scanned: 9,
            matched: 2,
        },
    );
    let s = a.views().messages().current_search().unwrap();
    assert_eq!(s.phase, SearchPhase::Cancelled);
    // Esc again: the tail.
    a.update(key(KeyCode::Esc));
    assert!(a.views().messages().current_search().is_none());
    assert_eq!(a.views().messages().len(), 9);
}

#[test]
fn an_empty_filter_returns_to_the_tail_and_the_prompt_offers_the_last_query() {
    let mut a = messages_app();
    search(&mut a, "--since 10m .value.messageId == 1004");
    press(&mut a, &[KeyCode::Char('?')]);
    let Mode::Search(p) = a.mode() else {
        panic!("{:?}", a.mode())
    };
    assert_eq!(p.line.text(), "--since 10m .value.messageId == 1004");
    a.update(ctrl('u'));
    let cmds = a.update(key(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Command::StopSearch]), "{cmds:?}");
    assert!(a.views().messages().current_search().is_none());
    assert_eq!(a.views().messages().len(), 9);
}

#[test]
fn a_bad_filter_is_refused_in_the_prompt_with_jaqs_reason() {
    let mut a = messages_app();
    let cmds = search(&mut a, ".value ==");
    assert!(cmds.is_empty(), "{cmds:?}");
    let Mode::Search(p) = a.mode() else {
        panic!("the prompt closed: {:?}", a.mode())
    };
    let e = p.error.clone().unwrap();
    assert!(e.starts_with("bad filter `.value ==`: expected"), "{e}");
    // The view is unchanged, and the reason is on screen above the prompt.
    assert!(a.views().messages().current_search().is_none());
    assert_eq!(a.views().messages().len(), 9);
    let screen = render_app(&a, 120, 32);
    assert!(screen.contains(&e), "{screen}");
    assert!(
        screen.contains("search [--since 1h] jq: .value =="),
        "{screen}"
    );
    // Corrected in place, it runs.
    a.update(key(KeyCode::Char(' ')));
    let cmds = type_str(&mut a, "1000");
    assert!(cmds.is_empty());
    let cmds = a.update(key(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Command::StartSearch { filter, .. }] if filter == ".value == 1000"),
        "{cmds:?}"
    );
    // A bad start time is refused the same way.
    let cmds = search(&mut a, "--since yesterday .a");
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(
        matches!(a.mode(), Mode::Search(p) if p.error.as_deref().is_some_and(|e| e.contains("`yesterday` is neither"))),
        "{:?}",
        a.mode()
    );
}

#[test]
fn a_failed_search_says_why() {
    let mut a = messages_app();
    search(&mut a, "true");
    report(
        &mut a,
        SearchEvent::Failed("reading metadata: broker down".into()),
    );
    let screen = render_app(&a, 120, 32);
    assert!(
        screen.contains("The search failed: reading metadata: broker down"),
        "{screen}"
    );
    // Failing after some matches: they stay, and the progress line says why.
    search(&mut a, "true");
    report(
        &mut a,
        SearchEvent::Records {
            records: found(),
            dropped: 0,
        },
    );
    report(&mut a, SearchEvent::Failed("consumer: broker down".into()));
    let screen = render_app(&a, 120, 32);
    assert!(
        screen.contains(" failed: consumer: broker down"),
        "{screen}"
    );
    assert_eq!(shown_offsets(&a), vec![(0, 3), (1, 4)]);
}

#[test]
fn another_topic_ends_the_search() {
    let mut a = messages_app();
    search(&mut a, "true");
    let cmds = command(&mut a, "messages message.read");
    assert!(
        matches!(&cmds[..], [Command::StopSearch, Command::StartTail { .. }]),
        "{cmds:?}"
    );
    assert!(a.views().messages().current_search().is_none());
}

#[test]
fn the_search_key_is_rebindable_and_f1_is_the_help_in_messages() {
    let mut a = messages_app();
    a.update(key(KeyCode::F(1)));
    assert_eq!(a.mode(), &Mode::Help { scroll: 0 });
    let help = render_app(&a, 120, 60);
    assert!(help.contains("search the topic with a jq filter"), "{help}");
    a.update(key(KeyCode::Esc));

    let mut overrides = BTreeMap::new();
    overrides.insert("search".to_string(), vec!["S".to_string()]);
    let mut cfg = config();
    cfg.keymap = Keymap::with_overrides(&overrides).unwrap();
    let mut a = App::new(cfg);
    a.update(Event::Resize(120, 32));
    a.update(Event::Cluster(Box::new(cluster())));
    command(&mut a, "messages message.created");
    type_str(&mut a, "S");
    assert!(matches!(a.mode(), Mode::Search(_)), "{:?}", a.mode());
    // The status bar names the new key.
    a.update(key(KeyCode::Esc));
    assert!(render_app(&a, 120, 32).contains(" S search"));
}
