//! The operation dialogs: the fields become a plan command, the plan arriving
//! shows the preview, the typed confirmation sends the execute command exactly
//! once, Esc cancels with no command, and read-only mode refuses to execute.

use crossterm::event::KeyCode;
use kaftop::tui::app::{Level, Mode, ViewId};
use kaftop::tui::command::Command;
use kaftop::tui::event::Event;
use kaftop::tui::modes::dialog::Stage;
use kaftop::tui::ops::{OpRequest, Planned};
use kaftop::tui::App;
use kaftop_core::kafka::offsets_reset::{PlannedOffset, ResetPlan, ResetScope, ResetTarget};
use kaftop_core::kafka::topic_admin::{ConfigChange, NewTopicSpec, PartitionsPlan};

use crate::notice;
use crate::tui_support::*;

const GROUP: &str = "notification-service-group";

fn reset_plan() -> ResetPlan {
    ResetPlan {
        group: GROUP.into(),
        group_type: kaftop_core::kafka::admin::GroupType::Consumer,
        partitions: vec![PlannedOffset {
            topic: "message.created".into(),
            partition: 0,
            current_offset: Some(40),
            new_offset: 0,
            log_end_offset: 50,
        }],
    }
}

/// The dialog's id and stage (panics when no dialog is open).
fn dialog(app: &App) -> (u64, Stage) {
    match app.mode() {
        Mode::Dialog(d) => (d.id, d.stage.clone()),
        other => panic!("no dialog: {other:?}"),
    }
}

/// Opens the reset dialog of GROUP and accepts its defaults (all topics, earliest).
fn planning_reset(app: &mut App) -> u64 {
    command(app, &format!("group {GROUP}"));
    assert_eq!(app.view(), ViewId::GroupDetail);
    assert!(press(app, &[KeyCode::Char('R')]).is_empty());
    let cmds = press(app, &[KeyCode::Enter]);
    let (id, stage) = dialog(app);
    assert_eq!(stage, Stage::Planning);
    match cmds.as_slice() {
        [Command::PlanOp {
            id: sent,
            request:
                OpRequest::ResetOffsets {
                    group,
                    scope: ResetScope::AllTopics,
                    target: ResetTarget::Earliest,
                },
        }] => {
            assert_eq!((*sent, group.as_str()), (id, GROUP));
        }
        other => panic!("expected one plan command, got {other:?}"),
    }
    id
}

#[test]
fn reset_offsets_is_planned_previewed_and_executed_once_when_the_name_is_typed() {
    let mut a = app();
    let id = planning_reset(&mut a);
    let cmds = a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::ResetOffsets(reset_plan())),
    });
    assert!(cmds.is_empty());
    assert!(matches!(dialog(&a).1, Stage::Confirm { .. }));
    let screen = render_app(&a, 120, 32);
    assert!(
        screen.contains("TOPIC            PARTITION  CURRENT  NEW  LAG-CHANGE"),
        "{screen}"
    );
    assert!(
        screen.contains("message.created  0          40       0    +40"),
        "{screen}"
    );

    // A wrong name: nothing is sent, the dialog says what to type.
    type_str(&mut a, "notification");
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert!(render_app(&a, 120, 32).contains(&format!("type `{GROUP}` exactly to confirm")));

    type_str(&mut a, "-service-group");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    match cmds.as_slice() {
        [Command::ExecuteOp { id: sent, plan }] => {
            assert_eq!((*sent, plan), (id, &Planned::ResetOffsets(reset_plan())));
        }
        other => panic!("expected one execute command, got {other:?}"),
    }
    // Enter again while it runs sends nothing more.
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert!(matches!(dialog(&a).1, Stage::Executing { .. }));

    // A refresh, after telling the monitor what is on screen.
    let cmds = a.update(Event::OpDone { id, result: Ok(()) });
    assert!(
        matches!(cmds.as_slice(), [Command::Focus(_), Command::RefreshNow]),
        "{cmds:?}"
    );
    assert_eq!(a.mode(), &Mode::Normal);
    assert_eq!(
        notice(&a),
        (
            Level::Info,
            format!("reset the offsets of group `{GROUP}` on 1 partitions (lag change +40)")
        )
    );
}

#[test]
fn a_plan_error_is_shown_in_the_dialog_and_a_stale_report_is_ignored() {
    let mut a = app();
    let id = planning_reset(&mut a);
    a.update(Event::OpPlanned {
        id: id + 7,
        result: Ok(Planned::ResetOffsets(reset_plan())),
    });
    assert_eq!(dialog(&a).1, Stage::Planning);
    a.update(Event::OpPlanned {
        id,
        result: Err("group has active members (m-1)".into()),
    });
    assert_eq!(dialog(&a).1, Stage::Fields { focus: 0 });
    assert!(render_app(&a, 120, 32).contains("group has active members (m-1)"));
}

