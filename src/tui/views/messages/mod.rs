//! Messages: the sampled live tail of one topic, or a search of it (a jq
//! filter over the topic since a time, then live). Its state is in [`state`]
//! (the records in a [`buffer`], a search's progress in [`search`]), its
//! drawing in `draw`; here is what its keys and the I/O reports do.

pub mod buffer;
mod draw;
pub mod search;
pub mod state;

use crate::tui::ops::forms::Form;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Go, Modal, Outcome, Prompt, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::event::Event;
use crate::tui::shared::Shared;
use crate::tui::shared::Source;
use kaftop_core::kafka::sampler::{SamplerEvent, StartAt};
use search::parse_query;
pub use state::{MessagesState, TailStatus};

fn no_topic(shared: &Shared) -> String {
    let m = shared.key(Scope::Topics, Action::TailTopic);
    format!("no topic: choose one with {m} on a topic or :messages TOPIC")
}

impl MessagesState {
    /// Shows `topic` (or the current one, or the default), (re)starting the
    /// tail when the topic or the start changes.
    pub(crate) fn open(
        &mut self,
        topic: Option<String>,
        start: Option<StartAt>,
        shared: &mut Shared,
    ) -> Vec<Command> {
        let current = self.topic.clone();
        let default =
            Some(shared.cfg.topics.created.clone()).filter(|t| shared.has_topic(t) == Some(true));
        let Some(topic) = topic.or(current.clone()).or(default) else {
            let m = shared.key(Scope::Topics, Action::TailTopic);
            shared.info(format!(
                "choose a topic: {m} on a topic, or :messages TOPIC"
            ));
            return Vec::new();
        };
        if shared.has_topic(&topic) == Some(false) {
            shared.error(format!("no topic `{topic}`"));
            return Vec::new();
        }
        let failed = matches!(self.status, TailStatus::Failed(_));
        if current.as_deref() == Some(topic.as_str()) && start.is_none() && !failed {
            return Vec::new();
        }
        let start = start.unwrap_or_else(|| shared.cfg.tail_start.clone());
        let searching = self.current_search().is_some();
        let session = self.restart(topic.clone(), start.clone());
        let mut cmds = Vec::new();
        if searching {
            cmds.push(Command::StopSearch);
        }
        cmds.push(Command::StartTail {
            session,
            topic,
            start,
        });
        cmds
    }

    /// `?`: the search prompt, offering the last query again.
    fn search_prompt(&self, shared: &mut Shared) -> Outcome {
        if self.topic.is_none() {
            shared.error(no_topic(shared));
            return Outcome::default();
        }
        let text = self
            .current_search()
            .map(|s| &s.query)
            .or(self.last_query.as_ref())
            .map(search::Query::text)
            .unwrap_or_default();
        Outcome::modal(Modal::Search(text))
    }

    /// Restarts the current topic's tail at `start`.
    pub(crate) fn restart_at(&self, start: StartAt, shared: &mut Shared) -> Outcome {
        match &self.topic {
            Some(t) => Outcome::go(Go::Messages(Some(t.clone()), Some(start))),
            None => {
                shared.error(no_topic(shared));
                Outcome::default()
            }
        }
    }

    /// What the tail of session `session` reported (older sessions are ignored).
    pub(crate) fn on_sampler(&mut self, session: u64, event: SamplerEvent, shared: &mut Shared) {
        if session != self.session {
            return;
        }
        match event {
            SamplerEvent::Started(starts) => {
                self.started(&starts);
                shared.clear_errors(&[Source::Tail]);
            }
            SamplerEvent::Records { records, skipped } => {
                self.push(records, skipped);
                shared.clear_errors(&[Source::Tail]);
            }
            SamplerEvent::Error(e) => {
                if self.status == TailStatus::Starting {
                    self.status = TailStatus::Failed(e.clone());
                } else {
                    self.warning = Some(e.clone());
                }
                shared.error_from(Source::Tail, format!("tail: {e}"));
                shared.dirty = true;
            }
        }
    }

    fn toggle_pause(&mut self) -> Vec<Command> {
        if self.topic.is_none() {
            return Vec::new();
        }
        self.paused = !self.paused;
        vec![if self.paused {
            Command::PauseTail
        } else {
            Command::ResumeTail
        }]
    }

    fn prompt(&self, prompt: Prompt, shared: &mut Shared) -> Outcome {
        if self.topic.is_none() {
            shared.error(no_topic(shared));
            return Outcome::default();
        }
        Outcome::modal(Modal::Prompt(prompt))
    }
}

