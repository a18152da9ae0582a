//! `kafka::admin` against librdkafka's in-process mock cluster: exact offsets after
//! producing and committing known values, and every failure path (unsupported
//! requests, injected errors, brokers down) ends in an error within the timeout.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::cluster;
use kaftop_core::kafka::admin::{Admin, AdminError, CommittedOffset, OffsetSpec, PartitionOffset};
use rdkafka::mocking::MockCluster;
use rdkafka::types::{RDKafkaApiKey, RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::ClientConfig;

const TIMEOUT: Duration = Duration::from_secs(5);
/// How much later than its timeout a failing call may return.
const SLACK: Duration = Duration::from_secs(2);

type Mock = MockCluster<'static, rdkafka::producer::DefaultProducerContext>;

fn mock(topics: &[(&str, i32)]) -> Mock {
    let mock = MockCluster::new(3).expect("mock cluster");
    for (t, n) in topics {
        mock.create_topic(t, *n, 1).expect("create topic");
    }
    mock
}

fn admin(mock: &Mock) -> Admin {
    Admin::new(ClientConfig::new().set("bootstrap.servers", mock.bootstrap_servers()))
        .expect("admin client")
}

fn parts(list: &[(&str, i32)]) -> Vec<(String, i32)> {
    list.iter().map(|(t, p)| (t.to_string(), *p)).collect()
}

fn offsets_of(res: &[PartitionOffset]) -> Vec<(String, i32, Result<i64, String>)> {
    res.iter()
        .map(|r| (r.topic.clone(), r.partition, r.offset.clone()))
        .collect()
}

fn committed(topic: &str, partition: i32, offset: i64) -> CommittedOffset {
    CommittedOffset {
        topic: topic.to_string(),
        partition,
        offset: Some(offset),
        error: None,
    }
}

/// Runs `f` and checks it returned within the timeout plus slack.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("returned after {took:?}");
    assert!(took < TIMEOUT + SLACK, "took {took:?}, timeout {TIMEOUT:?}");
    (out, took)
}

