//! The frame around the current view: a header (cluster, connection, last
//! refresh), the tabs, and the status bar (a notice, or hints of the keys).
//! The app lays the screen out and calls these (`app::draw`).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{View, ViewId, Views};
use crate::tui::action::Action;
use crate::tui::shared::{Level, Shared};
use crate::tui::widgets::theme;
use kaftop_core::kafka::client::NoCluster;
use kaftop_core::kafka::progress::ProgressNow;
use kaftop_core::present::{self, text};

/// Below this width the header leaves out the logo.
const NARROW: u16 = 60;

pub(crate) fn draw_header(f: &mut Frame, area: Rect, shared: &Shared) {
    let sep = || Span::styled(" · ", theme::dim());
    // The profile (the cluster's name) and its read-only state come first, and
    // on a narrow screen the logo gives way so that they stay in sight.
    let mut spans = Vec::new();
    if area.width >= NARROW {
        spans.extend([
            Span::styled(" kaftop ", theme::tab_active()),
            Span::raw(" "),
        ]);
    }
    spans.push(Span::styled(shared.cfg.profile.clone(), theme::title()));
    if shared.cfg.read_only {
        spans.push(Span::styled(" read-only", theme::warn()));
    }
    spans.push(sep());
    match &shared.cluster {
        Some(c) => {
            spans.push(Span::raw(format!(
                "cluster {}",
                c.cluster_id.as_deref().unwrap_or("?")
            )));
            spans.push(sep());
            let n = c.brokers.len();
            let first = c
                .brokers
                .first()
                .map(|b| {
                    let more = if n > 1 { ", …" } else { "" };
                    format!(" ({}:{}{more})", text::visible(&b.host), b.port)
                })
                .unwrap_or_default();
            spans.push(Span::raw(format!(
                "{n} broker{}{first}",
                if n == 1 { "" } else { "s" }
            )));
            if !c.brokers_down.is_empty() {
                spans.push(sep());
                spans.push(Span::styled(brokers_down(&c.brokers_down), theme::danger()));
            }
        }
        None => spans.push(Span::raw(shared.cfg.bootstrap.clone())),
    }
    spans.push(sep());
    spans.push(match shared.connected {
        None => Span::styled(reading(shared.reading), theme::warn()),
        Some(true) => Span::styled("● connected", theme::ok()),
        Some(false) => {
            let why = shared
                .cluster_errors
                .first()
                .map_or(NoCluster::Unreachable, |e| NoCluster::of_line(e));
            Span::styled(format!("✗ {}", why.as_str()), theme::danger())
        }
    });
    if let Some(c) = &shared.cluster {
        spans.push(sep());
        let at = present::clock(c.taken_at_ms, shared.cfg.utc_offset_secs);
        spans.push(if shared.connected == Some(false) {
            Span::styled(format!("stale: last read {at}"), theme::warn())
        } else {
            Span::raw(format!("refreshed {at}"))
        });
        if let Some(behind) = shared.pace.and_then(|p| p.behind()) {
            spans.push(sep());
            spans.push(Span::styled(behind, theme::warn()));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Before the first refresh: "reading 400 of 2,000 groups" once the refresh
/// knows how many groups there are, "reading metadata" before, "… connecting"
/// until it starts.
fn reading(p: Option<ProgressNow>) -> String {
    match p {
        Some(p) if p.groups_total > 0 => format!(
            "… reading {} of {} groups",
            present::count_u(p.groups_done as u64),
            present::count_u(p.groups_total as u64)
        ),
        Some(ProgressNow {
            step: Some(step), ..
        }) => format!("… reading {}", step.name().replace('_', " ")),
        _ => "… connecting".into(),
    }
}

/// "✗ broker 3 down", "✗ brokers 2,3 down".
fn brokers_down(ids: &[i32]) -> String {
    let list = ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let s = if ids.len() == 1 { "" } else { "s" };
    format!("✗ broker{s} {list} down")
}

/// The tabs' labels (` 1 Topics `) in order, as the tab row shows them.
fn tab_labels(shared: &Shared, views: &Views, shown: ViewId) -> Vec<(ViewId, String)> {
    let km = &shared.cfg.keymap;
    let scope = views.get(shown).scope();
    ViewId::TABS
        .iter()
        .map(|(view, action)| {
            let key = km.first_key(scope, *action).unwrap_or_default();
            (*view, format!(" {key} {} ", views.get(*view).title()))
        })
        .collect()
}

/// The tab drawn at column `col` of the tab row.
pub(crate) fn tab_at(col: u16, shared: &Shared, views: &Views, shown: ViewId) -> Option<ViewId> {
    let mut left = 0;
    for (view, label) in tab_labels(shared, views, shown) {
        let right = left + text::width(&label);
        if (left..right).contains(&usize::from(col)) {
            return Some(view);
        }
        left = right;
    }
    None
}

/// The tabs, `shown`'s own highlighted.
pub(crate) fn draw_tabs(f: &mut Frame, area: Rect, shared: &Shared, views: &Views, shown: ViewId) {
    let current = views.get(shown);
    let mut spans = Vec::new();
    for (view, text) in tab_labels(shared, views, shown) {
        spans.push(if view == views.tab(shown) {
            Span::styled(text, theme::tab_active())
        } else {
            Span::raw(text)
        });
    }
    if let Some(c) = current.crumb() {
        spans.push(Span::styled(format!(" › {c}"), theme::title()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The notice, or hints of `view`'s keys.
pub(crate) fn draw_status(f: &mut Frame, area: Rect, shared: &Shared, view: &dyn View) {
    if let Some(n) = &shared.notice {
        let style = match n.level {
            Level::Info => theme::info(),
            Level::Error => theme::error(),
        };
        // Cut in the middle: the end (a file's name, an error's cause) is
        // what the line is for.
        // A notice may quote the cluster (an error, a name): shown, not obeyed.
        let whole = text::one_line(&n.text, n.text.len());
        let whole = text::visible(&whole);
        let shown = text::cut_keeping_end(&whole, area.width as usize);
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                text::pad(&shown, area.width as usize),
                style,
            ))),
            area,
        );
        return;
    }
    let km = &shared.cfg.keymap;
    let scope = view.scope();
    let mut hints: Vec<Action> = vec![Action::Help, Action::CommandLine];
    hints.extend(view.hints());
    hints.extend([Action::NextView, Action::Quit]);
    let mut spans = Vec::new();
    for a in hints {
        if let Some(k) = km.first_key(scope, a) {
            spans.push(Span::styled(format!(" {k} "), theme::accent()));
            spans.push(Span::styled(a.hint(), theme::dim()));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
