//! The publisher panel: a form per event type, the free-form record and the
//! bulk test. The forms and their validation are in [`form`], the drawing in
//! `draw`; here is the panel's state, what its keys do, and what happens to
//! a delivery report.

mod draw;
mod edit;
pub mod form;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Go, Modal, Outcome, View};
use crate::tui::action::Action;
use crate::tui::action::Scope;
use crate::tui::command::Command;
use crate::tui::event::Event;
use crate::tui::shared::{event_time, Shared};
use crate::tui::shared::{AppConfig, Source};
pub use form::{build, check, Defaults, EventTopics, Field, FieldKind, Form, FormKind, Request};
use kaftop_core::kafka::bulk::{BulkReport, BulkSpec};
use kaftop_core::kafka::publisher::Delivered;

/// A bulk test in progress or finished.
#[derive(Debug, Clone)]
pub struct BulkRun {
    pub spec: BulkSpec,
    pub queued: u64,
    pub delivered: u64,
    pub failed: u64,
    pub cancelling: bool,
    pub outcome: Option<Result<BulkReport, String>>,
}

impl BulkRun {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// Delivered or failed, over requested: 0.0..=1.0.
    pub fn ratio(&self) -> f64 {
        ((self.delivered + self.failed) as f64 / self.spec.count.max(1) as f64).clamp(0.0, 1.0)
    }
}

/// A single publish waiting for its delivery report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub request: u64,
    pub kind: FormKind,
    pub message_id: Option<i64>,
}

/// The panel: its forms, what is in flight, and the last outcome.
#[derive(Debug, Clone)]
pub struct PublishState {
    pub forms: Vec<Form>,
    pub current: usize,
    /// The selected field is being edited (keys go to it).
    pub editing: bool,
    pub next_id: i64,
    pub last_created: Option<i64>,
    pub next_request: u64,
    pub in_flight: Vec<InFlight>,
    /// The last single publish: `Ok(line)` or `Err(reason)`.
    pub last: Option<Result<String, String>>,
    pub bulk: Option<BulkRun>,
}

impl PublishState {
    pub fn new(d: &Defaults) -> Self {
        PublishState {
            forms: FormKind::ALL.iter().map(|k| Form::new(*k, d)).collect(),
            current: 0,
            editing: false,
            next_id: d.next_id,
            last_created: d.last_created,
            next_request: 1,
            in_flight: Vec::new(),
            last: None,
            bulk: None,
        }
    }

    pub fn form(&self) -> &Form {
        &self.forms[self.current]
    }

    pub fn form_mut(&mut self) -> &mut Form {
        &mut self.forms[self.current]
    }

    pub fn select(&mut self, kind: FormKind) {
        self.current = kind.index();
        self.editing = false;
    }

    pub fn bulk_running(&self) -> bool {
        self.bulk.as_ref().is_some_and(BulkRun::running)
    }
}

impl PublishState {
    /// The panel at start: ids from the config's first message id.
    pub(crate) fn for_config(cfg: &AppConfig) -> Self {
        PublishState::new(&Defaults {
            next_id: cfg.first_message_id,
            last_created: None,
            now: event_time(cfg.now_ms),
            free_topic: cfg.topics.created.clone(),
        })
    }

    /// What untouched fields take now.
    pub(crate) fn defaults(&self, shared: &Shared) -> Defaults {
        Defaults {
            next_id: self.next_id,
            last_created: self.last_created,
            now: event_time(shared.now_ms),
            free_topic: shared.cfg.topics.created.clone(),
        }
    }

    fn refresh_all(&mut self, shared: &Shared) {
        let d = self.defaults(shared);
        for f in &mut self.forms {
            f.refresh_defaults(&d);
        }
    }

