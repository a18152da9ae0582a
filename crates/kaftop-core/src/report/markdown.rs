//! The incident snapshot as Markdown: headings, describe tables and fenced
//! records, readable as plain text and as rendered Markdown.

use std::fmt::Write as _;

use super::incident::{Incident, IncidentGroup, IncidentPartition, PeekedRecord};
use super::words;
use crate::metrics::TimeLag;
use crate::present;

/// A table cell: one line, no column separator.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report for people.
pub fn render(r: &Incident) -> String {
    let mut out = String::new();
    let h = &r.header;
    let cluster = h.cluster_id.as_deref().unwrap_or("?");
    let _ = writeln!(
        out,
        "# kaftop incident snapshot: cluster {cluster}, {}\n",
        present::utc(r.taken_at_ms)
    );
    let _ = writeln!(
        out,
        "controller {} · brokers {}/{} up · under-replicated {} · under-min-ISR {} · \
         offline {} · alerting groups {}\n",
        h.controller.map_or_else(|| "-".into(), |c| c.to_string()),
        h.brokers_up,
        h.brokers_total,
        h.under_replicated,
        h.under_min_isr,
        h.offline,
        h.alerts
    );
    out.push_str("## Alerts\n\n");
    if r.alerts.is_empty() {
        out.push_str("None.\n");
    }
    for a in &r.alerts {
        let _ = writeln!(out, "- {a}");
    }
    out.push_str("\n## Consumer groups\n\n");
    if r.groups.is_empty() {
        out.push_str("Every group is OK.\n\n");
    }
    for g in &r.groups {
        group(&mut out, g);
    }
    out.push_str("## Timeline\n\n");
    if r.timeline.is_empty() {
        out.push_str("No events recorded.\n");
    }
    for e in &r.timeline {
        let sev = format!("{:?}", e.severity).to_lowercase();
        let _ = writeln!(out, "- {} [{sev}] {}", present::utc_clock(e.at_ms), e.text);
    }
    out.push_str("\n## Topics by rate\n\n");
    out.push_str("| TOPIC | PARTITIONS | MSG/S | MESSAGES | RATE, LAST 10 MIN |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    for t in &r.topics {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` |",
            cell(&t.name),
            t.partitions,
            present::rate(t.rate),
            present::count(t.messages),
            t.rate_sparkline
        );
    }
    out
}

fn group(out: &mut String, g: &IncidentGroup) {
    let _ = writeln!(out, "### {} ({})\n", g.group_id, g.status.as_str());
    let mut facts: Vec<String> = g
        .status_reason
        .map(|r| r.words().to_string())
        .into_iter()
        .collect();
    facts.extend([
        format!("state {}", g.state.as_deref().unwrap_or("unknown")),
        format!("lag {}", present::count_u(g.total_lag)),
        format!("time lag {}", time_lag(g.time_lag.as_ref())),
        format!("ETA {}", g.eta),
    ]);
    if let Some(t) = &g.type_label {
        facts.push(format!("type {t}"));
    }
    if g.stuck > 0 {
        facts.push(format!("{} stuck partitions", g.stuck));
    }
    if let Some(l) = &g.data_loss {
        facts.push(words::loss(l));
    }
    if g.uncommitted > 0 {
        facts.push(format!("{} partitions never committed", g.uncommitted));
    }
    facts.extend(words::history(&g.history));
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    let _ = writeln!(out, "Lag, last 10 minutes: `{}`\n", g.lag_sparkline);
    out.push_str(
        "| TOPIC | PARTITION | CURRENT-OFFSET | LOG-END-OFFSET | LAG | TIME LAG | STATUS | NOTE | CONSUMER-ID |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---|---|---|---|\n");
    for p in &g.partitions {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&p.topic),
            p.partition,
            present::offset(p.current_offset),
            present::offset(p.log_end_offset),
            p.lag.map_or_else(|| "-".into(), present::count_u),
            time_lag(p.time_lag.as_ref()),
            p.status.as_str(),
            cell(&note(p)),
            cell(p.consumer_id.as_deref().unwrap_or("-")),
        );
    }
    out.push('\n');
    for p in g.partitions.iter().filter(|p| p.stuck.is_some()) {
        stuck_record(out, p);
    }
}

fn note(p: &IncidentPartition) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &p.stuck {
        parts.push(words::stuck(s));
    }
    if let Some(l) = &p.data_loss {
        parts.push(words::loss(l));
    }
    if let Some(n) = p.uncommitted_waiting {
        parts.push(format!(
            "no commit, {} records waiting",
            present::count_u(n)
        ));
    }
    parts.join("; ")
}

/// Exact, or marked as an estimate.
fn time_lag(t: Option<&TimeLag>) -> String {
    match t {
        Some(t) if !t.exact => format!("{} (estimate)", words::time_lag(Some(t), None)),
        t => words::time_lag(t, None),
    }
}

fn stuck_record(out: &mut String, p: &IncidentPartition) {
    let Some(s) = &p.stuck else { return };
    let _ = writeln!(
        out,
        "#### Record at the committed offset of {}-{} (offset {})\n",
        p.topic, p.partition, s.offset
    );
    match &p.record {
        None => out.push_str("Not read (deleted, compacted away or unreachable).\n\n"),
        Some(r) => record(out, r),
    }
}

fn record(out: &mut String, r: &PeekedRecord) {
    let _ = writeln!(
        out,
        "- timestamp: {}",
        r.timestamp_ms.map_or_else(|| "-".into(), present::utc)
    );
    let _ = writeln!(out, "- key: `{}`", r.key.replace('`', "'"));
    if !r.header_names.is_empty() {
        let _ = writeln!(out, "- headers: {}", r.header_names.join(", "));
    }
    if let Some(schema) = &r.value_schema {
        let _ = writeln!(out, "- value schema: {}", schema.describe());
    }
    if let Some(reason) = &r.value_undecoded {
        let _ = writeln!(out, "- value not decoded, shown raw: {}", cell(reason));
    }
    let _ = writeln!(
        out,
        "- value ({}{}):\n",
        present::bytes(r.value_bytes),
        if r.truncated { ", truncated" } else { "" }
    );
    // A fence longer than any run of backticks in the value.
    let longest = r.value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}\n{}\n{fence}\n", r.value);
}
