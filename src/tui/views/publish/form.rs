//! The publisher panel's forms: one per event type with the seed's fields, a
//! free-form record and the bulk test. Fields validate as they are typed; a form
//! with an invalid field produces no command.

use crate::parse::parse_rate;
use crate::schema_publish::SchemaChoice;
use crate::tui::command::Command;
pub use crate::tui::shared::EventTopics;
use kaftop_core::config::validate_topic_name;
use kaftop_core::events::{
    validation, EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};
use kaftop_core::kafka::bulk::{BulkSpec, BulkType};

use crate::tui::widgets::line::LineInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Created,
    Read,
    Deleted,
    Free,
    Bulk,
}

impl FormKind {
    pub const ALL: [FormKind; 5] = [
        FormKind::Created,
        FormKind::Read,
        FormKind::Deleted,
        FormKind::Free,
        FormKind::Bulk,
    ];

    pub fn title(self) -> &'static str {
        match self {
            FormKind::Created => "MessageCreated",
            FormKind::Read => "MessageRead",
            FormKind::Deleted => "MessageDeleted",
            FormKind::Free => "Free-form",
            FormKind::Bulk => "Bulk test",
        }
    }

    pub fn parse(s: &str) -> Option<FormKind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "created" | "create" | "c" => FormKind::Created,
            "read" | "r" => FormKind::Read,
            "deleted" | "delete" | "d" => FormKind::Deleted,
            "free" | "free-form" | "raw" | "f" => FormKind::Free,
            "bulk" | "b" => FormKind::Bulk,
            _ => return None,
        })
    }

    pub(crate) fn index(self) -> usize {
        FormKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Bulk test event types, in the order the choice cycles.
pub const BULK_TYPES: [&str; 4] = ["created", "read", "deleted", "mixed"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Id,
    Content,
    Time,
    Topic,
    Key,
    Headers,
    Json,
    /// A schema registry subject; empty: none.
    Subject,
    /// A subject's version; empty: the latest.
    Version,
    Count,
    Rate,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone)]
pub struct Field {
    /// As in the event's JSON (camelCase), or the free-form / bulk parameter.
    pub name: &'static str,
    pub kind: FieldKind,
    pub input: LineInput,
    pub error: Option<String>,
    /// Edited by hand: defaults no longer replace it after a send.
    pub touched: bool,
}

impl Field {
    fn new(name: &'static str, kind: FieldKind, value: impl Into<String>) -> Self {
        Field {
            name,
            kind,
            input: LineInput::new(value),
            error: None,
            touched: false,
        }
    }

    pub fn hint(&self) -> &'static str {
        match self.kind {
            FieldKind::Id => "integer",
            FieldKind::Content => "text",
            FieldKind::Time => "2026-11-24T10:15:30.123, RFC 3339, or `now`",
            FieldKind::Topic => "topic name",
            FieldKind::Key => "empty: no key",
            FieldKind::Headers => "k=v, k2=v2",
            FieldKind::Json => "JSON",
            FieldKind::Subject if self.name == "keySubject" => {
                "encodes the key (JSON then); empty: the key as typed"
            }
            FieldKind::Subject => "registry subject encoding the value; empty: none",
            FieldKind::Version => "subject version; empty: the latest",
            FieldKind::Count => "1..=10000000",
            FieldKind::Rate => "events/s; empty: as fast as possible",
            FieldKind::Choice(_) => "enter: next option",
        }
    }
}

/// What form defaults are made of.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub next_id: i64,
    /// The last message created from this panel: what read/deleted refer to.
    pub last_created: Option<i64>,
    pub now: EventTime,
    pub free_topic: String,
}