    /// Sends the current form, unless a field is invalid or its topic is missing.
    pub(crate) fn submit(&mut self, shared: &mut Shared) -> Vec<Command> {
        let kind = self.form().kind;
        let action = match kind {
            FormKind::Bulk => "run a bulk test (it publishes)",
            _ => "publish",
        };
        if shared.refuse_in_read_only(action) {
            return Vec::new();
        }
        if kind == FormKind::Bulk && self.bulk_running() {
            let x = shared.key(Scope::Publish, Action::CancelBulk);
            shared.error(format!("a bulk test is running ({x} cancels it)"));
            return Vec::new();
        }
        // Untouched fields take fresh defaults: "now" is when it is sent.
        let d = self.defaults(shared);
        self.form_mut().refresh_defaults(&d);
        let topics = shared.topic_names();
        let invalid = self.form_mut().validate(topics.as_deref());
        if invalid > 0 {
            let s = if invalid == 1 { "" } else { "s" };
            shared.error(format!("{invalid} invalid field{s}: nothing sent"));
            return Vec::new();
        }
        let now = event_time(shared.now_ms);
        let request = match build(self.form(), &shared.cfg.topics, now, self.next_id) {
            Ok(r) => r,
            Err(e) => {
                shared.error(e);
                return Vec::new();
            }
        };
        let target = match &request {
            Request::Event { topic, .. } => Some(topic.clone()),
            _ => None,
        };
        if let Some(t) = target.filter(|t| shared.has_topic(t) == Some(false)) {
            shared.error(format!(
                "topic `{t}` does not exist (create it with `kaftop topics ensure`)"
            ));
            return Vec::new();
        }
        match request {
            Request::Bulk(spec) => {
                self.next_id = self
                    .next_id
                    .saturating_add(i64::try_from(spec.count).unwrap_or(i64::MAX));
                shared.info(format!(
                    "bulk test: sending {} events",
                    kaftop_core::present::count_u(spec.count)
                ));
                self.bulk = Some(BulkRun {
                    spec: spec.clone(),
                    queued: 0,
                    delivered: 0,
                    failed: 0,
                    cancelling: false,
                    outcome: None,
                });
                vec![Command::StartBulk(spec)]
            }
            other => {
                let id = self.next_request;
                self.next_request += 1;
                let message_id = match &other {
                    Request::Event { event, .. } => Some(event.message_id()),
                    _ => None,
                };
                self.in_flight.push(InFlight {
                    request: id,
                    kind,
                    message_id,
                });
                if let (FormKind::Created, Some(mid)) = (kind, message_id) {
                    // Reserve the id at once, so a second send before the
                    // delivery report does not reuse it.
                    self.next_id = self.next_id.max(mid.saturating_add(1));
                    let d = self.defaults(shared);
                    let form = self.form_mut();
                    if let Some(f) = form.fields.first_mut() {
                        f.touched = false;
                    }
                    form.refresh_defaults(&d);
                }
                shared.info("sending…");
                vec![other.into_command(id)]
            }
        }
    }

    /// A single publish finished.
    pub(crate) fn on_published(
        &mut self,
        request: u64,
        result: Result<Delivered, String>,
        shared: &mut Shared,
    ) {
        let pos = self.in_flight.iter().position(|f| f.request == request);
        let Some(flight) = pos.map(|i| self.in_flight.remove(i)) else {
            return;
        };
        match result {
            Ok(d) => {
                let what = match flight.message_id {
                    Some(id) => format!("{} (messageId {id})", flight.kind.title()),
                    None => "record".to_string(),
                };
                let line = format!(
                    "Delivered {what} to {} partition {} offset {}",
                    d.topic, d.partition, d.offset
                );
                shared.info(line.clone());
                self.last = Some(Ok(line));
                if let (FormKind::Created, Some(id)) = (flight.kind, flight.message_id) {
                    // Read and deleted events now refer to this message.
                    self.last_created = Some(id);
                }
                self.refresh_all(shared);
            }
            Err(e) => {
                let line = format!("Delivery failed: {e}");
                shared.error_from(Source::Publish, line.clone());
                self.last = Some(Err(line));
            }
        }
        shared.dirty = true;
    }

    /// The free-form record did not fit its schema (or the subject could not be
    /// had): nothing was sent; the field says why and keeps its text.
    pub(crate) fn on_refused(
        &mut self,
        request: u64,
        field: &str,
        reason: String,
        shared: &mut Shared,
    ) {
        let pos = self.in_flight.iter().position(|f| f.request == request);
        let Some(flight) = pos.map(|i| self.in_flight.remove(i)) else {
            return;
        };
        let line = format!("Not sent: {field}: {reason}");
        if let Some(form) = self.forms.iter_mut().find(|f| f.kind == flight.kind) {
            form.refuse(field, reason);
        }
        shared.error_from(Source::Publish, line.clone());
        self.last = Some(Err(line));
        shared.dirty = true;
    }

