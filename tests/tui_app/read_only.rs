//! Read-only mode in the dashboard: what would change the cluster is refused with
//! one line, and the help shows those keys as disabled.

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, ViewId};
use kaftop::tui::event::Event;
use kaftop::tui::App;

use crate::notice;
use crate::tui_support::*;

fn read_only_app() -> App {
    let mut cfg = config();
    cfg.read_only = true;
    let mut app = App::new(cfg);
    app.update(Event::Resize(120, 32));
    app.update(Event::Cluster(Box::new(cluster())));
    app
}

const REFUSED_PUBLISH: &str =
    "read-only mode (profile `test` or --read-only): refusing to publish; nothing was changed";

#[test]
fn publishing_and_starting_the_services_are_refused() {
    let mut a = read_only_app();
    command(&mut a, "publish");
    assert_eq!(a.view(), ViewId::Publish);
    // `s` on the form, and ctrl-s while editing a field: nothing to send.
    assert!(press(&mut a, &[KeyCode::Char('s')]).is_empty());
    assert_eq!(notice(&a), (Level::Error, REFUSED_PUBLISH.into()));
    press(&mut a, &[KeyCode::Enter]);
    assert!(a.update(ctrl('s')).is_empty());
    assert_eq!(notice(&a), (Level::Error, REFUSED_PUBLISH.into()));

    press(&mut a, &[KeyCode::Esc, KeyCode::Char('5')]);
    assert_eq!(a.view(), ViewId::Services);
    assert!(press(&mut a, &[KeyCode::Char('S')]).is_empty());
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "read-only mode (profile `test` or --read-only): refusing to run the services \
             (they commit offsets); nothing was changed"
                .into()
        )
    );
}

#[test]
fn the_help_marks_what_read_only_mode_disables() {
    let mut a = read_only_app();
    command(&mut a, "publish");
    press(&mut a, &[KeyCode::Char('?')]);
    let screen = render_app(&a, 120, 40);
    assert!(
        screen.contains("send (nothing is sent while a field is invalid) (disabled: read-only)"),
        "{screen}"
    );
    // The same screen without read-only mode has no such mark.
    let mut plain = app();
    command(&mut plain, "publish");
    press(&mut plain, &[KeyCode::Char('?')]);
    assert!(!render_app(&plain, 120, 40).contains("disabled: read-only"));
}