#[test]
fn list_offsets_returns_exact_watermarks_in_one_call() {
    let mock = mock(&[("orders", 3), ("audit", 2)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[5, 7, 0]);
    cluster::produce_counts(&mock.bootstrap_servers(), "audit", &[3, 1]);
    let admin = admin(&mock);
    let want = parts(&[
        ("audit", 1),
        ("orders", 0),
        ("orders", 1),
        ("orders", 2),
        ("audit", 0),
    ]);

    let latest = admin
        .list_offsets(&want, OffsetSpec::Latest, TIMEOUT)
        .expect("latest");
    assert_eq!(admin.requests_sent(), 1);
    // Input order, exact end offsets.
    assert_eq!(
        offsets_of(&latest),
        vec![
            ("audit".to_string(), 1, Ok(1)),
            ("orders".to_string(), 0, Ok(5)),
            ("orders".to_string(), 1, Ok(7)),
            ("orders".to_string(), 2, Ok(0)),
            ("audit".to_string(), 0, Ok(3)),
        ]
    );
    assert!(latest.iter().all(|r| r.timestamp.is_none()), "{latest:?}");

    // The same numbers as rdkafka's per-partition watermark query.
    for r in &latest {
        let (_, high) = admin
            .client()
            .fetch_watermarks(&r.topic, r.partition, TIMEOUT)
            .expect("watermarks");
        assert_eq!(r.offset, Ok(high), "{}/{}", r.topic, r.partition);
    }

    let earliest = admin
        .list_offsets(&want, OffsetSpec::Earliest, TIMEOUT)
        .expect("earliest");
    assert_eq!(admin.requests_sent(), 2);
    assert_eq!(earliest.len(), want.len());
    assert!(earliest.iter().all(|r| r.offset == Ok(0)), "{earliest:?}");

    // Duplicates are asked once; an empty request makes no call.
    let dup = parts(&[("orders", 1), ("orders", 1)]);
    let res = admin
        .list_offsets(&dup, OffsetSpec::Latest, TIMEOUT)
        .expect("dup");
    assert_eq!(offsets_of(&res), vec![("orders".to_string(), 1, Ok(7))]);
    assert_eq!(admin.requests_sent(), 3);
    assert_eq!(
        admin.list_offsets(&[], OffsetSpec::Latest, TIMEOUT),
        Ok(vec![])
    );
    assert_eq!(admin.requests_sent(), 3);
}

#[test]
fn committed_offsets_are_exactly_what_was_committed() {
    let mock = mock(&[("orders", 3), ("audit", 2)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[5, 7, 2]);
    cluster::produce_counts(&mock.bootstrap_servers(), "audit", &[3, 1]);
    cluster::commit_offsets(
        &mock.bootstrap_servers(),
        "billing",
        &[("orders", 2, 1), ("orders", 0, 2), ("audit", 0, 3)],
    );
    cluster::commit_offsets(&mock.bootstrap_servers(), "other", &[("orders", 1, 6)]);
    let admin = admin(&mock);
    let all = parts(&[
        ("orders", 0),
        ("orders", 1),
        ("orders", 2),
        ("audit", 0),
        ("audit", 1),
        ("orders", 0), // duplicate: asked once
    ]);
    let uncommitted = |t: &str, p| CommittedOffset {
        topic: t.to_string(),
        partition: p,
        offset: None,
        error: None,
    };

    let got = admin
        .committed_offsets_for("billing", &all, TIMEOUT)
        .expect("billing");
    assert_eq!(
        got,
        vec![
            committed("audit", 0, 3),
            uncommitted("audit", 1),
            committed("orders", 0, 2),
            uncommitted("orders", 1),
            committed("orders", 2, 1),
        ]
    );
    let got = admin
        .committed_offsets_for("other", &parts(&[("orders", 1)]), TIMEOUT)
        .expect("other");
    assert_eq!(got, vec![committed("orders", 1, 6)]);

    // A group that never committed has no valid offsets.
    let none = admin
        .committed_offsets_for("nobody", &all, TIMEOUT)
        .expect("nobody");
    assert_eq!(none.len(), 5);
    assert!(
        none.iter().all(|c| c.offset.is_none() && c.error.is_none()),
        "{none:?}"
    );
    assert_eq!(admin.requests_sent(), 3);

    // The all-partitions form: the mock answers OffsetFetch with a null topic
    // list with nothing, a real broker with every committed partition. Whatever
    // comes back must be what was committed.
    let got = admin
        .committed_offsets("billing", TIMEOUT)
        .expect("all form");
    let billing = [
        committed("audit", 0, 3),
        committed("orders", 0, 2),
        committed("orders", 2, 1),
    ];
    assert!(got.iter().all(|c| billing.contains(c)), "{got:?}");
    assert_eq!(admin.requests_sent(), 4);
}

#[test]
fn alter_group_offsets_then_committed_offsets_shows_new_values() {
    let mock = mock(&[("orders", 2)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[4, 6]);
    cluster::commit_offsets(
        &mock.bootstrap_servers(),
        "resetme",
        &[("orders", 0, 4), ("orders", 1, 6)],
    );
    let admin = admin(&mock);
    let both = parts(&[("orders", 0), ("orders", 1)]);
    assert_eq!(
        admin
            .committed_offsets_for("resetme", &both, TIMEOUT)
            .expect("before"),
        vec![committed("orders", 0, 4), committed("orders", 1, 6)]
    );

    let res = admin
        .alter_group_offsets(
            "resetme",
            &[("orders".to_string(), 0, 0), ("orders".to_string(), 1, 2)],
            TIMEOUT,
        )
        .expect("alter");
    assert_eq!(
        res,
        vec![
            ("orders".to_string(), 0, Ok(())),
            ("orders".to_string(), 1, Ok(())),
        ]
    );
    assert_eq!(
        admin
            .committed_offsets_for("resetme", &both, TIMEOUT)
            .expect("after"),
        vec![committed("orders", 0, 0), committed("orders", 1, 2)]
    );

    // librdkafka rejects negative offsets before sending anything.
    let err = admin
        .alter_group_offsets("resetme", &[("orders".to_string(), 0, -1)], TIMEOUT)
        .unwrap_err();
    assert_eq!(err.code(), Some(RDKafkaErrorCode::InvalidArgument), "{err}");
    assert!(err.to_string().contains(">= 0"), "{err}");
}

#[test]
fn unknown_topics_and_partitions_fail_per_partition() {
    let mock = mock(&[("orders", 2)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[3, 4]);
    let admin = admin(&mock);

    let res = admin
        .list_offsets(
            &parts(&[("orders", 0), ("no-such-topic", 0), ("orders", 1)]),
            OffsetSpec::Latest,
            TIMEOUT,
        )
        .expect("mixed request");
    assert_eq!(res[0].offset, Ok(3));
    assert_eq!(res[2].offset, Ok(4));
    let err = res[1].offset.as_ref().unwrap_err();
    assert!(err.starts_with("UnknownTopicOrPartition"), "{err}");

    // Only unknown partitions: nothing has a leader, the call as a whole fails.
    let (res, _) =
        timed(|| admin.list_offsets(&parts(&[("no-such-topic", 0)]), OffsetSpec::Latest, TIMEOUT));
    let err = res.unwrap_err();
    eprintln!("list_offsets, only unknown topics: {err}");
    assert!(err.to_string().contains("No leaders found"), "{err}");
}

#[test]
fn injected_list_offsets_errors_surface_per_partition() {
    let mock = mock(&[("orders", 3)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[1, 2, 3]);
    let admin = admin(&mock);
    let want = parts(&[("orders", 0), ("orders", 1), ("orders", 2)]);
    // Warm the metadata cache so the errors hit ListOffsets, not a lookup.
    admin
        .list_offsets(&want, OffsetSpec::Latest, TIMEOUT)
        .expect("warm");

    // One error per leader request (three brokers, one partition each at most).
    mock.request_errors(
        RDKafkaApiKey::ListOffsets,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 3],
    );
    let (res, _) = timed(|| admin.list_offsets(&want, OffsetSpec::Latest, TIMEOUT));
    let res = res.expect("request-level success");
    for r in &res {
        let err = r.offset.as_ref().unwrap_err();
        assert!(err.starts_with("TopicAuthorizationFailed"), "{r:?}");
    }

    mock.clear_request_errors(RDKafkaApiKey::ListOffsets);
    let res = admin
        .list_offsets(&want, OffsetSpec::Latest, TIMEOUT)
        .expect("after clearing");
    assert_eq!(
        res.iter().map(|r| r.offset.clone()).collect::<Vec<_>>(),
        vec![Ok(1), Ok(2), Ok(3)]
    );
}

#[test]
fn injected_offset_fetch_error_fails_committed_offsets() {
    let mock = mock(&[("orders", 1)]);
    cluster::commit_offsets(&mock.bootstrap_servers(), "g", &[("orders", 0, 0)]);
    let admin = admin(&mock);
    mock.request_errors(
        RDKafkaApiKey::OffsetFetch,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED],
    );
    let (res, _) = timed(|| admin.committed_offsets("g", TIMEOUT));
    let err = res.unwrap_err();
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::GroupAuthorizationFailed),
        "{err}"
    );
}

/// A coordinator that moved answers NotCoordinator. librdkafka 2.12 reacts by asking
/// the handle's own consumer group to look its coordinator up again; on a handle
/// without one that crashed the whole process (a real broker answers this while
/// `__consumer_offsets` loads or after a node stops).
#[test]
fn not_coordinator_is_an_error_not_a_crash() {
    let mock = mock(&[("orders", 2)]);
    cluster::commit_offsets(
        &mock.bootstrap_servers(),
        "g",
        &[("orders", 0, 3), ("orders", 1, 4)],
    );
    let admin = admin(&mock);
    mock.request_errors(
        RDKafkaApiKey::OffsetFetch,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_COORDINATOR],
    );
    let both = parts(&[("orders", 0), ("orders", 1)]);
    let (res, _) = timed(|| admin.committed_offsets_for("g", &both, TIMEOUT));
    let err = res.unwrap_err();
    assert_eq!(err.code(), Some(RDKafkaErrorCode::NotCoordinator), "{err}");
    // The next call, once the coordinator answers again, sees the real offsets.
    let (res, _) = timed(|| admin.committed_offsets_for("g", &both, TIMEOUT));
    assert_eq!(
        res.expect("committed offsets after the error"),
        vec![committed("orders", 0, 3), committed("orders", 1, 4)]
    );
}