impl Defaults {
    fn target_id(&self) -> i64 {
        self.last_created.unwrap_or(self.next_id)
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub cursor: usize,
}

impl Form {
    pub fn new(kind: FormKind, d: &Defaults) -> Self {
        use FieldKind as F;
        let now = d.now.to_string();
        let fields = match kind {
            FormKind::Created => vec![
                Field::new("messageId", F::Id, d.next_id.to_string()),
                Field::new("senderId", F::Id, "100"),
                Field::new("receiverId", F::Id, "200"),
                Field::new("content", F::Content, "HelloKafka"),
                Field::new("createdAt", F::Time, now),
            ],
            FormKind::Read => vec![
                Field::new("messageId", F::Id, d.target_id().to_string()),
                Field::new("receiverId", F::Id, "200"),
                Field::new("readAt", F::Time, now),
            ],
            FormKind::Deleted => vec![
                Field::new("messageId", F::Id, d.target_id().to_string()),
                Field::new("senderId", F::Id, "100"),
                Field::new("receiverId", F::Id, "200"),
                Field::new("deletedAt", F::Time, now),
            ],
            FormKind::Free => vec![
                Field::new("topic", F::Topic, d.free_topic.clone()),
                Field::new("key", F::Key, ""),
                Field::new("headers", F::Headers, ""),
                Field::new("value", F::Json, r#"{"hello":"kaftop"}"#),
                Field::new("subject", F::Subject, ""),
                Field::new("version", F::Version, ""),
                Field::new("keySubject", F::Subject, ""),
            ],
            FormKind::Bulk => vec![
                Field::new("count", F::Count, "1000"),
                Field::new("rate", F::Rate, ""),
                Field::new("type", F::Choice(&BULK_TYPES), "created"),
            ],
        };
        Form {
            kind,
            fields,
            cursor: 0,
        }
    }

    fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map_or("", |f| f.input.text())
    }

    /// Puts fresh defaults into the fields nobody edited (after a send).
    pub fn refresh_defaults(&mut self, d: &Defaults) {
        let fresh = Form::new(self.kind, d);
        for (f, new) in self.fields.iter_mut().zip(fresh.fields) {
            if !f.touched {
                f.input = new.input;
                f.error = None;
            }
        }
    }

    /// Re-checks every field, and what one field asks of another; returns how
    /// many are invalid.
    pub fn validate(&mut self, topics: Option<&[String]>) -> usize {
        for f in &mut self.fields {
            f.error = check(f.kind, f.input.text(), topics).err();
        }
        if self.kind == FormKind::Free {
            self.check_schema_fields();
        }
        self.fields.iter().filter(|f| f.error.is_some()).count()
    }

    /// A version needs a subject; a key subject needs a key that is JSON.
    fn check_schema_fields(&mut self) {
        let has_subject = !self.text("subject").trim().is_empty();
        let has_version = !self.text("version").trim().is_empty();
        let key_subject = !self.text("keySubject").trim().is_empty();
        let key = self.text("key").to_string();
        let key_error = match key_subject {
            true if key.is_empty() => Some("required with a keySubject".to_string()),
            true => serde_json::from_str::<serde_json::Value>(&key)
                .err()
                .map(|e| format!("not JSON (with a keySubject): {e}")),
            false => None,
        };
        for f in &mut self.fields {
            match f.name {
                "version" if has_version && !has_subject && f.error.is_none() => {
                    f.error = Some("needs a subject".into());
                }
                "key" if f.error.is_none() => f.error = key_error.clone(),
                _ => {}
            }
        }
    }

    /// Puts `reason` on the field named `name` (a refusal from the I/O side).
    pub fn refuse(&mut self, name: &str, reason: String) {
        if let Some(i) = self.fields.iter().position(|f| f.name == name) {
            self.fields[i].error = Some(reason);
            self.cursor = i;
        }
    }

