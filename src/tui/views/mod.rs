//! The views: each one a module that owns its state, what its keys do and how
//! it is drawn, behind the `View` trait. This file is the one place that
//! lists them ([`ViewId`] and [`Views`]); `chrome` draws the frame around the
//! current one. A view names no mode: it asks for one with a [`Modal`], which
//! the app opens.
//!
//! Adding a view: write `views/NAME.rs` with a state struct that implements
//! `View` (its I/O reports arrive through `View::on_io`), then register it
//! here: a [`ViewId`] variant, a field of [`Views`] and its arm in
//! `Views::get` / `get_mut` / `all_mut` (and in [`ViewId::TABS`] if it is a
//! tab). Its keys go in the action table ([`super::action::TABLE`]).

pub(crate) mod chrome;
pub mod group_detail;
pub mod groups;
pub mod messages;
pub mod overview;
pub mod publish;
pub mod services;
pub mod timeline;
pub mod topic_detail;
pub mod topics;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crossterm::event::KeyEvent;

use super::action::{Action, Scope};
use super::command::Command;
use super::event::Event;
use super::ops::forms::Form;
use super::shared::{AppConfig, Shared};
use super::widgets::list::ListState;
use super::widgets::theme;
use kaftop_core::kafka::sampler::StartAt;
use kaftop_core::monitor::Focus;

/// Which view is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewId {
    Overview,
    Topics,
    TopicDetail,
    Groups,
    GroupDetail,
    Messages,
    Publish,
    Services,
    Timeline,
}

impl ViewId {
    /// The view shown at start.
    pub(crate) const START: ViewId = ViewId::Overview;

    /// The top-level views, in tab order, with the action that shows each
    /// (number keys 1..).
    pub const TABS: [(ViewId, Action); 7] = [
        (ViewId::Overview, Action::ShowOverview),
        (ViewId::Topics, Action::ShowTopics),
        (ViewId::Groups, Action::ShowGroups),
        (ViewId::Messages, Action::ShowMessages),
        (ViewId::Publish, Action::ShowPublish),
        (ViewId::Services, Action::ShowServices),
        (ViewId::Timeline, Action::ShowTimeline),
    ];

    /// The tab `action` shows, if it shows one.
    pub(crate) fn shown_by(action: Action) -> Option<ViewId> {
        ViewId::TABS
            .iter()
            .find(|(_, a)| *a == action)
            .map(|(v, _)| *v)
    }
}

/// Where to go: a view, or one that needs to be told what to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Go {
    View(ViewId),
    Topic(String),
    Group(String),
    /// The Messages view, (re)starting the tail when the topic or start changes
    /// (`None`: the current or default topic, the configured start).
    Messages(Option<String>, Option<StartAt>),
    /// One record in the Messages view: the tail starts at its offset, and the
    /// record is selected with the detail pane open once it arrives.
    Record {
        topic: String,
        partition: i32,
        offset: i64,
    },
    /// The publisher with one of its forms.
    Form(publish::FormKind),
}

impl Go {
    /// The view that shows it.
    pub(crate) fn view(&self) -> ViewId {
        match self {
            Go::View(v) => *v,
            Go::Topic(_) => ViewId::TopicDetail,
            Go::Group(_) => ViewId::GroupDetail,
            Go::Messages(..) | Go::Record { .. } => ViewId::Messages,
            Go::Form(_) => ViewId::Publish,
        }
    }
}

/// A question in the status bar a view asks (where its stream restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Offset,
    Time,
}

/// The modal mode a view hands the keys to; the app opens it (`modes::open`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Modal {
    /// A prompt, answered through [`View::restart_at`].
    Prompt(Prompt),
    /// Editing in place, key by key through [`View::edit`].
    Edit,
    /// An operation's dialog for `form`; `topic` is the one selected, if any.
    Dialog { form: Form, topic: Option<String> },
    /// The search prompt, starting with this text; answered through
    /// [`View::search`].
    Search(String),
}

/// What a view did with an action, beyond changing its own state.
#[derive(Default)]
pub(crate) struct Outcome {
    pub commands: Vec<Command>,
    /// Show another view (or this one differently).
    pub go: Option<Go>,
    /// Hand the keys to a modal mode (a prompt, the form editor, a dialog).
    pub modal: Option<Modal>,
}

impl Outcome {
    pub(crate) fn commands(commands: Vec<Command>) -> Self {
        Outcome {
            commands,
            ..Outcome::default()
        }
    }

    pub(crate) fn go(go: Go) -> Self {
        Outcome {
            go: Some(go),
            ..Outcome::default()
        }
    }

    pub(crate) fn modal(modal: Modal) -> Self {
        Outcome {
            modal: Some(modal),
            ..Outcome::default()
        }
    }

    /// The dialog for `form` (`topic`: the one selected, if any).
    pub(crate) fn dialog(form: Form, topic: Option<&str>) -> Self {
        Outcome::modal(Modal::Dialog {
            form,
            topic: topic.map(str::to_string),
        })
    }
}

