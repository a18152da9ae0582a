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
use std::time::Duration;

use common::live_dashboard::LiveDashboard;
use common::registry::{self, registry};
use common::{assert_success, bootstrap, unique};
use crossterm::event::KeyCode;
use kaftop::tui::views::publish::{Form, FormKind};
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

/// A profile on the test broker and the registry at `registry_url`.
fn dashboard(registry_url: &str) -> LiveDashboard {
    LiveDashboard::from_toml(&format!(
        "default_profile = \"t\"\n[profiles.t]\nbootstrap_servers = \"{}\"\n\
         [profiles.t.registry]\nurl = \"{registry_url}\"\ntimeout = \"5s\"\n",
        bootstrap()
    ))
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

/// Selects the field as a person would (top, down), clears it, types `text`.
fn set_field(d: &mut LiveDashboard, name: &str, text: &str) {
    let at = form(d).fields.iter().position(|f| f.name == name);
    d.press(KeyCode::Char('g'));
    for _ in 0..at.expect("field on the form") {
        d.press(KeyCode::Char('j'));
    }
    d.enter();
    d.ctrl('u');
    d.keys(text);
    d.press(KeyCode::Esc);
}

fn form(d: &LiveDashboard) -> &Form {
    d.app.views().publish().form()
}

/// The field's text and error.
fn field(d: &LiveDashboard, name: &str) -> (String, Option<String>) {
    let f = form(d).fields.iter().find(|f| f.name == name).unwrap();
    (f.input.text().to_string(), f.error.clone())
}

/// Sends the form and waits for the outcome: the delivery line, or the refusal.
fn send(d: &mut LiveDashboard) -> Result<String, String> {
    let before = d.app.views().publish().last.clone();
    d.press(KeyCode::Char('s'));
    assert_eq!(
        d.app.views().publish().in_flight.len(),
        1,
        "the form was not sent: {:?}",
        form(d).fields
    );
    d.wait("the outcome of the send", |a| {
        let p = a.views().publish();
        (p.in_flight.is_empty() && p.last != before).then(|| p.last.clone().unwrap())
    })
}

#[test]
fn the_free_form_publishes_avro_that_confluent_reads_back() {
    let Some(url) = registry() else { return };
    let prefix = unique("schematui");
    python(&["register", &bootstrap(), &url, &prefix]);
    let topic = format!("{prefix}-avro");
    let mut d = dashboard(&url);

    d.keys(":publish free");
    d.enter();
    assert_eq!(form(&d).kind, FormKind::Free);
    // A union given plain, a decimal as text, the time in RFC 3339, a map, an
    // enum, a nested record, an array; `channel` left to its default.
    let order = json!({"id": 5, "customerId": 4711, "note": "from the panel",
        "amount": "99.95", "at": "2026-11-24T10:15:30.123Z", "tags": {"x": 3},
        "status": "SHIPPED", "address": {"city": "Daegu", "zip": 41940},
        "lines": [{"sku": "C-3", "qty": 4}]});
    set_field(&mut d, "topic", &topic);
    set_field(&mut d, "key", "\"k-panel\"");
    set_field(&mut d, "value", &order.to_string());
    set_field(&mut d, "subject", &format!("{topic}-value"));
    set_field(&mut d, "keySubject", &format!("{topic}-key"));
    let delivered = send(&mut d).unwrap();
    assert!(
        delivered.contains(&format!("to {topic} partition 0 offset 0")),
        "{delivered}"
    );

    // A value that does not fit: refused on the value field, nothing produced,
    // the form keeps what was typed.
    let mut bad = order.clone();
    bad["address"]["zip"] = json!("41940");
    set_field(&mut d, "value", &bad.to_string());
    let refused = send(&mut d).unwrap_err();
    let (text, error) = field(&d, "value");
    assert_eq!(text, bad.to_string());
    let error = error.unwrap();
    assert!(
        error.contains(r#"field "address.zip": expected an int, got "41940""#)
            && error.contains(&format!("subject {topic}-value")),
        "{error}"
    );
    assert!(refused.starts_with("Not sent: value: "), "{refused}");

    // A subject the registry does not have: refused on the subject field.
    set_field(&mut d, "value", &order.to_string());
    set_field(&mut d, "subject", &format!("{prefix}-nope"));
    let refused = send(&mut d).unwrap_err();
    let error = field(&d, "subject").1.unwrap();
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
