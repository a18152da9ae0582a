//! The overview live, as a person sees it: the real binary in tmux against the
//! real test broker. A topic with traffic and a group behind on it: the
//! overview (the start screen) shows the cluster header, the chart, the topic
//! among the topics by rate, the group with its lag, records of the topic in
//! the ticker; W writes an incident snapshot and the status line says where.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::cluster::{commit_offsets, create_topic};
use common::tmux::Tmux;
use common::{bootstrap, unique};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The cells of the screen's line that holds `first` as a word, borders dropped.
fn row_of(screen: &str, first: &str) -> Option<Vec<String>> {
    screen.lines().find_map(|l| {
        let cells: Vec<String> = l
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        cells.iter().any(|c| c == first).then_some(cells)
    })
}

#[test]
fn the_overview_shows_the_cluster_the_traffic_and_the_group_behind() {
    let b = bootstrap();
    let topic = unique("ov");
    let group = unique("ov-group");
    create_topic(&b, &topic, 1);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &b)
        .create()
        .unwrap();
    // Written three days ago: a group stopped on them is the oldest trouble in the
    // cluster, so it ranks among the first even beside other tests' stopped groups.
    let three_days_ago = chrono::Utc::now().timestamp_millis() - 3 * 24 * 3_600_000;
    for i in 0..10 {
        let v = format!("first-{i}");
        producer
            .send(
                BaseRecord::<str, str>::to(&topic)
                    .payload(&v)
                    .timestamp(three_days_ago),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    // Committed at 0: ten records behind, and the log grows below.
    commit_offsets(&b, &group, &[(topic.as_str(), 0, 0)]);
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (topic, stop) = (topic.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let v = format!("live-{i}");
                let _ = producer.send(BaseRecord::<str, str>::to(&topic).payload(&v));
                producer.poll(Duration::ZERO);
                i += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            producer.flush(Duration::from_secs(30)).unwrap();
        })
    };

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kaftop.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"test\"\ndata_dir = \"{}\"\n[profiles.test]\nbootstrap_servers = \"{b}\"\npoll_interval = \"1s\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let tmux = Tmux::new();
    let cmd = format!(
        "env -u KAFTOP_CONFIG {} --config {}",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_kaftop"))),
        shell_quote(&config)
    );
    tmux.start_program(&cmd, 160, 48);

    // The start screen is the overview: its header, chart and panes.
    let screen = tmux.wait("the overview with the group and the topic", |s| {
        let group_row = row_of(s, &group)?;
        let topic_row = row_of(s, &topic)?;
        (s.contains("Throughput msg/s") && group_row.len() > 3 && topic_row.len() > 1)
            .then(|| s.to_string())
    });
    assert!(screen.contains(" 0 Overview "), "{screen}");
    assert!(screen.contains("brokers 1/1"), "{screen}");
    assert!(screen.contains("offline 0"), "{screen}");
    assert!(screen.contains("Groups, worst first"), "{screen}");
    // GROUP TYPE STATUS LAG ...: never consumed, at least the first ten behind.
    let row = row_of(&screen, &group).unwrap();
    let lag: u64 = row[3]
        .trim_start_matches('!')
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{row:?}\n{screen}"));
    assert!(lag >= 10, "{row:?}");

    // The ticker samples the busiest topic: this one.
    tmux.wait("records of the topic in the ticker", |s| {
        s.lines()
            .any(|l| l.contains(&format!("{topic}/0@")) && l.contains("live-"))
            .then_some(())
    });

    // W: an incident snapshot, and the status line says where it went.
    tmux.keys(&["W"]);
    let screen = tmux.wait_for_text("the snapshot written", "incident snapshot written to ");
    let incidents = dir.path().join("data").join("incidents");
    let written: Vec<_> = std::fs::read_dir(&incidents)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    let md = written
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .unwrap();
    // The status line is one line, cut in the middle when long: it ends with
    // the file's name.
    let name = md.file_name().unwrap().to_string_lossy();
    assert!(screen.contains(&format!("{name} (and .json)")), "{screen}");
    let text = std::fs::read_to_string(md).unwrap();
    // What the overview showed: the cluster header and the topic among the rates.
    assert!(text.contains("brokers 1/1 up"), "{text}");
    assert!(text.contains(&format!("| {topic} | 1 | ")), "{text}");

    stop.store(true, Ordering::Relaxed);
    traffic.join().unwrap();
    tmux.keys(&["q"]);
    tmux.wait_for_text("the program to exit with 0", "kaftop-exit=0");
}
