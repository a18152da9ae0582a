//! A cluster that cannot be reached, before and after the first data, and a
//! client that cannot be created.

use kaftop::tui::app::Level;
use kaftop::tui::event::Event;

use crate::notice;
use crate::tui_support::*;

#[test]
fn an_outage_keeps_the_last_data_and_recovers() {
    let mut a = app();
    a.update(Event::Cluster(Box::new(
        kaftop_core::metrics::ClusterMetrics {
            taken_at_ms: T0_MS + 30_000,
            connected: false,
            errors: vec![
                "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure".into(),
            ],
            ..Default::default()
        },
    )));
    assert_eq!(a.cluster().map(|c| c.topics.len()), Some(4));
    assert_eq!(notice(&a).0, Level::Error);
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(notice(&a), (Level::Info, "reconnected".into()));
}

#[test]
fn an_unreachable_cluster_says_so_before_any_data() {
    let mut a = bare_app();
    let waiting = "Waiting for the first refresh from 127.0.0.1:9092 …";
    assert_eq!(a.unreachable_text(), None);
    assert!(render_app(&a, 120, 32).contains(waiting));
    a.update(Event::Cluster(Box::new(kaftop_core::metrics::ClusterMetrics {
        taken_at_ms: T0_MS + 5_000,
        connected: false,
        errors: vec![
            "cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure (Local: Broker transport failure)".into(),
        ],
        ..Default::default()
    })));
    let want = "Cannot reach the cluster at 127.0.0.1:9092: BrokerTransportFailure (Local: Broker transport failure)\nLast attempt 10:15:35; retrying.";
    assert_eq!(a.unreachable_text().as_deref(), Some(want));
    // Every view that waits for data says so, long after the notice expired.
    a.update(Event::Tick {
        now_ms: T0_MS + 120_000,
    });
    assert_eq!(a.notice(), None);
    for view in ["topics", "groups", "topic message.created", "group g"] {
        command(&mut a, view);
        let screen = render_app(&a, 120, 32);
        assert!(
            !screen.contains("Waiting for the first refresh"),
            "{view}: {screen}"
        );
        for line in want.lines() {
            assert!(screen.contains(line), "{view}: {screen}");
        }
    }
    // The first refresh that reaches the cluster shows its data.
    a.update(Event::Cluster(Box::new(cluster())));
    assert_eq!(a.unreachable_text(), None);
    assert_eq!(notice(&a), (Level::Info, "reconnected".into()));
}

#[test]
fn a_client_that_cannot_be_created_is_shown_instead_of_waiting() {
    let mut a = bare_app();
    a.update(Event::IoError(
        "No such configuration property: \"foo\"".into(),
    ));
    assert_eq!(
        a.unreachable_text().as_deref(),
        Some("Cannot refresh: No such configuration property: \"foo\"")
    );
    assert!(render_app(&a, 120, 32).contains("Cannot refresh: No such configuration property"));
}

/// A refused password is not a dead network: the header says which.
#[test]
fn a_sasl_failure_says_authentication_failed_in_the_header() {
    let mut a = bare_app();
    a.update(Event::Cluster(Box::new(kaftop_core::metrics::ClusterMetrics {
        taken_at_ms: T0_MS + 5_000,
        connected: false,
        errors: vec![
            "authentication failed at 127.0.0.1:9094: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512".into(),
        ],
        ..Default::default()
    })));
    let header = render_app(&a, 200, 32).lines().next().unwrap().to_string();
    assert!(header.contains("✗ authentication failed"), "{header}");
    assert!(!header.contains("unreachable"), "{header}");
}