    /// Counters of the running bulk test; true when they were taken.
    pub(crate) fn on_bulk_progress(&mut self, queued: u64, delivered: u64, failed: u64) -> bool {
        match self.bulk.as_mut().filter(|b| b.running()) {
            Some(b) => {
                (b.queued, b.delivered, b.failed) = (queued, delivered, failed);
                true
            }
            None => false,
        }
    }

    pub(crate) fn on_bulk_done(&mut self, result: Result<BulkReport, String>, shared: &mut Shared) {
        let Some(b) = self.bulk.as_mut() else {
            return;
        };
        match &result {
            Ok(r) => {
                (b.delivered, b.failed) = (r.delivered, r.failed);
                let line = r.summary_line();
                if r.failed + r.unconfirmed > 0 {
                    let mut msg = format!("{line}; {} failed", r.failed + r.unconfirmed);
                    if let Some(cause) = r.cause.first() {
                        msg.push_str(&format!(" ({cause})"));
                    }
                    shared.error_from(Source::Publish, msg);
                } else {
                    shared.info(line);
                }
            }
            Err(e) => shared.error_from(Source::Publish, format!("bulk test failed: {e}")),
        }
        b.outcome = Some(result);
        shared.dirty = true;
    }
}

impl View for PublishState {
    fn title(&self) -> &'static str {
        "Publish"
    }

    fn scope(&self) -> Scope {
        Scope::Publish
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Edit, Action::Send, Action::NextForm]
    }

    fn selected(&self) -> usize {
        self.form().cursor
    }

    fn move_by(&mut self, delta: isize, _shared: &Shared) {
        let form = self.form_mut();
        let last = form.fields.len().saturating_sub(1) as isize;
        form.cursor = (form.cursor as isize).saturating_add(delta).clamp(0, last) as usize;
    }

    fn on_enter(&mut self, shared: &Shared) {
        self.refresh_all(shared);
    }

    fn show(&mut self, go: Go, _shared: &mut Shared) -> Vec<Command> {
        if let Go::Form(kind) = go {
            self.select(kind);
        }
        Vec::new()
    }

    fn edit(&mut self, key: KeyEvent, shared: &mut Shared) -> (bool, Vec<Command>) {
        self.edit_key(key, shared)
    }

    fn paste(&mut self, text: &str, shared: &mut Shared) {
        self.paste_into_field(text, shared);
    }

    fn on_io(&mut self, event: Event, shown: bool, shared: &mut Shared) -> Option<Event> {
        match event {
            Event::Published { request, result } => self.on_published(request, result, shared),
            Event::PublishRefused {
                request,
                field,
                reason,
            } => self.on_refused(request, field, reason, shared),
            Event::BulkProgress {
                queued,
                delivered,
                failed,
            } => {
                if self.on_bulk_progress(queued, delivered, failed) {
                    shared.dirty |= shown;
                }
            }
            Event::BulkDone(result) => self.on_bulk_done(result, shared),
            other => return Some(other),
        }
        None
    }

    fn act(&mut self, action: Action, shared: &mut Shared) -> Outcome {
        match action {
            Action::NextForm | Action::PrevForm => {
                let n = FormKind::ALL.len();
                let step = if action == Action::NextForm { 1 } else { n - 1 };
                self.current = (self.current + step) % n;
            }
            // A choice cycles to its next option; other fields are typed into.
            Action::Edit if !self.form_mut().cycle_choice() => {
                self.editing = true;
                return Outcome::modal(Modal::Edit);
            }
            Action::Send => return Outcome::commands(self.submit(shared)),
            Action::ResetForm => {
                let d = self.defaults(shared);
                let kind = self.form().kind;
                *self.form_mut() = Form::new(kind, &d);
            }
            Action::CancelBulk => {
                if let Some(b) = self.bulk.as_mut().filter(|b| b.running()) {
                    b.cancelling = true;
                    return Outcome::commands(vec![Command::CancelBulk]);
                }
                shared.info("no bulk test is running");
            }
            _ => {}
        }
        Outcome::default()
    }

    fn draw(&self, f: &mut Frame, area: Rect, shared: &Shared) {
        draw::draw(self, f, area, shared);
    }
}
