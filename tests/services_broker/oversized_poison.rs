//! A poison record too big to copy whole into its dead-letter record.

use kaftop_services::{self as services, ServiceName};

use crate::effects::read_dlq;
use crate::producer::{deleted, rec, Producer};
use crate::{env, test_options};

#[test]
fn a_poison_record_too_big_to_copy_is_dead_lettered_truncated() {
    let env = env("svc-big", "");
    let t = &env.topics;
    // Not JSON, and bigger than a dead-letter record may carry whole.
    let big = vec![b'x'; services::DLQ_MAX_VALUE + 100_000];
    let sent = Producer::new().send(&[
        rec(&t.deleted, "big", big.clone()),
        deleted(t, 1, 8, 9, "2026-11-24T09:00:00"),
    ]);
    let handle =
        services::start(&env.cfg, test_options(&env), &[ServiceName::Archive]).expect("start");
    let dlq = read_dlq(&format!("{}.dlq", t.deleted), 1);
    let fin = handle.shutdown();
    let d = &dlq[0];
    assert_eq!(d.key, "big");
    assert_eq!(d.value, big[..services::DLQ_MAX_VALUE]);
    assert_eq!(
        d.headers[services::HEADER_TRUNCATED_FROM],
        big.len().to_string()
    );
    assert_eq!(d.headers["kaftop.source.offset"], sent[0].1.to_string());
    assert!(
        d.headers["kaftop.error"].contains("not JSON"),
        "{:?}",
        d.headers
    );
    // The partition was not blocked: the record after it was archived.
    let c = fin.service(ServiceName::Archive).unwrap().counters;
    assert_eq!((c.consumed, c.processed, c.dead_lettered), (2, 1, 1));
}
