//! `kaftop groups delete` on the real broker, with `kafka-consumer-groups --list`
//! as the oracle: a KIP-848 group is refused while its member is in it, shown
//! in a dry run and deleted with `--execute` once it is empty; a classic group
//! that only has committed offsets is deleted too. (Share and Streams groups:
//! tests/group_types_broker.rs.) Costs about 10 s (three tool runs, one member).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::{commit_offsets, create_topic, produce_counts};
use common::{bootstrap, kafka_tool, kaftop, unique, wait_for};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

const SETTLE: Duration = Duration::from_secs(90);

fn listed(b: &str) -> Vec<String> {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &["--bootstrap-server", b, "--list"],
    );
    common::assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

fn delete(b: &str, group: &str, extra: &[&str]) -> std::process::Output {
    kaftop()
        .args(["-b", b, "groups", "delete", group])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn groups_delete_refuses_a_group_with_members_and_deletes_an_empty_one() {
    let b = bootstrap();
    let topic = unique("del");
    let group = unique("del-g");
    create_topic(&b, &topic, 2);
    produce_counts(&b, &topic, &[2, 1]);

    let member: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &b)
        .set("group.id", &group)
        .set("group.protocol", "consumer")
        .create()
        .unwrap();
    member.subscribe(&[&topic]).unwrap();
    wait_for("the member's assignment", SETTLE, || {
        let _ = member.poll(Duration::from_millis(200));
        (member.assignment().unwrap().count() > 0).then_some(())
    });

    for extra in [&[][..], &["--execute"]] {
        let out = delete(&b, &group, extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?}: {err}");
        assert!(err.contains("has 1 member(s)"), "{extra:?}: {err}");
    }
    assert!(listed(&b).contains(&group));

    // Read-only profiles never delete.
    let out = kaftop()
        .args([
            "-b",
            &b,
            "--read-only",
            "groups",
            "delete",
            &group,
            "--execute",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));

    drop(member);
    wait_for("the group to be empty", SETTLE, || {
        let out = kaftop()
            .args(["-b", &b, "lag", "--state", "--json", "--group", &group])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        (v[0]["members"] == 0).then_some(())
    });
    // The dry run shows the group and deletes nothing.
    let out = delete(&b, &group, &[]);
    common::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Consumer") && text.contains("Empty"),
        "{text}"
    );
    assert!(listed(&b).contains(&group));

    let out = delete(&b, &group, &["--execute", "--json"]);
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["executed"], true);
    assert!(!listed(&b).contains(&group));

    // A classic group that never had a member, only committed offsets.
    let classic = unique("del-classic");
    commit_offsets(&b, &classic, &[(&topic, 0, 1)]);
    assert!(listed(&b).contains(&classic));
    common::assert_success(&delete(&b, &classic, &["--execute"]));
    assert!(!listed(&b).contains(&classic));
    // Gone: a second delete names it.
    let out = delete(&b, &classic, &["--execute"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}
