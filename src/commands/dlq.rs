//! `kaftop dlq redrive`: the plan (a dry run) or its execution.

use std::process::ExitCode;

use anyhow::Result;

use super::out::{note, out};
use serde::Serialize;

use crate::cli::RedriveArgs;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::record::{one_line, SchemaNote};
use kaftop_services::redrive::{self, Plan, Progress, Selection};

/// Set only by the integration tests: after the records are delivered and before
/// the transaction commits, say so on stderr and wait to be killed, so a test can
/// kill a run exactly between delivery and commit.
const STALL_BEFORE_COMMIT: &str = "KAFTOP_TEST_REDRIVE_STALL_BEFORE_COMMIT";

#[derive(Serialize)]
struct Report<'a> {
    dry_run: bool,
    /// Records sent (0 in a dry run).
    redriven: usize,
    #[serde(flatten)]
    plan: &'a Plan,
}

pub(super) async fn redrive(args: RedriveArgs, cfg: Resolved) -> Result<ExitCode> {
    let execute = args.execute;
    let topic = args.topic.clone();
    let (plan, redriven) = tokio::task::spawn_blocking(move || -> Result<(Plan, usize)> {
        let decoder = crate::registry::decoder(&cfg)?;
        let sel = Selection {
            filter: args.filter.clone(),
            decoder: decoder.clone(),
            service: args.service.clone(),
            limit: args.limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
            record: args.record,
        };
        let mut plan = redrive::plan(&cfg, &topic, &sel)?;
        // Display only: the records are sent as the bytes they were.
        if let Some(d) = decoder {
            plan.decode_values(&d);
        }
        if !execute {
            return Ok((plan, 0));
        }
        let stall = std::env::var_os(STALL_BEFORE_COMMIT).is_some();
        let n = redrive::execute(&cfg, &plan, &mut |p| match p {
            Progress::Delivered { records } if stall => {
                note(format_args!(
                    "kaftop: {records} records delivered, not committed"
                ));
                loop {
                    std::thread::park();
                }
            }
            Progress::Delivered { .. } => {}
        })?;
        Ok((plan, n))
    })
    .await??;
    if args.json {
        super::print_json(&Report {
            dry_run: !execute,
            redriven,
            plan: &plan,
        })?;
    } else {
        out(render(&plan, execute, redriven))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Characters of a value listed.
const VALUE_CHARS: usize = 300;

/// Each record's value on a line, decoded where a schema says how, with the
/// schema (or why it could not be decoded).
fn values(plan: &Plan) -> String {
    let mut out = String::from("Values:\n");
    for r in &plan.send {
        let v = &r.shown_value;
        let how = match v.schema.as_deref() {
            Some(SchemaNote {
                schema: Some(s), ..
            }) => format!(" ({})", s.describe()),
            Some(SchemaNote { error: Some(e), .. }) => format!(" (not decoded, shown raw: {e})"),
            _ => String::new(),
        };
        let o = &r.origin;
        out.push_str(&format!(
            "  {}/{}{how}: {}\n",
            o.dlq_partition,
            o.dlq_offset,
            one_line(v, VALUE_CHARS)
        ));
    }
    out
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_string(), T::to_string)
}

/// The headline, the records that go (or went), those that cannot and the counts
/// of the rest.
fn render(plan: &Plan, executed: bool, redriven: usize) -> String {
    let mut out = if executed {
        format!(
            "Redrove {redriven} records from {} (recorded in group {}).\n",
            plan.dlq_topic, plan.group
        )
    } else {
        format!(
            "Dry run: {} records would be redriven from {}; add --execute to send them.\n",
            plan.send.len(),
            plan.dlq_topic
        )
    };
    if !plan.send.is_empty() {
        let mut rows = vec![[
            "DLQ-PARTITION",
            "DLQ-OFFSET",
            "SOURCE-TOPIC",
            "SOURCE-PARTITION",
            "SOURCE-OFFSET",
            "SERVICE",
            "KEY",
            "ERROR",
        ]
        .map(String::from)];
        rows.extend(plan.send.iter().map(|r| {
            let o = &r.origin;
            [
                o.dlq_partition.to_string(),
                o.dlq_offset.to_string(),
                opt(&o.source_topic),
                opt(&o.source_partition),
                opt(&o.source_offset),
                opt(&o.service),
                opt(&o.key),
                opt(&o.error),
            ]
        }));
        out.push_str(&super::table(&rows));
        out.push_str(&values(plan));
    }
    if !plan.not_redrivable.is_empty() {
        out.push_str("Not redrivable:\n");
        let mut rows =
            vec![["DLQ-PARTITION", "DLQ-OFFSET", "SERVICE", "KEY", "REASON"].map(String::from)];
        rows.extend(plan.not_redrivable.iter().map(|u| {
            let o = &u.origin;
            [
                o.dlq_partition.to_string(),
                o.dlq_offset.to_string(),
                opt(&o.service),
                opt(&o.key),
                u.reason.to_string(),
            ]
        }));
        out.push_str(&super::table(&rows));
    }
    out.push_str(&format!(
        "{} already redriven, {} left out by --filter/--service, {} over --limit.\n",
        plan.already_redriven, plan.filtered_out, plan.over_limit
    ));
    out
}