#[test]
fn unsupported_group_requests_fail_within_the_timeout() {
    let mock = mock(&[("orders", 1)]);
    cluster::commit_offsets(&mock.bootstrap_servers(), "g", &[("orders", 0, 0)]);
    let admin = admin(&mock);

    // The mock does not offer ListGroups/DescribeGroups in its ApiVersions, so
    // librdkafka fails these locally and at once.
    let (res, _) = timed(|| admin.list_groups(TIMEOUT));
    let err = res.unwrap_err();
    eprintln!("list_groups on the mock: {err}");
    assert!(matches!(err, AdminError::Request { .. }), "{err}");
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::UnsupportedFeature),
        "{err}"
    );

    // DescribeGroups fails per group: the call succeeds, the group has the error.
    let (res, _) = timed(|| admin.describe_groups(&["g", "g"], TIMEOUT));
    eprintln!("describe_groups on the mock: {res:?}");
    let d = res.expect("request-level success");
    assert_eq!(d.len(), 1, "duplicates are described once: {d:?}");
    assert_eq!(d[0].group_id, "g");
    let err = d[0].error.as_deref().unwrap_or_default();
    assert!(err.starts_with("UnsupportedFeature"), "{d:?}");
    assert!(d[0].members.is_empty());
    assert_eq!(admin.requests_sent(), 2);
}

