//! `kafka::admin` against the real test broker (Apache Kafka): groups,
//! end offsets and committed offsets after producing and committing known values.
//! Needs `KAFTOP_TEST_BOOTSTRAP` (see `tests/common`).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{bootstrap, cluster};
use kaftop_core::kafka::admin::{Admin, CommittedOffset, OffsetSpec};
use rdkafka::ClientConfig;

const TIMEOUT: Duration = Duration::from_secs(10);
const SLACK: Duration = Duration::from_secs(2);

fn config() -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", common::bootstrap());
    c
}

fn committed(topic: &str, partition: i32, offset: Option<i64>) -> CommittedOffset {
    CommittedOffset {
        topic: topic.to_string(),
        partition,
        offset,
        error: None,
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < TIMEOUT + SLACK, "{what} took {took:?}");
    out
}

#[test]
fn groups_and_offsets_match_what_was_produced_and_committed() {
    let topic = common::unique("admin");
    let group = common::unique("admin-group");
    cluster::create_topic(&bootstrap(), &topic, 3);
    let counts = [4usize, 0, 7];
    cluster::produce_counts(&bootstrap(), &topic, &counts);
    cluster::commit_offsets(&bootstrap(), &group, &[(&topic, 0, 2), (&topic, 2, 7)]);

    let admin = Admin::new(&config()).expect("admin");
    let all: Vec<(String, i32)> = (0..3).map(|p| (topic.clone(), p)).collect();

    // End offsets: exactly the produced counts, in one call.
    let latest = timed("list_offsets latest", || {
        admin.list_offsets(&all, OffsetSpec::Latest, TIMEOUT)
    })
    .expect("latest");
    let got: Vec<_> = latest
        .iter()
        .map(|r| (r.partition, r.offset.clone()))
        .collect();
    assert_eq!(got, vec![(0, Ok(4)), (1, Ok(0)), (2, Ok(7))]);
    let earliest = admin
        .list_offsets(&all, OffsetSpec::Earliest, TIMEOUT)
        .expect("earliest");
    assert!(earliest.iter().all(|r| r.offset == Ok(0)), "{earliest:?}");

    // Committed offsets: all-partitions form and explicit partitions.
    let got = timed("committed_offsets", || {
        admin.committed_offsets(&group, TIMEOUT)
    })
    .expect("committed");
    assert_eq!(
        got,
        vec![committed(&topic, 0, Some(2)), committed(&topic, 2, Some(7))]
    );
    let got = admin
        .committed_offsets_for(&group, &all, TIMEOUT)
        .expect("committed_for");
    assert_eq!(
        got,
        vec![
            committed(&topic, 0, Some(2)),
            committed(&topic, 1, None),
            committed(&topic, 2, Some(7)),
        ]
    );

    // The group is listed.
    let list = timed("list_groups", || admin.list_groups(TIMEOUT)).expect("list_groups");
    eprintln!("list_groups errors: {:?}", list.errors);
    let listing = list
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .unwrap_or_else(|| panic!("{group} not in {:?}", list.groups));
    eprintln!("listing: {listing:?}");

    // DescribeGroups: a description of this group, or a clear error; never a hang.
    match timed("describe_groups", || {
        admin.describe_groups(&[&group], TIMEOUT)
    }) {
        Ok(d) => {
            eprintln!("describe_groups: {d:?}");
            assert_eq!(d.len(), 1);
            assert_eq!(d[0].group_id, group);
            match &d[0].error {
                Some(e) => assert!(!e.is_empty()),
                // No member ever joined (assign + commit only).
                None => assert!(d[0].members.is_empty(), "{d:?}"),
            }
        }
        Err(e) => {
            eprintln!("describe_groups: {e}");
            assert!(!e.to_string().is_empty());
        }
    }

    // Reset to earliest, as `kafka-consumer-groups --reset-offsets --to-earliest`.
    let reset: Vec<(String, i32, i64)> = all.iter().map(|(t, p)| (t.clone(), *p, 0)).collect();
    let res = admin
        .alter_group_offsets(&group, &reset, TIMEOUT)
        .expect("alter");
    assert_eq!(
        res,
        (0..3)
            .map(|p| (topic.clone(), p, Ok(())))
            .collect::<Vec<_>>()
    );
    let got = admin
        .committed_offsets_for(&group, &all, TIMEOUT)
        .expect("after reset");
    assert_eq!(
        got,
        (0..3)
            .map(|p| committed(&topic, p, Some(0)))
            .collect::<Vec<_>>()
    );
    assert_eq!(admin.requests_sent(), 8);
}

#[test]
fn unknown_topic_and_fresh_group() {
    let topic = common::unique("admin-known");
    cluster::create_topic(&bootstrap(), &topic, 1);
    cluster::produce_counts(&bootstrap(), &topic, &[3]);
    let admin = Admin::new(&config()).expect("admin");
    let missing = common::unique("admin-missing");

    let res = timed("list_offsets mixed", || {
        admin.list_offsets(
            &[(topic.clone(), 0), (missing.clone(), 0)],
            OffsetSpec::Latest,
            TIMEOUT,
        )
    })
    .expect("mixed request");
    eprintln!("mixed: {res:?}");
    assert_eq!(res[0].offset, Ok(3));
    assert_eq!(res[0].timestamp, None);
    let err = res[1].offset.as_ref().unwrap_err();
    assert!(err.starts_with("UnknownTopicOrPartition"), "{err}");

    // The first record at or after the epoch is the first record.
    let ts = admin
        .list_offsets(&[(topic.clone(), 0)], OffsetSpec::Timestamp(0), TIMEOUT)
        .expect("timestamp lookup");
    assert_eq!(ts[0].offset, Ok(0), "{ts:?}");
    assert!(ts[0].timestamp.is_some_and(|t| t > 0), "{ts:?}");
    // Past the last record Kafka answers -1, with no timestamp.
    let later = chrono::Utc::now().timestamp_millis() + 3_600_000;
    let none = admin
        .list_offsets(&[(topic.clone(), 0)], OffsetSpec::Timestamp(later), TIMEOUT)
        .expect("timestamp lookup past the end");
    assert_eq!(none[0].offset, Ok(-1), "{none:?}");
    assert_eq!(none[0].timestamp, None, "{none:?}");

    // A group that never committed anything has no offsets.
    let none = admin
        .committed_offsets(&common::unique("admin-nobody"), TIMEOUT)
        .expect("fresh group");
    assert!(none.iter().all(|c| c.offset.is_none()), "{none:?}");
}