#[test]
fn esc_cancels_at_any_stage_with_no_command() {
    let mut a = app();
    command(&mut a, &format!("group {GROUP}"));
    press(&mut a, &[KeyCode::Char('R')]);
    assert!(press(&mut a, &[KeyCode::Esc]).is_empty());
    assert_eq!((a.mode(), a.view()), (&Mode::Normal, ViewId::GroupDetail));

    let id = planning_reset(&mut a);
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::ResetOffsets(reset_plan())),
    });
    type_str(&mut a, GROUP);
    assert!(press(&mut a, &[KeyCode::Esc]).is_empty());
    assert_eq!(a.mode(), &Mode::Normal);
    // A late report of the closed dialog changes nothing.
    assert!(a.update(Event::OpDone { id, result: Ok(()) }).is_empty());
}

#[test]
fn create_topic_from_the_fields_to_the_execute_command() {
    let mut a = app();
    assert_eq!(a.view(), ViewId::Topics);
    press(&mut a, &[KeyCode::Char('C')]);
    type_str(&mut a, "orders");
    press(&mut a, &[KeyCode::Tab]);
    press(&mut a, &[KeyCode::Backspace]);
    type_str(&mut a, "0");
    // Zero partitions is refused in the dialog, with no command.
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert!(render_app(&a, 120, 32).contains("partitions: `0` is not a number from 1"));
    press(&mut a, &[KeyCode::Backspace]);
    type_str(&mut a, "3");
    press(&mut a, &[KeyCode::Tab, KeyCode::Tab]);
    type_str(&mut a, "cleanup.policy=compact, retention.ms=1000");
    let spec = NewTopicSpec {
        name: "orders".into(),
        partitions: 3,
        replication_factor: 1,
        configs: vec![
            ("cleanup.policy".into(), "compact".into()),
            ("retention.ms".into(), "1000".into()),
        ],
    };
    let cmds = press(&mut a, &[KeyCode::Enter]);
    let id = dialog(&a).0;
    assert!(matches!(cmds.as_slice(),
        [Command::PlanOp { request: OpRequest::CreateTopic(s), .. }] if *s == spec));
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::CreateTopic(spec.clone())),
    });
    type_str(&mut a, "orders");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    assert!(matches!(cmds.as_slice(),
        [Command::ExecuteOp { plan: Planned::CreateTopic(s), .. }] if *s == spec));
    // A failure keeps the dialog open with the error, ready to confirm again.
    a.update(Event::OpDone {
        id,
        result: Err("topic `orders` already exists".into()),
    });
    assert!(matches!(dialog(&a).1, Stage::Confirm { .. }));
    assert!(render_app(&a, 120, 32).contains("topic `orders` already exists"));
}

#[test]
fn read_only_previews_but_refuses_to_execute() {
    let mut cfg = config();
    cfg.read_only = true;
    let mut a = App::new(cfg);
    a.update(Event::Resize(120, 32));
    a.update(Event::Cluster(Box::new(cluster())));
    let id = planning_reset(&mut a);
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::ResetOffsets(reset_plan())),
    });
    type_str(&mut a, GROUP);
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert!(matches!(dialog(&a).1, Stage::Confirm { .. }));
    assert_eq!(
        notice(&a),
        (
            Level::Error,
            "read-only mode (profile `test` or --read-only): refusing to reset offsets; nothing was changed".into()
        )
    );
}

#[test]
fn the_help_marks_the_dialogs_confirmation_disabled_in_read_only_mode() {
    let mut cfg = config();
    cfg.read_only = true;
    let mut a = App::new(cfg);
    a.update(Event::Resize(120, 80));
    a.update(Event::Cluster(Box::new(cluster())));
    press(&mut a, &[KeyCode::Char('?')]);
    let screen = render_app(&a, 120, 80);
    assert!(
        screen.contains(
            "dialog: preview the plan; with the name typed, carry it out (disabled: read-only)"
        ),
        "{screen}"
    );
}

/// Opens the topic detail of message.created and presses `key`.
fn topic_dialog(app: &mut App, key: char) -> u64 {
    command(app, "topic message.created");
    assert_eq!(app.view(), ViewId::TopicDetail);
    assert!(press(app, &[KeyCode::Char(key)]).is_empty());
    dialog(app).0
}

#[test]
fn delete_topic_has_no_fields_and_needs_the_name() {
    let mut a = app();
    let id = topic_dialog(&mut a, 'D');
    // Tab with no fields is harmless.
    press(&mut a, &[KeyCode::Tab, KeyCode::Char('x')]);
    let cmds = press(&mut a, &[KeyCode::Enter]);
    assert!(matches!(cmds.as_slice(),
        [Command::PlanOp { request: OpRequest::DeleteTopic(t), .. }] if t == "message.created"));
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::DeleteTopic("message.created".into())),
    });
    assert!(render_app(&a, 120, 32).contains("cannot be undone"));
    type_str(&mut a, "message.created");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    assert!(matches!(cmds.as_slice(),
        [Command::ExecuteOp { plan: Planned::DeleteTopic(t), .. }] if t == "message.created"));
    a.update(Event::OpDone { id, result: Ok(()) });
    assert_eq!(
        notice(&a),
        (Level::Info, "deleted topic `message.created`".into())
    );
}

