//! Moving between views: tabs, drill-downs, the history `Esc` walks back.

use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::modes;
use crate::tui::views::{Go, Outcome, ViewId};
use kaftop_core::kafka::sampler::StartAt;

use super::{App, Clusters, Exit};

/// Views remembered for `Esc`.
const HISTORY: usize = 32;

impl App {
    /// Shows the view `go` names, which then shows what it names.
    pub(crate) fn navigate(&mut self, go: Go) -> Vec<Command> {
        let view = go.view();
        self.go(view);
        self.views.get_mut(view).show(go, &mut self.shared)
    }

    /// Carries out what a view asked for.
    pub(crate) fn follow(&mut self, out: Outcome) -> Vec<Command> {
        let mut cmds = out.commands;
        if let Some(modal) = out.modal {
            self.mode = modes::open(modal, &mut self.dialogs);
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

    /// A tab by its key (Messages (re)starts its tail: see its `show`).
    pub(crate) fn show_tab(&mut self, view: ViewId) -> Vec<Command> {
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

    /// What the view does with Esc (a search stops or closes), else clears the
    /// filter if one is set, or goes back to the previous view.
    pub(crate) fn back(&mut self) -> Vec<Command> {
        if let Some(out) = self.views.get_mut(self.view).escape(&mut self.shared) {
            return self.follow(out);
        }
        if self.current().filter().is_some_and(|f| !f.is_empty()) {
            self.set_filter("");
            return Vec::new();
        }
        if let Some(v) = self.history.pop() {
            self.view = v;
            // Its rows may have been dropped while another view was shown.
            let shown = self.views.get(v).focus(&self.shared);
            return self.shared.read_rows_of(&shown);
        } else if self.clusters == Clusters::Behind {
            self.leave = Some(Exit::Back);
        }
        Vec::new()
    }

    /// `:clusters`: ends the dashboard to show the clusters screen.
    pub(crate) fn clusters(&mut self) {
        if self.clusters == Clusters::Off {
            self.shared
                .error("no clusters screen here: it shows a config file's profiles");
        } else {
            self.leave = Some(Exit::Clusters);
        }
    }

    pub(crate) fn set_filter(&mut self, text: &str) {
        self.views.get_mut(self.view).set_filter(text);
    }

    /// The search prompt's answer, for the current view.
    pub(crate) fn search(&mut self, text: &str) -> Result<Vec<Command>, String> {
        let out = self
            .views
            .get_mut(self.view)
            .search(text, &mut self.shared)?;
        Ok(self.follow(out))
    }

    /// A prompt's answer: where the current view's stream restarts.
    pub(crate) fn restart_at(&mut self, start: StartAt) -> Vec<Command> {
        let out = self
            .views
            .get_mut(self.view)
            .restart_at(start, &mut self.shared);
        self.follow(out)
    }
}
