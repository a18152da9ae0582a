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

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

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


def produce(admin, bootstrap, n, records):
    """`records` records in every partition of the n topics, each delivery
    checked: a partition whose leader a busy broker has not announced yet refuses
    its records, and those are sent again (at most 5 rounds). Then every
    partition's log end is read back."""
    started = time.monotonic()
    # Metadata refreshed every second: a topic a lagging broker called unknown is
    # looked up again soon (the default is every 5 minutes).
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 100, "acks": 1,
                  "queue.buffering.max.messages": 2_000_000,
                  "topic.metadata.refresh.interval.ms": 1000})
    failed = []

    def delivered(err, msg):
        if err is not None:
            failed.append((msg.topic(), msg.partition()))

    todo = [(topic_name(i), part) for i in range(n) for part in range(PARTITIONS) for _ in range(records)]
    for round_ in range(5):
        for k, (topic, part) in enumerate(todo):
            send(p, topic, part, delivered)
            if k % 10_000 == 0:
                p.poll(0)
        left = p.flush(300)
        if left:
            sys.exit(f"{left} records not delivered")
        if not failed:
            break
        log(f"round {round_ + 1}: {len(failed)} records refused, sent again")
        todo, failed = failed, []
        time.sleep(5)
    else:
        sys.exit(f"{len(todo)} records still refused after 5 rounds")
    short = log_ends_below(admin, n, records)
    if short:
        sys.exit(f"{len(short)} partitions hold fewer than {records} records, e.g. {short[:3]}")
    log(f"{n * PARTITIONS * records} records in {time.monotonic() - started:.1f}s, every log end checked")


def send(p, topic, part, delivered):
    """One record; a topic the producer's metadata does not know yet (a broker
    that has not caught up with the controller answered it) is retried for up to
    a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            p.produce(topic, value=b"x" * 16, partition=part, on_delivery=delivered)
            return
        except KafkaException as e:
            if e.args[0].code() != KafkaError._UNKNOWN_TOPIC or time.monotonic() > deadline:
                raise
            p.poll(0.5)


def log_ends_below(admin, n, records):
    """The partitions whose log end is under `records`, read a topic at a time."""
    short = []
    for i in range(n):
        wanted = {TopicPartition(topic_name(i), part): OffsetSpec.latest() for part in range(PARTITIONS)}
        for tp, fut in admin.list_offsets(wanted, request_timeout=60).items():
            high = fut.result().offset
            if high < records:
                short.append((tp.topic, tp.partition, high))
    return short


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
    produce(admin, bootstrap, topics, records)
    commit_groups(admin, topics, groups, per_group, records)


if __name__ == "__main__":
    main()
