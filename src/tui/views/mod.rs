//! Drawing: a pure function of the [`App`] state into a ratatui frame. The
//! frame is a header (cluster, connection, last refresh), the tabs, the current
//! view, and a status bar (notices, errors, the command line and prompts).

mod group_detail;
mod groups;
mod help;
mod messages;
mod publish;
mod services;
mod topic_detail;
mod topics;

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::action::Action;
use super::app::{App, Level, Mode, Prompt, ViewId};
use super::widgets::{format, theme};
use crate::text;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    // Header and tabs only when there is room for a body under them.
    let chrome = if area.height >= 6 { 2 } else { 0 };
    let status = u16::from(area.height >= 2);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(chrome),
        Constraint::Min(0),
        Constraint::Length(status),
    ])
    .areas(area);
    if chrome > 0 {
        let [header, tabs] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(top);
        draw_header(f, header, app);
        draw_tabs(f, tabs, app);
    }
    match app.view {
        ViewId::Topics => topics::draw(f, body, app),
        ViewId::TopicDetail => topic_detail::draw(f, body, app),
        ViewId::Groups => groups::draw(f, body, app),
        ViewId::GroupDetail => group_detail::draw(f, body, app),
        ViewId::Messages => messages::draw(f, body, app),
        ViewId::Publish => publish::draw(f, body, app),
        ViewId::Services => services::draw(f, body, app),
    }
    if status > 0 {
        draw_status(f, bottom, app);
    }
    if let Mode::Help { scroll } = app.mode {
        help::draw(f, area, app, scroll);
    }
}

