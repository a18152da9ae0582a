//! Moving between views: tabs, drill-downs, the history `Esc` walks back.

use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::views::{Outcome, ViewId};
use kaftop_core::kafka::sampler::StartAt;

use super::App;

/// Views remembered for `Esc`.
const HISTORY: usize = 32;

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
}

impl App {
    pub(crate) fn navigate(&mut self, go: Go) -> Vec<Command> {
        match go {
            Go::View(view) => self.go(view),
            Go::Topic(name) => {
                self.views.topic_detail.open(name);
                self.go(ViewId::TopicDetail);
            }
            Go::Group(name) => {
                self.views.group_detail.open(name);
                self.go(ViewId::GroupDetail);
            }
            Go::Messages(topic, start) => {
                self.go(ViewId::Messages);
                return self.views.messages.open(topic, start, &mut self.shared);
            }
            Go::Record {
                topic,
                partition,
                offset,
            } => {
                let messages = &mut self.views.messages;
                messages.set_filter("");
                messages.focus = Some((partition, offset));
                let start = Some(StartAt::Offset(offset));
                let cmds = self.navigate(Go::Messages(Some(topic), start));
                // Already tailing from there: it may be on screen now.
                self.views.messages.seek_focus();
                return cmds;
            }
        }
        Vec::new()
    }

    /// Carries out what a view asked for.
    pub(crate) fn follow(&mut self, out: Outcome) -> Vec<Command> {
        let mut cmds = out.commands;
        if let Some(mode) = out.mode {
            self.mode = mode;
        }
        if let Some(go) = out.go {
            cmds.extend(self.navigate(go));
        }
        cmds
    }

    fn go(&mut self, view: ViewId) {
        if view != self.view {
            self.views.get_mut(view).on_enter(&self.shared);
            self.history.push(self.view);
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
            self.view = view;
        }
    }

    /// A tab by its key; Messages (re)starts its tail.
    pub(crate) fn show_tab(&mut self, view: ViewId) -> Vec<Command> {
        if view == ViewId::Messages {
            return self.navigate(Go::Messages(None, None));
        }
        self.navigate(Go::View(view))
    }

    pub(crate) fn next_tab(&mut self, action: Action) -> Vec<Command> {
        let tabs = ViewId::TABS;
        let current = self.views.tab(self.view);
        let at = tabs.iter().position(|(v, _)| *v == current).unwrap_or(0);
        let next = if action == Action::NextView {
            (at + 1) % tabs.len()
        } else {
            (at + tabs.len() - 1) % tabs.len()
        };
        self.show_tab(tabs[next].0)
    }

    /// Clears the filter if one is set, or goes back to the previous view.
    pub(crate) fn back(&mut self) {
        if self.current().filter().is_some_and(|f| !f.is_empty()) {
            self.set_filter("");
            return;
        }
        if let Some(v) = self.history.pop() {
            self.view = v;
        }
    }

    pub(crate) fn set_filter(&mut self, text: &str) {
        self.views.get_mut(self.view).set_filter(text);
    }

    /// Restarts the tail of the Messages view at `start`.
    pub(crate) fn restart_tail(&mut self, start: StartAt) -> Vec<Command> {
        let out = self.views.messages.restart_at(start, &mut self.shared);
        self.follow(out)
    }
}