/// Everything a view does: its identity, its rows and filter, its actions, the
/// I/O reports it owns and its drawing. `Shared` is what all views see (config,
/// cluster, notices); the app names no view and reaches them only through this.
pub(crate) trait View {
    /// The tab title.
    fn title(&self) -> &'static str;
    /// Where its keys are looked up.
    fn scope(&self) -> Scope;
    /// The tab a drill-down belongs to (`None`: it is a tab).
    fn parent(&self) -> Option<ViewId> {
        None
    }
    /// Shown after the tabs (`› orders`).
    fn crumb(&self) -> Option<&str> {
        None
    }
    /// The actions the status bar hints at, between help/command and views/quit.
    fn hints(&self) -> &'static [Action];
    /// The filtered list this view is, if it is one: the selection, the moves
    /// and the filter below then come from it.
    fn list(&self) -> Option<&ListState> {
        None
    }
    fn list_mut(&mut self) -> Option<&mut ListState> {
        None
    }
    /// How many rows the list shows now (after its filter).
    fn rows(&self, _shared: &Shared) -> usize {
        0
    }
    /// The selected row (its index in the filtered list).
    fn selected(&self) -> usize {
        self.list().map_or(0, |l| l.cursor.selected())
    }
    /// Moves the selection by `delta` rows.
    fn move_by(&mut self, delta: isize, shared: &Shared) {
        let len = self.rows(shared);
        if let Some(l) = self.list_mut() {
            l.move_by(delta, len);
        }
    }
    /// A click at this screen cell: selects the row drawn there; true when
    /// something changed.
    fn click(&mut self, col: u16, row: u16, shared: &Shared) -> bool {
        let len = self.rows(shared);
        match self.list_mut() {
            Some(l) => select_at(&mut l.cursor, col, row, len),
            None => false,
        }
    }
    /// The filter, for views that have one.
    fn filter(&self) -> Option<&str> {
        self.list().map(|l| l.filter.as_str())
    }
    fn set_filter(&mut self, text: &str) {
        if let Some(l) = self.list_mut() {
            l.set_filter(text);
        }
    }
    /// Called when the view is shown after another one.
    fn on_enter(&mut self, _shared: &Shared) {}
    /// Shows what `go` names (a topic, a group, a tail; see [`Go::view`]),
    /// after the view was entered.
    fn show(&mut self, _go: Go, _shared: &mut Shared) -> Vec<Command> {
        Vec::new()
    }
    /// An action of the view's own scope (the list moves and filter are done
    /// through the methods above).
    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome;
    /// A key while the view edits in place ([`Modal::Edit`]): whether editing
    /// goes on, and the commands.
    fn edit(&mut self, _key: KeyEvent, _shared: &mut Shared) -> (bool, Vec<Command>) {
        (false, Vec::new())
    }
    /// A paste while the view edits in place ([`Modal::Edit`]).
    fn paste(&mut self, _text: &str, _shared: &mut Shared) {}
    /// The answer to a prompt the view asked ([`Modal::Prompt`]): where its
    /// stream restarts.
    fn restart_at(&mut self, _start: StartAt, _shared: &mut Shared) -> Outcome {
        Outcome::default()
    }
    /// The search prompt's answer: `Err` refuses it with the reason (the prompt
    /// stays open).
    fn search(&mut self, _text: &str, _shared: &mut Shared) -> Result<Outcome, String> {
        Err("no search here".into())
    }
    /// Esc, before it clears the filter or goes back: `Some` when the view used
    /// it (a running search stops, a search's results close).
    fn escape(&mut self, _shared: &mut Shared) -> Option<Outcome> {
        None
    }
    /// An I/O report: the view that owns it takes it (`None`), the others hand
    /// it back. `shown`: the view is on screen (a change there needs a redraw).
    fn on_io(&mut self, event: Event, _shown: bool, _shared: &mut Shared) -> Option<Event> {
        Some(event)
    }
    /// After every event: what the view asks of the I/O side by itself (the
    /// overview's ticker samples only while it is shown).
    fn steer(&mut self, _shown: bool, _shared: &Shared) -> Vec<Command> {
        Vec::new()
    }
    /// What of the cluster it shows, for the monitor to read first: at most
    /// the rows on screen, and whether it draws their partition rows (the open
    /// group or topic; a list draws none). Shown while the metrics held left
    /// those rows out, it asks for a refresh ([`Shared::read_rows_of`]).
    fn focus(&self, _shared: &Shared) -> Focus {
        Focus::default()
    }
    /// Draws the body of the screen.
    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared);
}

/// Selects the row of `cursor` drawn at this screen cell, if one of the `len` is.
pub(crate) fn select_at(
    cursor: &mut super::widgets::cursor::ListCursor,
    col: u16,
    row: u16,
    len: usize,
) -> bool {
    match cursor.row_at(col, row) {
        Some(i) if i < len => {
            cursor.select(i);
            true
        }
        _ => false,
    }
}