impl View for MessagesState {
    fn title(&self) -> &'static str {
        "Messages"
    }

    fn scope(&self) -> Scope {
        Scope::Messages
    }

    fn crumb(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Pause,
            Action::Filter,
            Action::Search,
            Action::FromBeginning,
        ]
    }

    fn selected(&self) -> usize {
        self.cursor.selected()
    }

    fn move_by(&mut self, delta: isize, _shared: &Shared) {
        let len = self.len();
        self.cursor.move_by(delta, len);
        self.detail_scroll = 0;
    }

    fn click(&mut self, col: u16, row: u16, _shared: &Shared) -> bool {
        let len = self.len();
        let hit = super::select_at(&mut self.cursor, col, row, len);
        if hit {
            self.detail_scroll = 0;
        }
        hit
    }

    fn filter(&self) -> Option<&str> {
        Some(MessagesState::filter(self))
    }

    fn set_filter(&mut self, text: &str) {
        MessagesState::set_filter(self, text);
    }

    fn show(&mut self, go: Go, shared: &mut Shared) -> Vec<Command> {
        match go {
            Go::Messages(topic, start) => self.open(topic, start, shared),
            Go::Record {
                topic,
                partition,
                offset,
            } => {
                MessagesState::set_filter(self, "");
                let mut cmds = Vec::new();
                if self.end_search() {
                    cmds.push(Command::StopSearch);
                }
                self.focus = Some((partition, offset));
                cmds.extend(self.open(Some(topic), Some(StartAt::Offset(offset)), shared));
                // Already tailing from there: it may be on screen now.
                self.seek_focus();
                cmds
            }
            // The tab: the current or default topic.
            _ => self.open(None, None, shared),
        }
    }

    fn restart_at(&mut self, start: StartAt, shared: &mut Shared) -> Outcome {
        MessagesState::restart_at(self, start, shared)
    }

    fn on_io(&mut self, event: Event, shown: bool, shared: &mut Shared) -> Option<Event> {
        match event {
            Event::Sampler { session, event } => {
                self.on_sampler(session, event, shared);
                shared.dirty |= shown;
                None
            }
            Event::Search { search, event } => {
                self.on_search(search, event);
                shared.dirty |= shown;
                None
            }
            other => Some(other),
        }
    }

    fn search(&mut self, text: &str, shared: &mut Shared) -> Result<Outcome, String> {
        match parse_query(text, shared.now_ms)? {
            Some(query) => Ok(Outcome::commands(self.start_search(query))),
            None => {
                let cmds = if self.end_search() {
                    vec![Command::StopSearch]
                } else {
                    Vec::new()
                };
                Ok(Outcome::commands(cmds))
            }
        }
    }

    fn escape(&mut self, shared: &mut Shared) -> Option<Outcome> {
        let stop = Outcome::commands(vec![Command::StopSearch]);
        if self.cancel_search() {
            let back = shared.key(Scope::Messages, Action::Back);
            shared.info(format!("search cancelled: {back} again for the tail"));
            return Some(stop);
        }
        self.end_search().then_some(stop)
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match action {
            Action::Open | Action::ToggleDetail => self.detail = !self.detail,
            Action::Pause => return Outcome::commands(self.toggle_pause()),
            Action::FromBeginning => return self.restart_at(StartAt::Beginning, shared),
            Action::FromEnd => return self.restart_at(StartAt::End, shared),
            Action::FromOffset => return self.prompt(Prompt::Offset, shared),
            Action::FromTime => return self.prompt(Prompt::Time, shared),
            Action::Search => return self.search_prompt(shared),
            Action::ToggleRaw => self.raw = !self.raw,
            Action::DetailDown => self.detail_scroll = self.detail_scroll.saturating_add(3),
            Action::DetailUp => self.detail_scroll = self.detail_scroll.saturating_sub(3),
            Action::Clear => self.clear(),
            Action::Copy => match self.selected() {
                Some(r) => {
                    let text = r.value.text.clone();
                    shared.info(format!(
                        "copied the value of offset {} ({} bytes)",
                        r.offset,
                        text.len()
                    ));
                    return Outcome::commands(vec![Command::Copy(text)]);
                }
                None => shared.info("no record selected"),
            },
            Action::RedriveDlq => match self.topic.clone() {
                Some(dlq) if dlq.ends_with(".dlq") => {
                    let filter = View::filter(self).map(str::to_string);
                    let selected = self.selected().map(|r| (r.partition, r.offset));
                    let form = Form::Redrive { dlq, selected };
                    return Outcome::dialog(form, filter.as_deref());
                }
                _ => shared.info("redrive works on a dead-letter topic (NAME.dlq)"),
            },
            _ => {}
        }
        Outcome::default()
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw::draw(self, f, area, shared);
    }
}
