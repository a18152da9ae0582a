//! The whole `/metrics` text for a fixed cluster, services and server state, in
//! both formats and with one or two clusters, against snapshots taken from the
//! encoding before `/metrics` was written from the snapshot (prometheus-client
//! families). A family's samples are compared sorted: their order within the
//! family was never fixed (the families' hash maps).

use super::*;
use kaftop_core::monitor::{Step, StepTiming};

/// `text` with each family's sample lines sorted (descriptions and the order of
/// families kept).
fn sorted_within_families(text: &str) -> String {
    let mut out = String::new();
    let mut samples: Vec<&str> = Vec::new();
    let flush = |samples: &mut Vec<&str>, out: &mut String| {
        samples.sort_unstable();
        for s in samples.drain(..) {
            out.push_str(s);
            out.push('\n');
        }
    };
    for line in text.lines() {
        if line.starts_with('#') {
            flush(&mut samples, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            samples.push(line);
        }
    }
    flush(&mut samples, &mut out);
    out
}

fn observed(e: &Exporter, index: usize, m: &ClusterMetrics) {
    let steps = [
        StepTiming {
            step: Step::Metadata,
            took: Duration::from_millis(250),
        },
        StepTiming {
            step: Step::Watermarks,
            took: Duration::from_millis(1_500),
        },
    ];
    e.observe_read_of(index, &steps, 42, Duration::from_secs(5));
    e.observe_cluster_of(index, m, Duration::from_millis(30), true);
}

fn server_state(e: &Exporter) {
    e.observe_services(&services_snapshot(12));
    e.observe_receipt_clients(3, 2);
    e.observe_connections(4, 1, 0);
}

fn body(e: &Exporter, format: Format) -> String {
    let b = e.encode(format).unwrap();
    sorted_within_families(std::str::from_utf8(&b).unwrap())
}

/// A label value with every character the formats escape.
fn with_escapes(m: &mut ClusterMetrics) {
    let g = &mut m.groups[0];
    g.group_id = "we\"ird\\group\nname".into();
}

#[test]
fn one_cluster_in_both_formats_is_the_text_of_before() {
    let (_, mut m) = cluster();
    with_insight(&mut m);
    with_escapes(&mut m);
    let e = Exporter::new();
    observed(&e, 0, &m);
    server_state(&e);
    insta::assert_snapshot!("one_cluster_prometheus", body(&e, Format::Prometheus));
    insta::assert_snapshot!("one_cluster_openmetrics", body(&e, Format::OpenMetrics));
}

#[test]
fn two_clusters_in_both_formats_are_the_text_of_before() {
    let (mut engine, mut m) = cluster();
    with_insight(&mut m);
    let down = engine.ingest(&ClusterSnapshot::default());
    let e = Exporter::for_clusters(&["prod".into(), "down".into()]);
    observed(&e, 0, &m);
    observed(&e, 1, &down);
    server_state(&e);
    insta::assert_snapshot!("two_clusters_prometheus", body(&e, Format::Prometheus));
    insta::assert_snapshot!("two_clusters_openmetrics", body(&e, Format::OpenMetrics));
}
