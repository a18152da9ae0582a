//! Several clusters served at once: one description per family, a `cluster`
//! label on every sample.

use super::*;

#[test]
fn several_clusters_carry_a_cluster_label_under_one_description() {
    let (mut engine, m) = cluster();
    let down = engine.ingest(&ClusterSnapshot::default());
    let e = Exporter::for_clusters(&["prod".into(), "down".into()]);
    e.observe_cluster_of(0, &m, Duration::from_millis(30), true);
    e.observe_cluster_of(1, &down, Duration::from_secs(5), false);
    e.observe_receipt_clients(2, 0);
    let t = text(&e);
    assert_eq!(
        samples(&t, "kafka_cluster_up"),
        [
            r#"kafka_cluster_up{cluster="down"} 0"#,
            r#"kafka_cluster_up{cluster="prod"} 1"#,
        ]
    );
    assert_eq!(
        samples(
            &t,
            "kafka_consumergroup_group_sum_lag{cluster=\"prod\",group=\"audit\"}"
        )
        .len(),
        1,
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l == r#"kaftop_refresh_errors_total{cluster="down"} 1"#),
        "{t}"
    );
    assert_eq!(t.matches("# TYPE kafka_cluster_up ").count(), 1, "{t}");
    // The server's own families are not a cluster's.
    assert!(t.lines().any(|l| l == "kaftop_receipt_clients 2"), "{t}");
}
