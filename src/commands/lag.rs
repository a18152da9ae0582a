//! `kaftop lag [--group G]... [--state | --members]`: the `kafka-consumer-groups
//! --describe` tables (partitions by default, or the group states, or the members).

use std::process::ExitCode;

use anyhow::Result;

use super::out::out;
use serde::Serialize;
use serde_json::Value;

use crate::cli::LagArgs;
use kaftop_core::config::Resolved;
use kaftop_core::kafka::admin::{GroupState, GroupType};
use kaftop_core::kafka::group_types::{unsupported_note, TaskId, Tasks};
use kaftop_core::metrics::engine::{ClusterMetrics, GroupMetrics};
use kaftop_core::metrics::{DataLoss, GroupPartitionRow, History, LagStatus, StatusReason};
use kaftop_core::metrics::{Stuck, TimeLag};
use kaftop_core::monitor::{Monitor, MonitorOptions};
use kaftop_core::present;
use kaftop_core::report::words;

/// A JSON row: one partition of one group.
#[derive(Debug, Serialize)]
pub(super) struct LagRow<'a> {
    group: &'a str,
    topic: &'a str,
    partition: i32,
    current_offset: Option<i64>,
    log_end_offset: Option<i64>,
    lag: Option<u64>,
    raw_lag: Option<i64>,
    consumer_id: Option<&'a str>,
    host: Option<&'a str>,
    client_id: Option<&'a str>,
    status: LagStatus,
    status_reason: Option<StatusReason>,
    /// The group's verdict (its worst partition's), as every surface shows it.
    group_status: LagStatus,
    group_status_reason: Option<StatusReason>,
    /// What the verdict rests on: `reads: 1` is one read, no history.
    history: History,
    /// Age of the oldest unconsumed record; `exact: false` marks an estimate.
    time_lag: Option<&'a TimeLag>,
    stuck: Option<&'a Stuck>,
    data_loss: Option<&'a DataLoss>,
    /// Records waiting in a partition the group never committed to.
    uncommitted_waiting: Option<u64>,
    group_state: Option<String>,
    group_type: Option<GroupType>,
    alerting: bool,
}

/// A JSON row of `--state`: one group.
#[derive(Debug, Serialize)]
struct StateRow<'a> {
    group: &'a str,
    group_type: Option<GroupType>,
    /// A classic group's protocol type: `consumer`, `connect`, ... (empty for a
    /// simple group).
    protocol_type: Option<&'a str>,
    state: Option<GroupState>,
    /// `None`: the cluster could not tell.
    members: Option<usize>,
}

/// A JSON row of `--members`: one member of one group.
#[derive(Debug, Serialize)]
struct MemberRow<'a> {
    group: &'a str,
    group_type: Option<GroupType>,
    protocol_type: Option<&'a str>,
    group_state: Option<GroupState>,
    consumer_id: &'a str,
    host: &'a str,
    client_id: &'a str,
    partitions: usize,
    assignment: &'a [(String, i32)],
    /// Consumer-protocol and Streams groups only.
    target_assignment: Option<&'a [(String, i32)]>,
    /// A Streams member's Streams client (one per application instance).
    process_id: Option<&'a str>,
    /// A Streams member's tasks, `subtopology_partition` as Kafka Streams names
    /// them; `target_tasks`: what the group's assignor gives it.
    tasks: Option<TaskKinds>,
    target_tasks: Option<TaskKinds>,
}

/// A Streams member's tasks by kind.
#[derive(Debug, Serialize)]
struct TaskKinds {
    active: Vec<String>,
    standby: Vec<String>,
    warmup: Vec<String>,
}

impl TaskKinds {
    fn of(t: &Tasks) -> Self {
        let names = |ts: &[TaskId]| ts.iter().map(ToString::to_string).collect();
        TaskKinds {
            active: names(&t.active),
            standby: names(&t.standby),
            warmup: names(&t.warmup),
        }
    }
}