fn draw_header(f: &mut Frame, area: Rect, app: &App) {
    let sep = || Span::styled(" · ", theme::dim());
    let mut spans = vec![
        Span::styled(" kaftop ", theme::tab_active()),
        Span::raw(" "),
        Span::styled(app.cfg.profile.clone(), theme::title()),
        sep(),
    ];
    match &app.cluster {
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
                .map(|b| format!(" ({}:{}{})", b.host, b.port, if n > 1 { ", …" } else { "" }))
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
        None => spans.push(Span::raw(app.cfg.bootstrap.clone())),
    }
    spans.push(sep());
    spans.push(match app.connected {
        None => Span::styled("… connecting", theme::warn()),
        Some(true) => Span::styled("● connected", theme::ok()),
        Some(false) => Span::styled("✗ unreachable", theme::danger()),
    });
    if let Some(c) = &app.cluster {
        spans.push(sep());
        spans.push(Span::raw(format!(
            "refreshed {}",
            format::clock(c.taken_at_ms, app.cfg.utc_offset_secs)
        )));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "✗ broker 3 down", "✗ brokers 2,3 down".
fn brokers_down(ids: &[i32]) -> String {
    let list = ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let s = if ids.len() == 1 { "" } else { "s" };
    format!("✗ broker{s} {list} down")
}

fn draw_tabs(f: &mut Frame, area: Rect, app: &App) {
    let km = app.keymap();
    let scope = app.view.scope();
    let actions = [
        Action::ShowTopics,
        Action::ShowGroups,
        Action::ShowMessages,
        Action::ShowPublish,
        Action::ShowServices,
    ];
    let mut spans = Vec::new();
    for (view, action) in ViewId::TABS.iter().zip(actions) {
        let key = km
            .keys_for(scope, action)
            .and_then(|k| k.split(' ').next().map(str::to_string))
            .unwrap_or_default();
        let text = format!(" {key} {} ", view.title());
        spans.push(if *view == app.view.tab() {
            Span::styled(text, theme::tab_active())
        } else {
            Span::raw(text)
        });
    }
    let crumb = match app.view {
        ViewId::TopicDetail => app.topic_name.clone(),
        ViewId::GroupDetail => app.group_name.clone(),
        ViewId::Messages => app.messages.topic.clone(),
        _ => None,
    };
    if let Some(c) = crumb {
        spans.push(Span::styled(format!(" › {c}"), theme::title()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, area: Rect, app: &App) {
    let input = |prefix: &str, line: &super::app::line::LineInput, f: &mut Frame| {
        let width = (area.width as usize).saturating_sub(text::width(prefix) + 1);
        let (shown, col) = line.visible(width);
        f.render_widget(Paragraph::new(format!("{prefix}{shown}")), area);
        let x = area.x + (text::width(prefix) + col).min(area.width as usize - 1) as u16;
        f.set_cursor_position(Position::new(x, area.y));
    };
    match &app.mode {
        Mode::Command(line) => return input(":", line, f),
        Mode::Filter(line) => return input("/", line, f),
        Mode::Prompt(Prompt::Offset, line) => {
            return input("start at offset (negative: before the end): ", line, f)
        }
        Mode::Prompt(Prompt::Time, line) => {
            return input("start at time (10m, 2026-11-24T10:00:00Z): ", line, f)
        }
        _ => {}
    }
    if let Some(n) = &app.notice {
        let style = match n.level {
            Level::Info => theme::info(),
            Level::Error => theme::error(),
        };
        let shown = text::one_line(&n.text, area.width as usize);
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                text::pad(&shown, area.width as usize),
                style,
            ))),
            area,
        );
        return;
    }
    let km = app.keymap();
    let scope = app.view.scope();
    let mut hints: Vec<Action> = vec![Action::Help, Action::CommandLine];
    match app.view {
        ViewId::Topics => hints.extend([Action::Open, Action::TailTopic, Action::Filter]),
        ViewId::TopicDetail => hints.extend([Action::TailTopic, Action::Back]),
        ViewId::Groups => hints.extend([Action::Open, Action::Filter]),
        ViewId::GroupDetail => hints.extend([Action::Filter, Action::Back]),
        ViewId::Messages => hints.extend([Action::Pause, Action::Filter, Action::FromBeginning]),
        ViewId::Publish => hints.extend([Action::Edit, Action::Send, Action::NextForm]),
        ViewId::Services => hints.push(Action::ToggleServices),
    }
    hints.extend([Action::NextView, Action::Quit]);
    let mut spans = Vec::new();
    for a in hints {
        if let Some(k) = km.keys_for(scope, a) {
            let k = k.split(' ').next().unwrap_or("").to_string();
            spans.push(Span::styled(format!(" {k} "), theme::accent()));
            spans.push(Span::styled(short(a), theme::dim()));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// One-word hints for the status bar.
fn short(a: Action) -> &'static str {
    match a {
        Action::Help => "help",
        Action::CommandLine => "command",
        Action::Open => "open",
        Action::TailTopic => "messages",
        Action::Filter => "filter",
        Action::Back => "back",
        Action::Pause => "pause",
        Action::FromBeginning => "from start",
        Action::Edit => "edit",
        Action::Send => "send",
        Action::NextForm => "form",
        Action::ToggleServices => "start/stop",
        Action::NextView => "views",
        Action::Quit => "quit",
        _ => "",
    }
}

/// A one-line message in the middle of an empty view.
fn placeholder(f: &mut Frame, area: Rect, block: ratatui::widgets::Block<'_>, text: &str) {
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = text.lines().map(|l| Line::from(l.to_string())).collect();
    f.render_widget(
        Paragraph::new(lines)
            .style(theme::dim())
            .wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}

/// The block around a view: a title, and the filter when one is set.
fn view_block<'a>(title: String, filter: &str) -> ratatui::widgets::Block<'a> {
    let mut b = ratatui::widgets::Block::bordered()
        .title(Span::styled(format!(" {title} "), theme::title()))
        .border_style(Style::new().fg(ratatui::style::Color::DarkGray));
    if !filter.is_empty() {
        b = b.title(Span::styled(format!(" /{filter} "), theme::accent()));
    }
    b
}
