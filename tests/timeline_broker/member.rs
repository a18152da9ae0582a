//! A classic group's member polling on its own thread, and what
//! `kafka-consumer-groups` says of it.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

use crate::common::{kafka_tool, wait_for};
use crate::DEADLINE;

pub(crate) struct Member {
    pub(crate) client_id: String,
    stop: Arc<AtomicBool>,
    owned: Arc<Mutex<Vec<i32>>>,
    thread: Option<JoinHandle<()>>,
}

impl Member {
    pub(crate) fn join(bootstrap: &str, group: &str, client_id: &str, topic: &str) -> Self {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("client.id", client_id)
            .set("enable.auto.commit", "false")
            .create()
            .expect("member consumer");
        consumer.subscribe(&[topic]).expect("subscribe");
        let stop = Arc::new(AtomicBool::new(false));
        let owned = Arc::new(Mutex::new(Vec::new()));
        let (s, o) = (stop.clone(), owned.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let _ = consumer.poll(Duration::from_millis(100));
                if let Ok(tpl) = consumer.assignment() {
                    let mut parts: Vec<i32> =
                        tpl.elements().iter().map(|e| e.partition()).collect();
                    parts.sort_unstable();
                    *o.lock().unwrap() = parts;
                }
            }
            // Leaves the group.
            consumer.unsubscribe();
            drop(consumer);
        });
        Member {
            client_id: client_id.to_string(),
            stop,
            owned,
            thread: Some(thread),
        }
    }

    pub(crate) fn owned(&self) -> Vec<i32> {
        self.owned.lock().unwrap().clone()
    }

    /// `topic:0,1` as kaftop and `kafka-consumer-groups` print an assignment.
    pub(crate) fn cell(&self, topic: &str) -> String {
        let parts: Vec<String> = self.owned().iter().map(i32::to_string).collect();
        format!("{topic}:{}", parts.join(","))
    }

    pub(crate) fn leave(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("member thread");
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Waits until the members own exactly these partitions each.
pub(crate) fn wait_owned(members: &[&Member], want: &[&[i32]]) {
    wait_for("the assignment", DEADLINE, || {
        let owned: Vec<Vec<i32>> = members.iter().map(|m| m.owned()).collect();
        (owned == want.iter().map(|w| w.to_vec()).collect::<Vec<_>>()).then_some(())
    });
}

/// Waits until two members split `partitions` between them, one each at least.
pub(crate) fn wait_split(a: &Member, b: &Member, partitions: i32) {
    wait_for("the two members' split", DEADLINE, || {
        let (x, y) = (a.owned(), b.owned());
        let all: BTreeSet<i32> = x.iter().chain(&y).copied().collect();
        let split = !x.is_empty()
            && !y.is_empty()
            && x.len() + y.len() == partitions as usize
            && all == (0..partitions).collect();
        split.then_some(())
    });
}

/// The member's HOST as `kafka-consumer-groups --describe --members` prints it.
pub(crate) fn tool_host(b: &str, group: &str, client_id: &str) -> String {
    let out = kafka_tool(
        "kafka-consumer-groups",
        &[
            "--bootstrap-server",
            b,
            "--describe",
            "--group",
            group,
            "--members",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|r| r.len() == 5 && r[0] == group && r[3] == client_id)
        .map(|r| r[2].to_string())
        .unwrap_or_else(|| panic!("no member {client_id} in:\n{text}"))
}

pub(crate) fn member_text(m: &Member, host: &str, what: &str) -> String {
    format!("member {} ({host}) {what}", m.client_id)
}