    /// Cycles a choice field to its next option.
    pub fn cycle_choice(&mut self) -> bool {
        let Some(f) = self.fields.get_mut(self.cursor) else {
            return false;
        };
        let FieldKind::Choice(options) = f.kind else {
            return false;
        };
        let at = options.iter().position(|o| *o == f.input.text());
        let next = options[at.map_or(0, |i| (i + 1) % options.len())];
        f.input.set(next);
        f.touched = true;
        f.error = None;
        true
    }
}

/// Checks one field's text.
pub fn check(kind: FieldKind, text: &str, topics: Option<&[String]>) -> Result<(), String> {
    let t = text.trim();
    match kind {
        // The event fields follow the core's rules, as the CLI does.
        FieldKind::Id => validation::id(text).map(|_| ()).map_err(|e| e.to_string()),
        FieldKind::Content => validation::content(text)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        FieldKind::Time => validation::time(text)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        FieldKind::Topic => {
            validate_topic_name(t)?;
            match topics {
                Some(known) if !known.iter().any(|k| k == t) => {
                    Err(format!("no topic `{t}` on the cluster"))
                }
                _ => Ok(()),
            }
        }
        FieldKind::Key => Ok(()),
        FieldKind::Headers => parse_headers(text).map(|_| ()),
        FieldKind::Json => serde_json::from_str::<serde_json::Value>(text)
            .map(|_| ())
            .map_err(|e| format!("not JSON: {e}")),
        FieldKind::Subject => Ok(()),
        FieldKind::Version => match t.parse::<i32>() {
            _ if t.is_empty() => Ok(()),
            Ok(1..) => Ok(()),
            _ => Err("a version number (1, 2, …); empty: the latest".into()),
        },
        FieldKind::Count => match t.parse::<u64>() {
            Ok(1..=10_000_000) => Ok(()),
            _ => Err("must be a whole number from 1 to 10000000".into()),
        },
        FieldKind::Rate => parse_optional_rate(t).map(|_| ()),
        FieldKind::Choice(options) if options.contains(&t) => Ok(()),
        FieldKind::Choice(options) => Err(format!("one of {}", options.join(", "))),
    }
}

fn parse_optional_rate(t: &str) -> Result<Option<f64>, String> {
    if t.is_empty() || t.eq_ignore_ascii_case("max") {
        return Ok(None);
    }
    parse_rate(t).map(Some)
}

/// `k=v, k2=v2` → pairs; empty → none.
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!("`{p}` is not key=value")),
        })
        .collect()
}

/// What a valid form asks for, before it gets a request id.
#[derive(Debug, Clone)]
pub enum Request {
    Event {
        topic: String,
        event: MessageEvent,
    },
    Record {
        topic: String,
        key: Option<String>,
        headers: Vec<(String, String)>,
        value: String,
        /// Encode with these registry subjects (the I/O side asks the registry).
        schema: Option<SchemaChoice>,
    },
    Bulk(BulkSpec),
}

impl Request {
    pub fn into_command(self, request: u64) -> Command {
        match self {
            Request::Event { topic, event } => Command::PublishEvent {
                request,
                topic,
                event,
            },
            Request::Record {
                topic,
                key,
                headers,
                value,
                schema,
            } => Command::PublishRecord {
                request,
                topic,
                key,
                headers,
                value,
                schema,
            },
            Request::Bulk(spec) => Command::StartBulk(spec),
        }
    }
}

/// Builds the request of a form whose fields are all valid. `now` fills `now`
/// times; `next_id` is the first id of a bulk run.
pub fn build(
    form: &Form,
    topics: &EventTopics,
    now: EventTime,
    next_id: i64,
) -> Result<Request, String> {
    let id = |name: &str| -> Result<i64, String> {
        validation::id(form.text(name)).map_err(|e| format!("{name}: {e}"))
    };
    let time = |name: &str| -> Result<EventTime, String> {
        validation::time(form.text(name))
            .map(|w| w.or(now))
            .map_err(|e| format!("{name}: {e}"))
    };
    let event = |event: MessageEvent| Request::Event {
        topic: topics.for_kind(event.kind()).to_string(),
        event,
    };
    Ok(match form.kind {
        FormKind::Created => event(MessageEvent::Created(MessageCreatedEvent {
            message_id: id("messageId")?,
            sender_id: id("senderId")?,
            receiver_id: id("receiverId")?,
            content: validation::content(form.text("content"))
                .map_err(|e| format!("content: {e}"))?,
            created_at: time("createdAt")?,
        })),
        FormKind::Read => event(MessageEvent::Read(MessageReadEvent {
            message_id: id("messageId")?,
            receiver_id: id("receiverId")?,
            read_at: time("readAt")?,
        })),
        FormKind::Deleted => event(MessageEvent::Deleted(MessageDeletedEvent {
            message_id: id("messageId")?,
            sender_id: id("senderId")?,
            receiver_id: id("receiverId")?,
            deleted_at: time("deletedAt")?,
        })),
        FormKind::Free => Request::Record {
            topic: form.text("topic").trim().to_string(),
            key: Some(form.text("key").to_string()).filter(|k| !k.is_empty()),
            headers: parse_headers(form.text("headers"))?,
            value: form.text("value").to_string(),
            schema: schema_choice(form)?,
        },
        FormKind::Bulk => Request::Bulk(BulkSpec {
            count: form
                .text("count")
                .trim()
                .parse()
                .map_err(|_| "count is not a number".to_string())?,
            rate: parse_optional_rate(form.text("rate").trim())?,
            kind: match form.text("type").trim() {
                "read" => BulkType::Read,
                "deleted" => BulkType::Deleted,
                "mixed" => BulkType::Mixed,
                _ => BulkType::Created,
            },
            start_id: next_id,
        }),
    })
}

