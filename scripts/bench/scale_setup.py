#!/usr/bin/env python3
"""Fills a cluster for the scale benchmark (scripts/bench/scale-cluster.sh):
TOPICS topics of 100 partitions (replication factor 1), RECORDS records in every
partition, and GROUPS groups each committed on PER_GROUP partitions with one
OffsetCommit per group (AdminClient.alter_consumer_group_offsets).

Every 10th group lags (committed at half the log), every 100th is stuck at the
log start; the others are caught up. Groups have no members.

    scale_setup.py BOOTSTRAP TOPICS GROUPS PER_GROUP [RECORDS=10]
"""

import sys
import time

from confluent_kafka import ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 100


def topic_name(i):
    return f"scale.t{i:04d}"


def group_name(i):
    return f"scale.g{i:05d}"


def log(msg):
    print(f"scale_setup: {msg}", file=sys.stderr, flush=True)


def create_topics(admin, n):
    existing = set(admin.list_topics(timeout=30).topics)
    wanted = [topic_name(i) for i in range(n) if topic_name(i) not in existing]
    started = time.monotonic()
    # Twenty topics (2 000 partitions) per CreateTopics request: one request for
    # all of them can outlast the controller's request timeout on two cores.
    for k in range(0, len(wanted), 20):
        new = [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1) for t in wanted[k : k + 20]]
        for name, fut in admin.create_topics(new, operation_timeout=120, request_timeout=180).items():
            try:
                fut.result()
            except Exception as e:  # noqa: BLE001 - an existing topic is fine
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise
    log(f"{len(wanted)} topics created in {time.monotonic() - started:.1f}s")
    # Wait until every partition has a leader.
    deadline = time.monotonic() + 300
    while True:
        md = admin.list_topics(timeout=60)
        led = sum(
            1
            for i in range(n)
            if topic_name(i) in md.topics
            and len(md.topics[topic_name(i)].partitions) == PARTITIONS
            and all(p.leader >= 0 for p in md.topics[topic_name(i)].partitions.values())
        )
        if led == n:
            return
        if time.monotonic() > deadline:
            sys.exit(f"only {led} of {n} topics have leaders")
        time.sleep(1)


def produce(bootstrap, n, records):
    started = time.monotonic()
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 100, "acks": 1,
                  "queue.buffering.max.messages": 2_000_000})
    for i in range(n):
        for part in range(PARTITIONS):
            for r in range(records):
                p.produce(topic_name(i), value=b"x" * 16, partition=part)
        p.poll(0)
    left = p.flush(300)
    if left:
        sys.exit(f"{left} records not delivered")
    log(f"{n * PARTITIONS * records} records in {time.monotonic() - started:.1f}s")


def committed(g, records):
    if g % 100 == 0:
        return 0  # stuck at the log start
    if g % 10 == 0:
        return records // 2  # lagging
    return records


def commit_groups(admin, topics, groups, per_group, records):
    started = time.monotonic()
    total = topics * PARTITIONS
    futures = []
    for g in range(groups):
        # Group g covers per_group consecutive partitions of the whole partition
        # space, so the groups spread over every topic.
        first = (g * per_group) % total
        tps = []
        for k in range(per_group):
            idx = (first + k) % total
            tps.append(TopicPartition(topic_name(idx // PARTITIONS), idx % PARTITIONS, committed(g, records)))
        futures.extend(admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group_name(g), tps)], request_timeout=120).values())
        if len(futures) >= 200:
            for f in futures:
                f.result()
            futures.clear()
    for f in futures:
        f.result()
    log(f"{groups} groups committed in {time.monotonic() - started:.1f}s")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    bootstrap = sys.argv[1]
    topics, groups, per_group = (int(a) for a in sys.argv[2:5])
    records = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    admin = AdminClient({"bootstrap.servers": bootstrap})
    create_topics(admin, topics)
    produce(bootstrap, topics, records)
    commit_groups(admin, topics, groups, per_group, records)


if __name__ == "__main__":
    main()
