//! What the modes may do to the app (see [`Host`]).

use crossterm::event::KeyEvent;

use super::App;
use crate::tui::command::Command;
use crate::tui::keymap::Keymap;
use crate::tui::modes::{Host, Mode};
use crate::tui::shared::Shared;
use crate::tui::views::Go;
use kaftop_core::kafka::sampler::StartAt;

impl Host for App {
    fn shared(&mut self) -> &mut Shared {
        &mut self.shared
    }

    fn keymap(&self) -> &Keymap {
        &self.shared.cfg.keymap
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    fn acted(&mut self) {
        self.acted = true;
    }

    fn quit(&mut self) {
        self.quit = true;
    }

    fn clusters(&mut self) {
        App::clusters(self)
    }

    fn view_key(&mut self, key: KeyEvent) -> Vec<Command> {
        App::view_key(self, key)
    }

    fn view_edit(&mut self, key: KeyEvent) -> (bool, Vec<Command>) {
        self.views.get_mut(self.view).edit(key, &mut self.shared)
    }

    fn view_paste(&mut self, text: &str) {
        self.views.get_mut(self.view).paste(text, &mut self.shared)
    }

    fn navigate(&mut self, go: Go) -> Vec<Command> {
        App::navigate(self, go)
    }

    fn refresh(&mut self) -> Vec<Command> {
        App::refresh(self)
    }

    fn set_filter(&mut self, text: &str) {
        App::set_filter(self, text)
    }

    fn search(&mut self, text: &str) -> Result<Vec<Command>, String> {
        App::search(self, text)
    }

    fn restart_at(&mut self, start: StartAt) -> Vec<Command> {
        App::restart_at(self, start)
    }
}