pub(super) async fn run(args: LagArgs, cfg: &Resolved) -> Result<ExitCode> {
    let metrics = tokio::task::block_in_place(|| read(&args, cfg))?;
    super::out::warnings(&metrics.errors);
    if let Some(note) = unsupported_note(&metrics.unsupported_group_types) {
        super::out::note(format_args!("kaftop: note: {note}"));
    }
    if args.json {
        super::print_json(&json_values(&args, &metrics.groups)?)?;
    } else {
        out(render(&args, &metrics.groups))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One refresh of `cfg`'s cluster with what `args` asks for (blocks); an error when
/// the cluster cannot be reached or a named group does not exist.
pub(super) fn read(args: &LagArgs, cfg: &Resolved) -> Result<ClusterMetrics> {
    let mut opts = MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg));
    if !args.groups.is_empty() {
        opts.read.only_groups = Some(args.groups.clone());
    }
    // One refresh, read once: the records at the committed offsets may take the
    // whole request timeout (a dashboard's monitor reads on in its next refreshes).
    if let Some(limits) = opts.read.exact_time_lag.as_mut() {
        limits.budget = opts.read.timeout;
    }
    let mut monitor = Monitor::new(cfg, opts)?;
    let metrics = monitor.once().metrics;
    if !metrics.connected {
        anyhow::bail!("{}", metrics.errors.join("; "));
    }
    // Only named groups can be missing: a listed group exists.
    if !args.groups.is_empty() {
        check_exist(&metrics.groups)?;
    }
    Ok(metrics)
}

/// The `--json` rows `args` asks for: partitions, `--state` or `--members`.
pub(super) fn json_values(args: &LagArgs, groups: &[GroupMetrics]) -> Result<Vec<Value>> {
    let rows: Result<Vec<Value>, serde_json::Error> = if args.state {
        groups
            .iter()
            .map(state_row)
            .map(serde_json::to_value)
            .collect()
    } else if args.members {
        groups
            .iter()
            .flat_map(member_rows)
            .map(serde_json::to_value)
            .collect()
    } else {
        groups
            .iter()
            .flat_map(json_rows)
            .map(serde_json::to_value)
            .collect()
    };
    Ok(rows?)
}

/// The human table `args` asks for.
pub(super) fn render(args: &LagArgs, groups: &[GroupMetrics]) -> String {
    if args.state {
        render_states(groups)
    } else if args.members {
        render_members(groups)
    } else {
        render_table(groups)
    }
}

/// Kafka describes a group it does not know as Dead, without members; with no
/// committed offsets either, nothing of it exists.
fn does_not_exist(g: &GroupMetrics) -> bool {
    g.state == Some(GroupState::Dead) && g.members == Some(0) && g.rows.is_empty()
}

/// Could not be described and has no committed offsets: whether it exists is
/// unknown, and "lag 0, OK" would be a guess. A group whose protocol type the
/// cluster named exists (librdkafka names it while refusing to describe it).
fn is_unknowable(g: &GroupMetrics) -> bool {
    g.members.is_none() && g.rows.is_empty() && g.protocol_type.is_none()
}

/// Fails, naming them, when some of the groups asked for do not exist or cannot
/// be known to exist.
fn check_exist(groups: &[GroupMetrics]) -> Result<()> {
    if let Some(g) = groups.iter().find(|g| is_unknowable(g)) {
        anyhow::bail!(
            "cannot tell whether consumer group `{}` exists: it could not be described \
             and has no committed offsets",
            g.group_id
        );
    }
    let missing: Vec<String> = groups
        .iter()
        .filter(|g| does_not_exist(g))
        .map(|g| format!("`{}`", g.group_id))
        .collect();
    match missing.as_slice() {
        [] => Ok(()),
        [one] => anyhow::bail!(
            "consumer group {one} does not exist (no members and no committed offsets)"
        ),
        many => anyhow::bail!(
            "consumer groups {} do not exist (no members and no committed offsets)",
            many.join(", ")
        ),
    }
}

pub(super) fn json_rows(g: &GroupMetrics) -> impl Iterator<Item = LagRow<'_>> {
    g.rows.iter().map(move |r| LagRow {
        group: &g.group_id,
        topic: &r.topic,
        partition: r.partition,
        current_offset: r.current_offset,
        log_end_offset: r.log_end_offset,
        lag: r.lag,
        raw_lag: r.raw_lag,
        consumer_id: r.consumer_id.as_deref(),
        host: r.host.as_deref(),
        client_id: r.client_id.as_deref(),
        status: r.status,
        status_reason: r.status_reason,
        group_status: g.status,
        group_status_reason: g.status_reason,
        history: g.history,
        time_lag: r.time_lag.as_ref(),
        stuck: r.stuck.as_deref(),
        data_loss: r.data_loss.as_ref(),
        uncommitted_waiting: r.uncommitted_waiting,
        group_state: g.state.map(|s| s.to_string()),
        group_type: g.group_type,
        alerting: g.alerting,
    })
}

fn state_row(g: &GroupMetrics) -> StateRow<'_> {
    StateRow {
        group: &g.group_id,
        group_type: g.group_type,
        protocol_type: g.protocol_type.as_deref(),
        state: g.state,
        members: g.members,
    }
}

