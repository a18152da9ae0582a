//! The protocol client (`kafka::wire`) against the real test broker: PLAINTEXT,
//! SASL/SCRAM and TLS connections, the request count, and the same one-line
//! diagnosis the librdkafka path gives for a wrong password or an untrusted CA.
//! Costs about a second (a handful of connections).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kafka_protocol::messages::MetadataRequest;
use kaftop_core::config::{self, Overrides};
use kaftop_core::kafka::wire::{Node, WireClient, WireError};

fn resolved(bootstrap: &str, props: &[(&str, &str)]) -> config::Resolved {
    let overrides = Overrides {
        bootstrap_servers: Some(bootstrap.to_string()),
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    config::resolve(None, None, &overrides).unwrap()
}

/// Brokers-only metadata: (broker count, cluster id).
fn metadata(client: &WireClient) -> Result<(usize, Option<String>), WireError> {
    let (_, md) = client.send(Node::Any, 1, |_| {
        let mut r = MetadataRequest::default();
        r.topics = Some(Vec::new());
        r
    })?;
    Ok((md.brokers.len(), md.cluster_id.map(|c| c.to_string())))
}

fn client(cfg: &config::Resolved) -> WireClient {
    WireClient::new(cfg, Duration::from_secs(10)).unwrap()
}

fn sasl_props<'a>(s: &'a common::Sasl, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanism", s.mechanism.as_str()),
        ("sasl.username", s.user.as_str()),
        ("sasl.password", password),
    ]
}

#[test]
fn plaintext_connections_are_reused_and_every_request_counted() {
    let c = client(&resolved(&common::bootstrap(), &[]));
    let (brokers, id) = metadata(&c).unwrap();
    assert!(brokers >= 1 && id.is_some());
    // ApiVersions, then Metadata.
    assert_eq!(c.requests_sent(), 2);
    metadata(&c).unwrap();
    assert_eq!(c.requests_sent(), 3, "the connection is reused");
}

#[test]
fn sasl_scram_authenticates_and_a_wrong_password_is_an_authentication_error() {
    let s = common::sasl();
    let c = client(&resolved(&s.bootstrap, &sasl_props(&s, &s.password)));
    metadata(&c).unwrap();
    // ApiVersions, SaslHandshake, two SaslAuthenticate rounds, Metadata.
    assert_eq!(c.requests_sent(), 5);

    let wrong = "not-the-password-7f3a";
    let cfg = resolved(&s.bootstrap, &sasl_props(&s, wrong));
    let e = metadata(&client(&cfg)).unwrap_err();
    assert!(matches!(e, WireError::Authentication(_)), "{e:?}");
    let line = e.connect_error(&s.bootstrap).to_string();
    assert!(
        line.starts_with(&format!(
            "authentication failed at {}: SASL authentication error: ",
            s.bootstrap
        )),
        "{line}"
    );
    assert!(
        !line.contains(wrong) && !format!("{e:?}").contains(wrong),
        "{line}"
    );
}

/// A CA that signed nothing the broker has.
fn untrusted_ca(dir: &Path) -> PathBuf {
    let (key, ca) = (dir.join("other-ca.key"), dir.join("other-ca.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=kaftop untrusted test CA", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&ca)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ca
}

#[test]
fn tls_trusts_the_profiles_ca_and_an_untrusted_one_is_a_tls_error() {
    let t = common::tls();
    let ca = t.ca.to_str().unwrap();
    let props = [("security.protocol", "SSL"), ("ssl.ca.location", ca)];
    let c = client(&resolved(&t.bootstrap, &props));
    metadata(&c).unwrap();
    assert_eq!(c.requests_sent(), 2);

    let dir = tempfile::tempdir().unwrap();
    let other = untrusted_ca(dir.path());
    let props = [
        ("security.protocol", "SSL"),
        ("ssl.ca.location", other.to_str().unwrap()),
    ];
    let e = metadata(&client(&resolved(&t.bootstrap, &props))).unwrap_err();
    let line = e.connect_error(&t.bootstrap).to_string();
    assert!(
        line.starts_with(&format!("TLS handshake with {} failed: ", t.bootstrap))
            && line.contains("certificate verify failed"),
        "{line}"
    );
}