/// The free form's subjects, when it names one.
fn schema_choice(form: &Form) -> Result<Option<SchemaChoice>, String> {
    let subject = form.text("subject").trim();
    let version = form.text("version").trim();
    let key_subject = form.text("keySubject").trim();
    if subject.is_empty() {
        if !version.is_empty() {
            return Err("version: needs a subject".into());
        }
        if !key_subject.is_empty() {
            return Err("keySubject: needs a subject for the value too".into());
        }
        return Ok(None);
    }
    let version = match version {
        "" => None,
        v => Some(
            v.parse()
                .map_err(|_| format!("version: `{v}` is not a number"))?,
        ),
    };
    Ok(Some(SchemaChoice {
        subject: subject.to_string(),
        version,
        message: None,
        key_subject: Some(key_subject.to_string()).filter(|s| !s.is_empty()),
        key_version: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            next_id: 41,
            last_created: None,
            now: EventTime::parse("2026-11-24T10:15:30.123").unwrap(),
            free_topic: "message.created".into(),
        }
    }

    fn topics() -> EventTopics {
        EventTopics {
            created: "c".into(),
            read: "r".into(),
            deleted: "d".into(),
        }
    }

    #[test]
    fn field_checks() {
        use FieldKind as F;
        assert!(check(F::Id, "42", None).is_ok());
        assert_eq!(
            check(F::Id, "0", None),
            Err("must be greater than 0".into())
        );
        assert_eq!(
            check(F::Id, "x1", None),
            Err("`x1` is not an integer".into())
        );
        assert_eq!(check(F::Content, "", None), Err("required".into()));
        assert!(check(F::Time, "now", None).is_ok());
        assert!(check(F::Time, "2026-11-24T10:15:30Z", None).is_ok());
        assert!(check(F::Time, "noon", None)
            .unwrap_err()
            .contains("ISO-8601"));
        assert!(check(F::Json, "{\"a\":1}", None).is_ok());
        assert!(check(F::Json, "{a:1}", None)
            .unwrap_err()
            .starts_with("not JSON"));
        assert!(check(F::Headers, "a=1, b = 2", None).is_ok());
        assert_eq!(
            check(F::Headers, "a", None),
            Err("`a` is not key=value".into())
        );
        assert!(check(F::Count, "0", None).is_err());
        assert!(check(F::Rate, "", None).is_ok());
        assert!(check(F::Rate, "fast", None).is_err());
        let known = vec!["t1".to_string()];
        assert!(check(F::Topic, "t1", Some(&known)).is_ok());
        assert_eq!(
            check(F::Topic, "t2", Some(&known)),
            Err("no topic `t2` on the cluster".into())
        );
        assert!(check(F::Topic, "bad name", None).is_err());
    }

    #[test]
    fn builds_the_seed_event() {
        let mut f = Form::new(FormKind::Created, &defaults());
        assert_eq!(f.validate(None), 0);
        let Request::Event { topic, event } = build(&f, &topics(), EventTime::now(), 0).unwrap()
        else {
            panic!("not an event")
        };
        assert_eq!(topic, "c");
        assert_eq!(
            event.to_json(),
            r#"{"messageId":41,"senderId":100,"receiverId":200,"content":"HelloKafka","createdAt":"2026-11-24T10:15:30.123"}"#
        );
    }

    #[test]
    fn refresh_keeps_edited_fields() {
        let mut f = Form::new(FormKind::Read, &defaults());
        f.fields[1].input.set("999");
        f.fields[1].touched = true;
        let mut d = defaults();
        d.last_created = Some(77);
        f.refresh_defaults(&d);
        assert_eq!(f.fields[0].input.text(), "77");
        assert_eq!(f.fields[1].input.text(), "999");
    }

    #[test]
    fn choices_cycle() {
        let mut f = Form::new(FormKind::Bulk, &defaults());
        f.cursor = 2;
        for want in ["read", "deleted", "mixed", "created"] {
            assert!(f.cycle_choice());
            assert_eq!(f.fields[2].input.text(), want);
        }
        f.cursor = 0;
        assert!(!f.cycle_choice());
    }

    fn set(f: &mut Form, name: &str, text: &str) {
        let field = f.fields.iter_mut().find(|x| x.name == name).unwrap();
        field.input.set(text);
        field.touched = true;
    }

    fn error<'a>(f: &'a Form, name: &str) -> Option<&'a str> {
        f.fields
            .iter()
            .find(|x| x.name == name)
            .and_then(|x| x.error.as_deref())
    }

    #[test]
    fn free_form_without_a_subject_sends_the_text() {
        let mut f = Form::new(FormKind::Free, &defaults());
        assert_eq!(f.validate(None), 0);
        let Request::Record { schema, value, .. } =
            build(&f, &topics(), EventTime::now(), 0).unwrap()
        else {
            panic!("not a record")
        };
        assert_eq!((schema, value.as_str()), (None, r#"{"hello":"kaftop"}"#));
    }

    #[test]
    fn schema_fields_check_each_other() {
        let mut f = Form::new(FormKind::Free, &defaults());
        // A version alone, a bad version, a key subject with a key that is not JSON.
        set(&mut f, "version", "2");
        assert_eq!(f.validate(None), 1);
        assert_eq!(error(&f, "version"), Some("needs a subject"));
        set(&mut f, "version", "0");
        assert_eq!(f.validate(None), 1);
        assert!(error(&f, "version")
            .unwrap()
            .starts_with("a version number"));
        set(&mut f, "subject", "orders-value");
        set(&mut f, "version", "3");
        set(&mut f, "keySubject", "orders-key");
        assert_eq!(f.validate(None), 1);
        assert_eq!(error(&f, "key"), Some("required with a keySubject"));
        set(&mut f, "key", "k-1");
        assert_eq!(f.validate(None), 1);
        assert!(error(&f, "key")
            .unwrap()
            .starts_with("not JSON (with a keySubject)"));
        set(&mut f, "key", r#""k-1""#);
        assert_eq!(f.validate(None), 0);
        let Request::Record { schema, key, .. } =
            build(&f, &topics(), EventTime::now(), 0).unwrap()
        else {
            panic!("not a record")
        };
        assert_eq!(key.as_deref(), Some(r#""k-1""#));
        assert_eq!(
            schema,
            Some(SchemaChoice {
                subject: "orders-value".into(),
                version: Some(3),
                message: None,
                key_subject: Some("orders-key".into()),
                key_version: None,
            })
        );
    }

    #[test]
    fn a_refusal_lands_on_its_field() {
        let mut f = Form::new(FormKind::Free, &defaults());
        set(&mut f, "value", r#"{"id":"x"}"#);
        f.refuse("value", r#"field "id": expected a long"#.into());
        assert_eq!(error(&f, "value"), Some(r#"field "id": expected a long"#));
        assert_eq!(f.fields[f.cursor].name, "value");
        // The text stays as typed.
        assert_eq!(f.text("value"), r#"{"id":"x"}"#);
    }
}