fn member_rows(g: &GroupMetrics) -> impl Iterator<Item = MemberRow<'_>> {
    g.member_details.iter().map(move |m| {
        let streams = g.streams_member(&m.member_id);
        MemberRow {
            group: &g.group_id,
            group_type: g.group_type,
            protocol_type: g.protocol_type.as_deref(),
            group_state: g.state,
            consumer_id: &m.member_id,
            host: &m.host,
            client_id: &m.client_id,
            partitions: m.assignment.len(),
            assignment: &m.assignment,
            target_assignment: m.target_assignment.as_deref(),
            process_id: streams.map(|s| s.process_id.as_str()),
            tasks: streams.map(|s| TaskKinds::of(&s.tasks)),
            target_tasks: streams.map(|s| TaskKinds::of(&s.target_tasks)),
        }
    })
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// The human table: a header line per group, then its partitions.
pub(super) fn render_table(groups: &[GroupMetrics]) -> String {
    const HEAD: [&str; 10] = [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
        "STATUS",
    ];
    let mut out = String::new();
    if groups.is_empty() {
        out.push_str("No consumer groups found.\n");
        return out;
    }
    for g in groups {
        let members = match g.members {
            Some(n) => format!("{n} members"),
            None => "members unknown".into(),
        };
        out.push_str(&format!(
            "\n{}: type {}, state {}, {members}, total lag {} (threshold {}){}, status {}{}\n",
            g.group_id,
            opt(g.type_label()),
            opt(g.state),
            present::count_u(g.total_lag),
            present::count_u(g.threshold),
            if g.alerting { " ALERT" } else { "" },
            words::verdict(g),
            group_insight(g),
        ));
        let mut rows: Vec<[String; 10]> = vec![HEAD.map(String::from)];
        for r in &g.rows {
            rows.push([
                g.group_id.clone(),
                r.topic.to_string(),
                r.partition.to_string(),
                present::offset(r.current_offset),
                present::offset(r.log_end_offset),
                present::lag_digits(r.lag, r.raw_lag),
                opt(r.consumer_id.clone()),
                opt(r.host.clone()),
                opt(r.client_id.clone()),
                r.status.to_string(),
            ]);
        }
        if g.rows.is_empty() {
            out.push_str("  (no committed offsets)\n");
            continue;
        }
        out.push_str(&super::table(&rows));
        for r in &g.rows {
            if let Some(note) = row_insight(r) {
                out.push_str(&format!("  {}[{}] {note}\n", r.topic, r.partition));
            }
        }
    }
    out
}

/// The group's time lag, stuck partitions, data loss and uncommitted partitions,
/// appended to its header line.
fn group_insight(g: &GroupMetrics) -> String {
    let mut out = String::new();
    if let Some(t) = &g.time_lag {
        out.push_str(&format!(
            ", time lag {}",
            present::time_lag(t.secs, t.exact)
        ));
        if let Some(max) = g.max_time_lag_secs {
            out.push_str(&format!(" (max {})", present::secs(max)));
        }
    }
    if g.stuck > 0 {
        out.push_str(&format!(", {} stuck", g.stuck));
    }
    if let Some(d) = &g.data_loss {
        out.push_str(&format!(", {}", words::loss(d)));
    }
    if g.uncommitted > 0 {
        out.push_str(&format!(", {} uncommitted", g.uncommitted));
    }
    out
}

