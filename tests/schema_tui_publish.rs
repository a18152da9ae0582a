//! The Publish view's free-form record with a schema subject, against the real
//! test broker and a real registry (Apicurio, `scripts/test-registry.sh`): the
//! dashboard's app and its real I/O side, driven by keys. An Avro value and key
//! typed into the form are read back field for field by Python confluent-kafka's
//! own AvroDeserializer; a value that does not fit, and a subject that does not
//! exist, are refused on their field with nothing produced and the form kept.
//! Cost: two Python processes (~2 s each).

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command as Process;
use std::sync::mpsc;
use std::time::Duration;

use common::registry::{self, registry};
use common::{assert_success, bootstrap, unique, wait_for};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kaftop::tui::event::Event;
use kaftop::tui::io::{Io, IoOptions};
use kaftop::tui::keymap::Keymap;
use kaftop::tui::views::publish::FormKind;
use kaftop::tui::{App, AppConfig};
use kaftop_core::config::{self, Overrides, Resolved};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const PEER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/consume.py");

fn python(args: &[&str]) -> String {
    let out = Process::new(registry::python())
        .arg(PEER)
        .args(args)
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn resolved(registry_url: &str) -> Resolved {
    let text = format!(
        "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n\
         [profiles.t.registry]\nurl = \"{registry_url}\"\ntimeout = \"5s\"\n",
        bootstrap()
    );
    let file = config::parse_str(&text, "kaftop.toml").unwrap();
    config::resolve(Some(&file), None, &Overrides::default()).unwrap()
}

fn end_offset(topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(10))
        .unwrap()
        .1
}

/// The dashboard's app and its real I/O side, wired as the runtime wires them.
struct Dashboard {
    app: App,
    io: Io,
    rx: mpsc::Receiver<Event>,
    _rt: tokio::runtime::Runtime,
}

impl Dashboard {
    fn new(cfg: Resolved) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut app = App::new(AppConfig::new(&cfg, Keymap::defaults(), now_ms, 0));
        app.update(Event::Resize(120, 32));
        let io = Io::start(
            cfg.clone(),
            IoOptions::for_config(&cfg),
            tx,
            rt.handle().clone(),
        );
        Dashboard {
            app,
            io,
            rx,
            _rt: rt,
        }
    }

    fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let cmds = self.app.update(Event::Key(KeyEvent::new(code, modifiers)));
        for c in cmds {
            self.io.execute(c);
        }
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Selects the field as a person would (top, down), clears it, types `text`.
    fn set_field(&mut self, name: &str, text: &str) {
        let at = self.form().fields.iter().position(|f| f.name == name);
        self.press(KeyCode::Char('g'), KeyModifiers::NONE);
        for _ in 0..at.expect("field on the form") {
            self.press(KeyCode::Char('j'), KeyModifiers::NONE);
        }
        self.press(KeyCode::Enter, KeyModifiers::NONE);
        self.press(KeyCode::Char('u'), KeyModifiers::CONTROL);
        self.text(text);
        self.press(KeyCode::Esc, KeyModifiers::NONE);
    }

    fn form(&self) -> &kaftop::tui::views::publish::Form {
        self.app.views().publish().form()
    }

    /// The field's text and error.
    fn field(&self, name: &str) -> (String, Option<String>) {
        let f = self.form().fields.iter().find(|f| f.name == name).unwrap();
        (f.input.text().to_string(), f.error.clone())
    }

    /// Sends the form and feeds the I/O side's events to the app until the
    /// outcome is in: the delivery line, or the refusal.
    fn send(&mut self) -> Result<String, String> {
        let before = self.app.views().publish().last.clone();
        self.press(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(
            self.app.views().publish().in_flight.len(),
            1,
            "the form was not sent: {:?}",
            self.form().fields
        );
        wait_for("the outcome of the send", Duration::from_secs(60), || {
            while let Ok(ev) = self.rx.try_recv() {
                for c in self.app.update(ev) {
                    self.io.execute(c);
                }
            }
            let p = self.app.views().publish();
            (p.in_flight.is_empty() && p.last != before).then(|| p.last.clone().unwrap())
        })
    }
}

#[test]
fn the_free_form_publishes_avro_that_confluent_reads_back() {
    let Some(url) = registry() else { return };
    let prefix = unique("schematui");
    python(&["register", &bootstrap(), &url, &prefix]);
    let topic = format!("{prefix}-avro");
    let mut d = Dashboard::new(resolved(&url));

    d.text(":publish free");
    d.press(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(d.form().kind, FormKind::Free);
    // A union given plain, a decimal as text, the time in RFC 3339, a map, an
    // enum, a nested record, an array; `channel` left to its default.
    let order = json!({"id": 5, "customerId": 4711, "note": "from the panel",
        "amount": "99.95", "at": "2026-11-24T10:15:30.123Z", "tags": {"x": 3},
        "status": "SHIPPED", "address": {"city": "Daegu", "zip": 41940},
        "lines": [{"sku": "C-3", "qty": 4}]});
    d.set_field("topic", &topic);
    d.set_field("key", "\"k-panel\"");
    d.set_field("value", &order.to_string());
    d.set_field("subject", &format!("{topic}-value"));
    d.set_field("keySubject", &format!("{topic}-key"));
    let delivered = d.send().unwrap();
    assert!(
        delivered.contains(&format!("to {topic} partition 0 offset 0")),
        "{delivered}"
    );

    // A value that does not fit: refused on the value field, nothing produced,
    // the form keeps what was typed.
    let mut bad = order.clone();
    bad["address"]["zip"] = json!("41940");
    d.set_field("value", &bad.to_string());
    let refused = d.send().unwrap_err();
    let (text, error) = d.field("value");
    assert_eq!(text, bad.to_string());
    let error = error.unwrap();
    assert!(
        error.contains(r#"field "address.zip": expected an int, got "41940""#)
            && error.contains(&format!("subject {topic}-value")),
        "{error}"
    );
    assert!(refused.starts_with("Not sent: value: "), "{refused}");

    // A subject the registry does not have: refused on the subject field.
    d.set_field("value", &order.to_string());
    d.set_field("subject", &format!("{prefix}-nope"));
    let refused = d.send().unwrap_err();
    let error = d.field("subject").1.unwrap();
    assert!(error.contains("not found"), "{error}");
    assert!(refused.starts_with("Not sent: subject: "), "{refused}");
    assert_eq!(end_offset(&topic), 1, "a refused record was produced");

    // Confluent's AvroDeserializer reads the one record back, field for field.
    let back: Vec<Value> = python(&["read", &bootstrap(), &url, &prefix, "avro", "1"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        back,
        [
            json!({"key": "k-panel", "value": {"id": 5, "customerId": 4711,
            "note": "from the panel", "amount": "99.95", "at": 1_795_515_330_123_i64,
            "tags": {"x": 3}, "status": "SHIPPED",
            "address": {"city": "Daegu", "zip": 41940},
            "lines": [{"sku": "C-3", "qty": 4}], "channel": "web"}})
        ]
    );
}