#[test]
fn add_partitions_warns_that_keys_move() {
    let mut a = app();
    let id = topic_dialog(&mut a, 'P');
    type_str(&mut a, "6");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    assert!(matches!(cmds.as_slice(),
        [Command::PlanOp { request: OpRequest::AddPartitions { topic, to: 6 }, .. }]
            if topic == "message.created"));
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::AddPartitions(PartitionsPlan {
            topic: "message.created".into(),
            current: 3,
            to: 6,
        })),
    });
    let screen = render_app(&a, 160, 32);
    assert!(
        screen.contains("message.created  3           6"),
        "{screen}"
    );
    assert!(
        screen.contains("warning: keyed records go to other partitions"),
        "{screen}"
    );
}

#[test]
fn edit_config_plans_sets_and_deletes() {
    let mut a = app();
    topic_dialog(&mut a, 'E');
    // Nothing to change: refused in the dialog.
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert!(render_app(&a, 120, 32).contains("nothing to change"));
    type_str(&mut a, "retention.ms=1000");
    press(&mut a, &[KeyCode::Tab]);
    type_str(&mut a, "cleanup.policy");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    let expected = ConfigChange {
        set: vec![("retention.ms".into(), "1000".into())],
        delete: vec!["cleanup.policy".into()],
    };
    assert!(matches!(cmds.as_slice(),
        [Command::PlanOp { request: OpRequest::EditConfig { change, .. }, .. }] if *change == expected));
}

#[test]
fn read_only_refuses_deleting_a_topic() {
    let mut cfg = config();
    cfg.read_only = true;
    let mut a = App::new(cfg);
    a.update(Event::Resize(120, 32));
    a.update(Event::Cluster(Box::new(cluster())));
    let id = topic_dialog(&mut a, 'D');
    press(&mut a, &[KeyCode::Enter]);
    a.update(Event::OpPlanned {
        id,
        result: Ok(Planned::DeleteTopic("message.created".into())),
    });
    type_str(&mut a, "message.created");
    assert!(press(&mut a, &[KeyCode::Enter]).is_empty());
    assert_eq!(notice(&a).0, Level::Error);
    assert!(notice(&a).1.contains("refusing to delete a topic"));
}

#[test]
fn redrive_opens_on_a_dlq_topic_with_the_views_filter() {
    let mut a = app();
    command(&mut a, "messages message.created");
    press(&mut a, &[KeyCode::Char('R')]);
    assert_eq!(a.mode(), &Mode::Normal);
    assert_eq!(
        notice(&a),
        (
            Level::Info,
            "redrive works on a dead-letter topic (NAME.dlq)".into()
        )
    );

    with_dlq_topic(&mut a);
    command(&mut a, "messages message.created.dlq");
    press(&mut a, &[KeyCode::Char('/')]);
    type_str(&mut a, "boom");
    press(&mut a, &[KeyCode::Enter]);
    press(&mut a, &[KeyCode::Char('R')]);
    let id = dialog(&a).0;
    press(&mut a, &[KeyCode::Tab]);
    type_str(&mut a, "5");
    let cmds = press(&mut a, &[KeyCode::Enter]);
    match cmds.as_slice() {
        [Command::PlanOp {
            id: sent,
            request:
                OpRequest::Redrive {
                    dlq,
                    filter,
                    limit,
                    record,
                },
        }] => {
            assert_eq!(*sent, id);
            assert_eq!(dlq, "message.created.dlq");
            assert_eq!(filter.as_deref(), Some("boom"));
            assert_eq!(*limit, Some(5));
            // No record shown, so none selected: all shown go.
            assert_eq!(*record, None);
        }
        other => panic!("expected one plan command, got {other:?}"),
    }
    assert!(press(&mut a, &[KeyCode::Esc]).is_empty());
    assert_eq!(a.mode(), &Mode::Normal);
}

/// A dead-letter topic on the cluster (a copy of message.created, renamed).
fn with_dlq_topic(a: &mut App) {
    let mut e = engine();
    let mut m = Default::default();
    for i in 0..STEPS {
        let mut snap = snapshot(i);
        let mut dlq = snap.topics[0].clone();
        dlq.name = "message.created.dlq".into();
        snap.topics.push(dlq);
        m = e.ingest(&snap);
    }
    a.update(Event::Cluster(Box::new(m)));
}

#[test]
fn redrive_can_take_only_the_selected_record() {
    let mut a = app();
    with_dlq_topic(&mut a);
    command(&mut a, "messages message.created.dlq");
    feed_records(&mut a, records());
    press(&mut a, &[KeyCode::Char('j')]);
    let at = a
        .views()
        .messages()
        .selected()
        .map(|r| (r.partition, r.offset))
        .expect("a selected record");
    press(&mut a, &[KeyCode::Char('R')]);
    // Filter, limit, then the choice: the selected record.
    press(&mut a, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Right]);
    let cmds = press(&mut a, &[KeyCode::Enter]);
    match cmds.as_slice() {
        [Command::PlanOp {
            request: OpRequest::Redrive { record, filter, .. },
            ..
        }] => {
            assert_eq!(*record, Some(at));
            assert_eq!(*filter, None);
        }
        other => panic!("expected one plan command, got {other:?}"),
    }
}
