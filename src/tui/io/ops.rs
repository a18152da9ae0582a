//! The I/O of the operation dialogs: planning and carrying out an operation
//! with the core, each call on a one-shot [`Job`] (they block on admin calls),
//! reported back as `Event::OpPlanned` / `Event::OpDone`.

use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use kaftop_core::config::Resolved;
use kaftop_core::kafka::admin::Admin;
use kaftop_core::kafka::offsets_reset;
use kaftop_core::kafka::topic_admin::TopicAdmin;
use kaftop_core::schema::Decoder;
use kaftop_core::worker::Job;
use kaftop_services::redrive::{self, Selection};

use crate::tui::event::Event;
use crate::tui::ops::{OpRequest, Planned, Redrive};

/// How long each admin call of an operation may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Plans `request` and reports the plan (nothing changes on the cluster).
pub(crate) fn plan(
    cfg: &Resolved,
    decoder: Option<Arc<Decoder>>,
    rt: &tokio::runtime::Handle,
    tx: &Sender<Event>,
    id: u64,
    request: OpRequest,
) {
    let (cfg, rt, tx) = (cfg.clone(), rt.clone(), tx.clone());
    Job::spawn("kaftop-op-plan", move || {
        let result = match request {
            OpRequest::ResetOffsets {
                group,
                scope,
                target,
            } => Admin::from_resolved(&cfg)
                .map_err(|e| e.to_string())
                .and_then(|admin| {
                    offsets_reset::prepare_for(&cfg, &admin, &group, &scope, target, TIMEOUT)
                        .map_err(|e| e.to_string())
                })
                .map(Planned::ResetOffsets),
            // Creating has nothing to look up: the preview is the spec itself
            // (the broker checks the name and the replication factor).
            OpRequest::CreateTopic(spec) => Ok(Planned::CreateTopic(spec)),
            OpRequest::DeleteTopic(topic) => Ok(Planned::DeleteTopic(topic)),
            OpRequest::AddPartitions { topic, to } => TopicAdmin::new(&cfg)
                .and_then(|admin| admin.plan_partitions(&topic, to))
                .map(Planned::AddPartitions)
                .map_err(|e| e.to_string()),
            OpRequest::EditConfig { topic, change } => TopicAdmin::new(&cfg)
                .and_then(|admin| rt.block_on(admin.plan_config(&topic, &change)))
                .map(Planned::EditConfig)
                .map_err(|e| e.to_string()),
            OpRequest::Redrive {
                dlq,
                filter,
                limit,
                record,
            } => {
                let selection = Selection {
                    filter,
                    decoder: decoder.clone(),
                    service: None,
                    limit,
                    record,
                };
                redrive::plan(&cfg, &dlq, &selection)
                    .map(|mut p| {
                        if let Some(d) = &decoder {
                            p.decode_values(d);
                        }
                        Planned::Redrive(Redrive(Arc::new(p)))
                    })
                    .map_err(|e| e.to_string())
            }
        };
        let _ = tx.send(Event::OpPlanned { id, result });
    });
}

/// Carries out `plan` and reports how it went.
pub(crate) fn execute(
    cfg: &Resolved,
    rt: &tokio::runtime::Handle,
    tx: &Sender<Event>,
    id: u64,
    plan: Planned,
) {
    let (cfg, rt, tx) = (cfg.clone(), rt.clone(), tx.clone());
    Job::spawn("kaftop-op-execute", move || {
        let result = match &plan {
            Planned::ResetOffsets(plan) => Admin::from_resolved(&cfg)
                .map_err(|e| e.to_string())
                .and_then(|admin| {
                    offsets_reset::execute_for(&cfg, &admin, plan, TIMEOUT)
                        .map_err(|e| e.to_string())
                }),
            Planned::CreateTopic(spec) => TopicAdmin::new(&cfg)
                .and_then(|admin| rt.block_on(admin.create(spec)))
                .map_err(|e| e.to_string()),
            Planned::DeleteTopic(topic) => TopicAdmin::new(&cfg)
                .and_then(|admin| rt.block_on(admin.delete(topic)))
                .map_err(|e| e.to_string()),
            Planned::AddPartitions(plan) => TopicAdmin::new(&cfg)
                .and_then(|admin| rt.block_on(admin.add_partitions(plan)))
                .map_err(|e| e.to_string()),
            Planned::EditConfig(plan) => TopicAdmin::new(&cfg)
                .and_then(|admin| admin.alter_config(plan))
                .map_err(|e| e.to_string()),
            Planned::Redrive(Redrive(plan)) => redrive::execute(&cfg, plan, &mut |_| {})
                .map(drop)
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "an operation from a dialog failed");
        }
        let _ = tx.send(Event::OpDone { id, result });
    });
}
