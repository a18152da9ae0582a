//! `kaftop groups reset-offsets`: the plan of a reset (a dry run by default) and,
//! with `--execute`, committing exactly that plan. The planning is the core's
//! [`offsets_reset`](kaftop_core::kafka::offsets_reset), which the TUI shares.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::out::{note, out, outln};
use serde::Serialize;

use crate::cli::{DeleteGroupArgs, GroupsCommand, LagArgs, ResetOffsetsArgs};
use kaftop_core::config::Resolved;
use kaftop_core::kafka::admin::{Admin, GroupType};
use kaftop_core::kafka::group_delete;
use kaftop_core::kafka::offsets_reset::{self, PlannedOffset, ResetPlan, ResetScope, ResetTarget};
use kaftop_core::present;

/// How long each admin call of a reset may take.
const TIMEOUT: Duration = Duration::from_secs(30);

pub(super) async fn run(command: GroupsCommand, cfg: &Resolved) -> Result<ExitCode> {
    match command {
        GroupsCommand::ResetOffsets(args) => reset_offsets(args, cfg).await,
        GroupsCommand::Delete(args) => delete(args, cfg).await,
    }
}

/// `groups delete G`: the group's type, state and members (as `lag --state`
/// shows them), refused while it has members, deleted with `--execute`.
async fn delete(args: DeleteGroupArgs, cfg: &Resolved) -> Result<ExitCode> {
    let lag_args = LagArgs {
        groups: vec![args.group.clone()],
        state: true,
        members: false,
        json: false,
    };
    let metrics = tokio::task::block_in_place(|| super::lag::read(&lag_args, cfg))?;
    let Some(g) = metrics.groups.iter().find(|g| g.group_id == args.group) else {
        anyhow::bail!("group `{}` does not exist", args.group);
    };
    if !args.json {
        out(super::lag::render_states(std::slice::from_ref(g)))?;
    }
    group_delete::check_empty(&g.group_id, g.members)?;
    if args.execute {
        group_delete::delete(cfg, &args.group).await?;
    }
    if args.json {
        super::print_json(&serde_json::json!({
            "group": g.group_id,
            "group_type": g.group_type,
            "state": g.state,
            "members": g.members,
            "executed": args.execute,
        }))?;
    } else if args.execute {
        outln(format_args!("Deleted group {}.", args.group))?;
    } else {
        note(format_args!(
            "Dry run: nothing deleted. Add --execute to delete group {}.",
            args.group
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON form of a plan.
#[derive(Debug, Serialize)]
struct PlanJson<'a> {
    group: &'a str,
    group_type: GroupType,
    executed: bool,
    partitions: Vec<RowJson<'a>>,
    total_lag_change: i64,
}

#[derive(Debug, Serialize)]
struct RowJson<'a> {
    #[serde(flatten)]
    offset: &'a PlannedOffset,
    lag_change: Option<i64>,
}

async fn reset_offsets(args: ResetOffsetsArgs, cfg: &Resolved) -> Result<ExitCode> {
    let target = target(&args)?;
    let scope = if args.all_topics {
        ResetScope::AllTopics
    } else {
        ResetScope::Topics(args.topics.clone())
    };
    let plan = tokio::task::block_in_place(|| -> Result<ResetPlan> {
        let admin = Admin::from_resolved(cfg)?;
        let plan = offsets_reset::prepare_for(cfg, &admin, &args.group, &scope, target, TIMEOUT)?;
        if args.execute {
            offsets_reset::execute_for(cfg, &admin, &plan, TIMEOUT)?;
        }
        Ok(plan)
    })?;
    if args.json {
        super::print_json(&PlanJson {
            group: &plan.group,
            group_type: plan.group_type,
            executed: args.execute,
            partitions: plan
                .partitions
                .iter()
                .map(|p| RowJson {
                    offset: p,
                    lag_change: p.lag_change(),
                })
                .collect(),
            total_lag_change: plan.total_lag_change(),
        })?;
    } else {
        out(plan_table(&plan))?;
        let share = plan.group_type == GroupType::Share;
        if args.execute && share {
            outln(format_args!(
                "Set {} start offset(s) of share group {}.",
                plan.partitions.len(),
                plan.group
            ))?;
        } else if args.execute {
            outln(format_args!(
                "Committed {} offset(s) of group {}.",
                plan.partitions.len(),
                plan.group
            ))?;
        } else if share {
            note(format_args!(
                "Dry run of share group {}: CURRENT-OFFSET is the share-partition start offset; nothing changed. Add --execute to set these start offsets.",
                plan.group
            ));
        } else {
            note(format_args!(
                "Dry run: nothing committed. Add --execute to commit this plan."
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The one target clap let through (the arguments form a required group of one).
fn target(args: &ResetOffsetsArgs) -> Result<ResetTarget> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    Ok(if args.to_earliest {
        ResetTarget::Earliest
    } else if args.to_latest {
        ResetTarget::Latest
    } else if args.to_current {
        ResetTarget::Current
    } else if let Some(o) = args.to_offset {
        ResetTarget::Offset(o)
    } else if let Some(n) = args.shift_by {
        ResetTarget::ShiftBy(n)
    } else if let Some(ms) = args.to_datetime {
        ResetTarget::at_time(ms)
    } else if let Some(back) = args.by_duration {
        ResetTarget::at_time(now_ms.saturating_sub(back))
    } else {
        anyhow::bail!("name one target: --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime or --by-duration")
    })
}

/// TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET LAG-CHANGE, and the total.
fn plan_table(plan: &ResetPlan) -> String {
    let mut rows = vec![[
        "TOPIC".to_string(),
        "PARTITION".to_string(),
        "CURRENT-OFFSET".to_string(),
        "NEW-OFFSET".to_string(),
        "LAG-CHANGE".to_string(),
    ]];
    for p in &plan.partitions {
        rows.push([
            p.topic.clone(),
            p.partition.to_string(),
            present::offset(p.current_offset),
            p.new_offset.to_string(),
            p.lag_change().map_or("-".to_string(), present::change),
        ]);
    }
    rows.push([
        "TOTAL".to_string(),
        String::new(),
        String::new(),
        String::new(),
        present::change(plan.total_lag_change()),
    ]);
    super::table(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_print_with_signed_lag_changes_and_a_total() {
        let row = |partition, current_offset, new_offset| PlannedOffset {
            topic: "orders".into(),
            partition,
            current_offset,
            new_offset,
            log_end_offset: 10,
        };
        let plan = ResetPlan {
            group: "g".into(),
            group_type: GroupType::Consumer,
            partitions: vec![row(0, Some(5), 2), row(1, None, 0), row(2, Some(3), 10)],
        };
        assert_eq!(
            plan_table(&plan),
            "TOPIC   PARTITION  CURRENT-OFFSET  NEW-OFFSET  LAG-CHANGE\n\
             orders  0          5               2           +3\n\
             orders  1          -               0           -\n\
             orders  2          3               10          -7\n\
             TOTAL                                          -4\n"
        );
    }

    fn reset_args(target: &[&str]) -> ResetOffsetsArgs {
        use clap::Parser;
        let mut argv = vec![
            "kaftop",
            "groups",
            "reset-offsets",
            "-g",
            "g",
            "--all-topics",
        ];
        argv.extend_from_slice(target);
        match crate::cli::Cli::parse_from(argv).command {
            Some(crate::cli::Command::Groups(GroupsCommand::ResetOffsets(r))) => r,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_time_before_the_epoch_is_the_earliest_offset() {
        for t in [
            &["--to-datetime", "1900-01-01T00:00:00"][..],
            &["--to-datetime", "1970-01-01T00:00:00Z"],
            &["--by-duration", "P365000D"],
        ] {
            assert_eq!(
                target(&reset_args(t)).unwrap(),
                ResetTarget::Earliest,
                "{t:?}"
            );
        }
        assert_eq!(
            target(&reset_args(&["--to-datetime", "1970-01-01T00:00:01Z"])).unwrap(),
            ResetTarget::Timestamp(1000)
        );
    }
}