/// The state of every view: the registry.
pub struct Views {
    pub(crate) overview: overview::Overview,
    pub(crate) topics: topics::Topics,
    pub(crate) topic_detail: topic_detail::TopicDetail,
    pub(crate) groups: groups::Groups,
    pub(crate) group_detail: group_detail::GroupDetail,
    pub(crate) messages: messages::MessagesState,
    pub(crate) publish: publish::PublishState,
    pub(crate) services: services::ServicesPane,
    pub(crate) timeline: timeline::Timeline,
}

impl Views {
    pub(crate) fn new(cfg: &AppConfig) -> Self {
        Views {
            overview: Default::default(),
            topics: Default::default(),
            topic_detail: Default::default(),
            groups: Default::default(),
            group_detail: Default::default(),
            messages: messages::MessagesState::new(cfg.max_records, cfg.tail_start.clone()),
            publish: publish::PublishState::for_config(cfg),
            services: Default::default(),
            timeline: Default::default(),
        }
    }

    pub(crate) fn get(&self, id: ViewId) -> &dyn View {
        match id {
            ViewId::Overview => &self.overview,
            ViewId::Topics => &self.topics,
            ViewId::TopicDetail => &self.topic_detail,
            ViewId::Groups => &self.groups,
            ViewId::GroupDetail => &self.group_detail,
            ViewId::Messages => &self.messages,
            ViewId::Publish => &self.publish,
            ViewId::Services => &self.services,
            ViewId::Timeline => &self.timeline,
        }
    }

    pub(crate) fn get_mut(&mut self, id: ViewId) -> &mut dyn View {
        match id {
            ViewId::Overview => &mut self.overview,
            ViewId::Topics => &mut self.topics,
            ViewId::TopicDetail => &mut self.topic_detail,
            ViewId::Groups => &mut self.groups,
            ViewId::GroupDetail => &mut self.group_detail,
            ViewId::Messages => &mut self.messages,
            ViewId::Publish => &mut self.publish,
            ViewId::Services => &mut self.services,
            ViewId::Timeline => &mut self.timeline,
        }
    }

    /// Every view, with its id.
    fn all_mut(&mut self) -> [(ViewId, &mut dyn View); 9] {
        [
            (ViewId::Overview, &mut self.overview),
            (ViewId::Topics, &mut self.topics),
            (ViewId::TopicDetail, &mut self.topic_detail),
            (ViewId::Groups, &mut self.groups),
            (ViewId::GroupDetail, &mut self.group_detail),
            (ViewId::Messages, &mut self.messages),
            (ViewId::Publish, &mut self.publish),
            (ViewId::Services, &mut self.services),
            (ViewId::Timeline, &mut self.timeline),
        ]
    }

    /// The tab `id` belongs to.
    pub(crate) fn tab(&self, id: ViewId) -> ViewId {
        self.get(id).parent().unwrap_or(id)
    }

    /// Hands an I/O report to the view that owns it (`shown`: the view on
    /// screen); `Some` when none does.
    pub(crate) fn route(
        &mut self,
        event: Event,
        shown: ViewId,
        shared: &mut Shared,
    ) -> Option<Event> {
        let mut event = event;
        for (id, view) in self.all_mut() {
            event = view.on_io(event, id == shown, shared)?;
        }
        Some(event)
    }

    /// Every view's own requests after an event (see [`View::steer`]).
    pub(crate) fn steer(&mut self, shown: ViewId, shared: &Shared) -> Vec<Command> {
        let mut cmds = Vec::new();
        for (id, view) in self.all_mut() {
            cmds.extend(view.steer(id == shown, shared));
        }
        cmds
    }

    // ---- what tests read ----

    pub fn messages(&self) -> &messages::MessagesState {
        &self.messages
    }

    /// The overview's ticker (its session tags the records fed to it).
    pub fn ticker(&self) -> &overview::Ticker {
        &self.overview.ticker
    }

    pub fn publish(&self) -> &publish::PublishState {
        &self.publish
    }

    /// The topic the topic detail shows.
    pub fn topic_name(&self) -> Option<&str> {
        self.topic_detail.name.as_deref()
    }

    /// The group the group detail shows.
    pub fn group_name(&self) -> Option<&str> {
        self.group_detail.name.as_deref()
    }
}

/// A one-line message in the middle of an empty view.
pub(crate) fn placeholder(
    f: &mut Frame,
    area: Rect,
    block: ratatui::widgets::Block<'_>,
    text: &str,
) {
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
pub(crate) fn view_block<'a>(title: String, filter: &str) -> ratatui::widgets::Block<'a> {
    let mut b = ratatui::widgets::Block::bordered()
        .title(Span::styled(format!(" {title} "), theme::title()))
        .border_style(crate::tui::widgets::theme::dim());
    if !filter.is_empty() {
        b = b.title(Span::styled(format!(" /{filter} "), theme::accent()));
    }
    b
}
