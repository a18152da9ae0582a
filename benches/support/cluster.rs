//! Cluster set-up shared by the refresh benchmarks: topics created and led, groups
//! with committed offsets, groups deleted. Included with `#[path]`, so the TUI
//! benchmarks, which share `support/mod.rs`, do not build it.
#![allow(dead_code)] // each benchmark uses its own subset

use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// An admin client and the runtime its calls are awaited on.
fn admin(bootstrap: &str) -> (AdminClient<DefaultClientContext>, tokio::runtime::Runtime) {
    let admin = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (admin, rt)
}

/// Creates `names` with `partitions` partitions each (replication factor 1), ten
/// per request, and waits until every partition has a leader.
pub(crate) fn create_topics(bootstrap: &str, names: &[String], partitions: i32, timeout: Duration) {
    if names.is_empty() {
        return;
    }
    let (admin, rt) = admin(bootstrap);
    let opts = AdminOptions::new().operation_timeout(Some(timeout));
    for chunk in names.chunks(10) {
        let new: Vec<NewTopic> = chunk
            .iter()
            .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1)))
            .collect();
        let res = rt
            .block_on(admin.create_topics(&new, &opts))
            .expect("create topics");
        for r in res {
            r.expect("topic created");
        }
    }
    let deadline = Instant::now() + timeout;
    loop {
        let md = admin
            .inner()
            .fetch_metadata(None, timeout)
            .expect("metadata");
        let led = names.iter().all(|n| {
            md.topics().iter().any(|t| {
                t.name() == n
                    && t.partitions().len() == partitions as usize
                    && t.partitions().iter().all(|p| p.leader() >= 0)
            })
        });
        if led {
            return;
        }
        assert!(Instant::now() < deadline, "new topics have no leaders yet");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Deletes `groups`, a hundred per request.
pub(crate) fn delete_groups(bootstrap: &str, groups: &[String], timeout: Duration) {
    if groups.is_empty() {
        return;
    }
    let (admin, rt) = admin(bootstrap);
    let opts = AdminOptions::new().operation_timeout(Some(timeout));
    for chunk in groups.chunks(100) {
        let names: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let res = rt
            .block_on(admin.delete_groups(&names, &opts))
            .expect("delete groups");
        for r in res {
            r.expect("group deleted");
        }
    }
}

/// Commits offset 0 for `group` on partitions `0..partitions` of `topic`.
pub(crate) fn commit_all(bootstrap: &str, group: &str, topic: &str, partitions: i32) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Offset(0))
            .expect("tpl");
    }
    c.commit(&tpl, CommitMode::Sync).expect("commit");
}