#[test]
fn brokers_down_fail_within_the_timeout() {
    let mock = mock(&[("orders", 2)]);
    cluster::produce_counts(&mock.bootstrap_servers(), "orders", &[1, 1]);
    cluster::commit_offsets(&mock.bootstrap_servers(), "g", &[("orders", 0, 1)]);
    let admin = admin(&mock);
    let want = parts(&[("orders", 0), ("orders", 1)]);
    admin
        .list_offsets(&want, OffsetSpec::Latest, TIMEOUT)
        .expect("before");

    mock.broker_down(-1).expect("down");
    // Leaders are cached, so the call goes out and each partition's request fails.
    let (res, _) = timed(|| admin.list_offsets(&want, OffsetSpec::Latest, TIMEOUT));
    let res = res.expect("per-partition failures");
    for r in &res {
        let err = r.offset.as_ref().unwrap_err();
        assert!(err.contains("no answer"), "{r:?}");
    }
    let (res, _) = timed(|| admin.committed_offsets("g", TIMEOUT));
    let err = res.unwrap_err();
    eprintln!("committed_offsets, brokers down: {err}");
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::OperationTimedOut),
        "{err}"
    );

    // Nothing reachable from the start: a fresh client fails too.
    let fresh = self::admin(&mock);
    let (res, _) = timed(|| fresh.list_offsets(&want, OffsetSpec::Latest, TIMEOUT));
    let err = res.unwrap_err();
    eprintln!("list_offsets, brokers down, fresh client: {err}");
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::OperationTimedOut),
        "{err}"
    );
    assert!(err.to_string().contains("leaders"), "{err}");
}

#[test]
fn nul_bytes_in_names_are_errors() {
    let mock = mock(&[]);
    let admin = admin(&mock);
    let e = admin.committed_offsets("a\0b", TIMEOUT).unwrap_err();
    assert_eq!(e.code(), Some(RDKafkaErrorCode::InvalidArgument));
    let e = admin.describe_groups(&["a\0b"], TIMEOUT).unwrap_err();
    assert_eq!(e.code(), Some(RDKafkaErrorCode::InvalidArgument));
    let e = admin
        .list_offsets(&parts(&[("t\0", 0)]), OffsetSpec::Latest, TIMEOUT)
        .unwrap_err();
    assert_eq!(e.code(), Some(RDKafkaErrorCode::InvalidArgument));
    // Rejected before any request.
    assert_eq!(admin.requests_sent(), 0);
}
