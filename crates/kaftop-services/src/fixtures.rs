//! Test fixtures shared by the store's and the runtime's unit tests: events, raw
//! records and a fixed "now".

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::store::{BatchOutcome, Item, Store};
use super::{is_vip, RawRecord, ServiceName};
use kaftop_core::events::{
    EventTime, MessageCreatedEvent, MessageDeletedEvent, MessageEvent, MessageReadEvent,
};

pub(crate) fn t(s: &str) -> EventTime {
    EventTime::parse(s).unwrap()
}

/// 2026-11-25T00:00:00Z.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn raw(topic: &str, offset: i64) -> RawRecord {
    RawRecord {
        topic: topic.into(),
        partition: 0,
        offset,
        key: Some(b"k".to_vec()),
        value: Some(b"v".to_vec()),
        headers: vec![("h".into(), Some(b"1".to_vec()))],
    }
}

pub(crate) fn created(id: i64, sender: i64, receiver: i64, at: &str) -> MessageEvent {
    MessageEvent::Created(MessageCreatedEvent {
        message_id: id,
        sender_id: sender,
        receiver_id: receiver,
        content: format!("m{id}"),
        created_at: t(at),
    })
}

pub(crate) fn read(id: i64, receiver: i64, at: &str) -> MessageEvent {
    MessageEvent::Read(MessageReadEvent {
        message_id: id,
        receiver_id: receiver,
        read_at: t(at),
    })
}

pub(crate) fn deleted(id: i64, at: &str) -> MessageEvent {
    MessageEvent::Deleted(MessageDeletedEvent {
        message_id: id,
        sender_id: 1,
        receiver_id: 2,
        deleted_at: t(at),
    })
}

/// Applies decoded events as one batch (records of topic `t` at offsets 0, 1, ...).
pub(crate) fn apply(
    s: &mut Store,
    svc: ServiceName,
    events: &[MessageEvent],
    vips: &HashSet<i64>,
) -> BatchOutcome {
    let raws: Vec<RawRecord> = (0..events.len() as i64).map(|o| raw("t", o)).collect();
    let items: Vec<Item<'_>> = events
        .iter()
        .zip(&raws)
        .map(|(e, r)| Item::Event {
            event: e,
            vip: is_vip(e, vips),
            raw: r,
        })
        .collect();
    s.apply_batch(svc, &items, vips, 0, now()).unwrap()
}
