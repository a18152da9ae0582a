//! Moving between views and through their rows: tabs, number keys, the history
//! Esc walks back through, drilling down, and paging through a long list.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaftop::tui::app::ViewId;
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop_core::kafka::sampler::StartAt;

use crate::tui_support::*;

#[test]
fn tabs_number_keys_and_back() {
    let mut a = app();
    assert_eq!(a.view(), ViewId::Topics);
    a.update(key(KeyCode::Tab));
    assert_eq!(a.view(), ViewId::Groups);
    // The Messages tab starts tailing the configured created topic.
    let cmds = a.update(key(KeyCode::Tab));
    assert_eq!(a.view(), ViewId::Messages);
    assert!(
        matches!(&cmds[..], [Command::StartTail { topic, start: StartAt::LastN(100), .. }] if topic == "message.created"),
        "{cmds:?}"
    );
    a.update(key(KeyCode::BackTab));
    assert_eq!(a.view(), ViewId::Groups);
    a.update(key(KeyCode::Char('4')));
    assert_eq!(a.view(), ViewId::Publish);
    a.update(key(KeyCode::Char('5')));
    assert_eq!(a.view(), ViewId::Services);
    // Esc walks back through the history.
    for want in [
        ViewId::Publish,
        ViewId::Groups,
        ViewId::Messages,
        ViewId::Groups,
        ViewId::Topics,
        // The start screen, where `app()` came from.
        ViewId::Overview,
    ] {
        a.update(key(KeyCode::Esc));
        assert_eq!(a.view(), want);
    }
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Overview);
    // Returning to Messages does not restart the tail (the overview's ticker
    // stops as it is left).
    let cmds = a.update(key(KeyCode::Char('3')));
    assert!(matches!(&cmds[..], [Command::StopTicker]), "{cmds:?}");
    assert!(a.update(key(KeyCode::Char('1'))).is_empty());
    assert!(a.update(key(KeyCode::Char('3'))).is_empty());
    // Tab from the last tab (the timeline) wraps around to the overview, key 0
    // shows it.
    a.update(key(KeyCode::Char('6')));
    a.update(key(KeyCode::Tab));
    assert_eq!(a.view(), ViewId::Overview);
    a.update(key(KeyCode::Char('1')));
    a.update(key(KeyCode::Char('0')));
    assert_eq!(a.view(), ViewId::Overview);
}

#[test]
fn enter_drills_down_and_esc_returns() {
    let mut a = app();
    press(&mut a, &[KeyCode::Char('j'), KeyCode::Enter]);
    assert_eq!(a.view(), ViewId::TopicDetail);
    assert_eq!(a.views().topic_name(), Some("message.deleted"));
    a.update(key(KeyCode::Esc));
    assert_eq!((a.view(), a.selected_row()), (ViewId::Topics, 1));
    press(
        &mut a,
        &[KeyCode::Char('2'), KeyCode::Char('G'), KeyCode::Enter],
    );
    assert_eq!(a.view(), ViewId::GroupDetail);
    assert_eq!(a.views().group_name(), Some("orders-audit"));
    // `m` on a topic opens its messages.
    press(&mut a, &[KeyCode::Char('1'), KeyCode::Char('G')]);
    let cmds = press(&mut a, &[KeyCode::Char('m')]);
    assert!(
        matches!(&cmds[..], [Command::StartTail { topic, .. }] if topic == "orders"),
        "{cmds:?}"
    );
}

#[test]
fn paging_through_ten_thousand_rows() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(big_group_cluster(10_000))));
    command(&mut a, "group big-group");
    press(&mut a, &[KeyCode::Char('G')]);
    assert_eq!(a.selected_row(), 9_999);
    press(&mut a, &[KeyCode::PageUp]);
    assert_eq!(a.selected_row(), 9_999 - 24);
    a.update(Event::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(a.selected_row(), 9_999);
    press(&mut a, &[KeyCode::Char('g')]);
    assert_eq!(a.selected_row(), 0);
    // Rendering shows the selected rows' neighbourhood only.
    press(&mut a, &[KeyCode::Char('G')]);
    let screen = render_app(&a, 120, 32);
    assert!(
        screen.contains(" 9999 ") || screen.contains("9,999"),
        "{screen}"
    );
    assert!(screen.contains("10000/10000"), "{screen}");
}

/// Opened from the clusters screen, `Esc` at the top level (no filter, no view
/// to go back to) ends the dashboard with "back"; otherwise it stays.
#[test]
fn esc_at_the_top_goes_back_to_the_clusters_screen() {
    use kaftop::tui::app::{Clusters, Exit};
    let mut a = app();
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Overview);
    a.update(key(KeyCode::Esc));
    assert!(!a.should_quit());

    let mut a = app();
    a.set_clusters(Clusters::Behind);
    a.update(key(KeyCode::Char('2')));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.view(), ViewId::Topics);
    assert!(!a.should_quit());
    a.update(key(KeyCode::Esc));
    a.update(key(KeyCode::Esc));
    assert!(a.should_quit());
    assert_eq!(a.exit(), Exit::Back);
}

/// `:clusters` ends the dashboard for the clusters screen; the demo has none.
#[test]
fn the_clusters_command() {
    use kaftop::tui::app::{Clusters, Exit};
    let mut a = app();
    command(&mut a, "clusters");
    assert!(a.should_quit());
    assert_eq!(a.exit(), Exit::Clusters);

    let mut a = app();
    a.set_clusters(Clusters::Off);
    command(&mut a, "clusters");
    assert!(!a.should_quit());
    let text = a.notice().map(|n| n.text.clone()).unwrap_or_default();
    assert!(text.starts_with("no clusters screen here"), "{text}");
}