/// A line under the table for a partition that needs a word: stuck, losing data,
/// never committed, or with an estimated time lag.
fn row_insight(r: &GroupPartitionRow) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = &r.stuck {
        parts.push(words::stuck(s));
    }
    if let Some(d) = &r.data_loss {
        parts.push(words::loss(d));
    }
    if let Some(n) = r.uncommitted_waiting.filter(|&n| n > 0) {
        parts.push(format!(
            "no commit, {} records waiting",
            present::count_u(n)
        ));
    }
    if let Some(t) = r.time_lag.as_ref().filter(|t| t.secs > 0.0) {
        match &t.note {
            Some(why) => parts.push(format!(
                "time lag {} (estimate: {why})",
                present::time_lag(t.secs, t.exact)
            )),
            None => parts.push(format!("time lag {}", present::time_lag(t.secs, t.exact))),
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `--state`: one line per group.
pub(super) fn render_states(groups: &[GroupMetrics]) -> String {
    if groups.is_empty() {
        return "No consumer groups found.\n".into();
    }
    let mut rows: Vec<[String; 4]> = vec![["GROUP", "TYPE", "STATE", "#MEMBERS"].map(String::from)];
    for g in groups {
        rows.push([
            g.group_id.clone(),
            opt(g.type_label()),
            opt(g.state),
            opt(g.members),
        ]);
    }
    super::table(&rows)
}

/// `--members`: one line per member; groups without members are named below.
/// With a Streams group among them, a TASKS column gives each Streams member's
/// tasks as `kafka-streams-groups --members` prints them (`ACTIVE: 0:[0,1];`).
pub(super) fn render_members(groups: &[GroupMetrics]) -> String {
    if groups.is_empty() {
        return "No consumer groups found.\n".into();
    }
    let mut rows: Vec<[String; 8]> = vec![[
        "GROUP",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
        "#PARTITIONS",
        "ASSIGNMENT",
        "TARGET-ASSIGNMENT",
        "TASKS",
    ]
    .map(String::from)];
    let mut empty = String::new();
    for g in groups {
        if g.member_details.is_empty() {
            let why = if g.members.is_none() {
                "members unknown (the cluster could not describe it)"
            } else {
                "no active members"
            };
            empty.push_str(&format!("{}: {why}\n", g.group_id));
        }
        for m in &g.member_details {
            rows.push([
                g.group_id.clone(),
                m.member_id.clone(),
                m.host.clone(),
                m.client_id.clone(),
                m.assignment.len().to_string(),
                present::assignment(&m.assignment),
                m.target_assignment
                    .as_deref()
                    .map_or_else(|| "-".into(), present::assignment),
                g.streams_member(&m.member_id)
                    .map(|s| s.tasks.tool_text())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    let mut out = if rows.len() == 1 {
        String::new()
    } else if groups.iter().any(|g| g.streams().is_some()) {
        super::table(&rows)
    } else {
        let rows: Vec<[String; 7]> = rows
            .into_iter()
            .map(|r| std::array::from_fn(|i| r[i].clone()))
            .collect();
        super::table(&rows)
    };
    out.push_str(&empty);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaftop_core::kafka::admin::MemberDescription;
    use kaftop_core::metrics::lag::Eta;

    fn group(id: &str, state: GroupState, members: Vec<MemberDescription>) -> GroupMetrics {
        GroupMetrics {
            group_id: id.into(),
            state: Some(state),
            group_type: Some(GroupType::Consumer),
            protocol_type: None,
            members: Some(members.len()),
            member_details: members,
            detail: None,
            total_lag: 0,
            max_lag: 0,
            consume_rate: None,
            produce_rate: None,
            time_lag_secs: None,
            time_lag: None,
            max_time_lag_secs: None,
            stuck: 0,
            data_loss: None,
            uncommitted: 0,
            eta: Eta::Steady,
            status: LagStatus::Ok,
            status_reason: None,
            history: kaftop_core::metrics::History::default(),
            threshold: 1000,
            alerting: false,
            lag_history: Vec::new(),
            rows: Vec::new(),
            error: None,
        }
    }

    fn member(id: &str, own: &[i32], target: Option<&[i32]>) -> MemberDescription {
        let parts = |ps: &[i32]| ps.iter().map(|&p| ("t".to_string(), p)).collect();
        MemberDescription {
            member_id: id.into(),
            client_id: format!("{id}-client"),
            host: "/127.0.0.1".into(),
            assignment: parts(own),
            target_assignment: target.map(parts),
        }
    }

    #[test]
    fn a_dead_group_without_members_or_offsets_does_not_exist() {
        let gone = group("gone", GroupState::Dead, vec![]);
        let empty = group("idle", GroupState::Empty, vec![]);
        assert!(does_not_exist(&gone));
        assert!(!does_not_exist(&empty));
        // Unknown members (the cluster could not describe it): not claimed missing,
        // but not reported as a healthy group either.
        let mut unknown = gone.clone();
        unknown.state = None;
        unknown.members = None;
        assert!(!does_not_exist(&unknown));
        assert_eq!(
            check_exist(&[empty.clone(), unknown])
                .unwrap_err()
                .to_string(),
            "cannot tell whether consumer group `gone` exists: it could not be described \
             and has no committed offsets"
        );
        assert!(check_exist(std::slice::from_ref(&empty)).is_ok());
        assert_eq!(
            check_exist(&[gone.clone(), empty]).unwrap_err().to_string(),
            "consumer group `gone` does not exist (no members and no committed offsets)"
        );
        let mut other = gone.clone();
        other.group_id = "other".into();
        assert_eq!(
            check_exist(&[gone, other]).unwrap_err().to_string(),
            "consumer groups `gone`, `other` do not exist (no members and no committed offsets)"
        );
    }

    #[test]
    fn state_and_member_views() {
        let groups = [
            group(
                "g",
                GroupState::Reconciling,
                vec![
                    member("a", &[0, 1], Some(&[0])),
                    member("b", &[], Some(&[1])),
                ],
            ),
            group("idle", GroupState::Empty, vec![]),
        ];
        assert_eq!(
            render_states(&groups),
            "GROUP  TYPE      STATE        #MEMBERS\n\
             g      Consumer  Reconciling  2\n\
             idle   Consumer  Empty        0\n"
        );
        // A classic group names its protocol type unless it is a consumer group's.
        let classic = |id: &str, protocol: &str| GroupMetrics {
            group_type: Some(GroupType::Classic),
            protocol_type: Some(protocol.into()),
            ..group(id, GroupState::Stable, vec![member("w", &[], None)])
        };
        let mixed = [
            classic("c", "consumer"),
            classic("w", "connect"),
            classic("s", ""),
        ];
        assert_eq!(
            render_states(&mixed),
            "GROUP  TYPE               STATE   #MEMBERS\n\
             c      Classic            Stable  1\n\
             w      Classic (connect)  Stable  1\n\
             s      Classic            Stable  1\n"
        );
        let json = serde_json::to_value(state_row(&mixed[1])).unwrap();
        assert_eq!(json["protocol_type"], "connect");
        assert_eq!(json["group_type"], "Classic");
        // Named while librdkafka refuses to describe it: it exists.
        let refused = GroupMetrics {
            state: None,
            members: None,
            member_details: vec![],
            ..classic("w", "connect")
        };
        assert!(check_exist(&[refused]).is_ok());
        assert_eq!(
            render_members(&groups),
            "GROUP  CONSUMER-ID  HOST        CLIENT-ID  #PARTITIONS  ASSIGNMENT  TARGET-ASSIGNMENT\n\
             g      a            /127.0.0.1  a-client   2            t:0,1       t:0\n\
             g      b            /127.0.0.1  b-client   0            -           t:1\n\
             idle: no active members\n"
        );
    }

    #[test]
    fn a_streams_member_shows_its_tasks_as_kafka_streams_groups_does() {
        use kaftop_core::kafka::group_types::{StreamsDetail, StreamsMember, TypedDetail};
        let t = |sub: &str, partition| TaskId {
            subtopology: sub.into(),
            partition,
        };
        let mut app = group(
            "app",
            GroupState::Stable,
            vec![member("m1", &[0], Some(&[0]))],
        );
        app.group_type = Some(GroupType::Streams);
        app.detail = Some(TypedDetail::Streams(StreamsDetail {
            topology_epoch: Some(0),
            subtopologies: vec![],
            members: vec![StreamsMember {
                member_id: "m1".into(),
                process_id: "p-1".into(),
                client_id: "m1-client".into(),
                host: "/127.0.0.1".into(),
                member_epoch: 3,
                tasks: Tasks {
                    active: vec![t("1", 0), t("0", 0)],
                    standby: vec![t("0", 1)],
                    warmup: vec![],
                },
                target_tasks: Tasks::default(),
            }],
        }));
        let plain = group("plain", GroupState::Stable, vec![member("c1", &[1], None)]);
        assert_eq!(
            render_members(&[app.clone(), plain.clone()]),
            "GROUP  CONSUMER-ID  HOST        CLIENT-ID  #PARTITIONS  ASSIGNMENT  TARGET-ASSIGNMENT  TASKS\n\
             app    m1           /127.0.0.1  m1-client  1            t:0         t:0                ACTIVE: 0:[0]; 1:[0]; STANDBY: 0:[1];\n\
             plain  c1           /127.0.0.1  c1-client  1            t:1         -                  -\n"
        );
        // Without a Streams group, no TASKS column.
        assert!(!render_members(std::slice::from_ref(&plain)).contains("TASKS"));
        let rows: Vec<Value> = member_rows(&app)
            .chain(member_rows(&plain))
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        assert_eq!(rows[0]["process_id"], "p-1");
        assert_eq!(
            rows[0]["tasks"]["active"],
            serde_json::json!(["1_0", "0_0"])
        );
        assert_eq!(rows[0]["tasks"]["standby"], serde_json::json!(["0_1"]));
        assert_eq!(rows[0]["target_tasks"]["active"], serde_json::json!([]));
        assert!(rows[1]["tasks"].is_null() && rows[1]["process_id"].is_null());
    }
}
