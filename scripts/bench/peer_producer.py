#!/usr/bin/env python3
"""Benchmark peer: a plain confluent-kafka (librdkafka) producer loop.

Produces N MessageCreatedEvent JSON records and prints one JSON result line, so
kaftop's own producer can be compared against an ordinary client doing the
same work.

    peer_producer.py --bootstrap 127.0.0.1:9092 --count 100000
    peer_producer.py --mock 3 --count 300000      # librdkafka in-client mock cluster

Requires: pip install confluent-kafka
"""

import argparse
import json
import resource
import sys
import time

from confluent_kafka import KafkaException, Producer


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap servers")
    target.add_argument(
        "--mock", type=int, metavar="N",
        help="use librdkafka's in-client mock cluster with N brokers (no bootstrap)",
    )
    p.add_argument("--count", type=int, default=100_000, help="number of events (default 100000)")
    p.add_argument("--topic", default="message.created", help="topic (default message.created)")
    return p.parse_args()


def producer_config(args):
    conf = {
        "enable.idempotence": True,
        "acks": "all",
        "partitioner": "murmur2_random",  # Java-client compatible key hashing
        "linger.ms": 5,
    }
    if args.mock is not None:
        conf["test.mock.num.brokers"] = args.mock
    else:
        conf["bootstrap.servers"] = args.bootstrap
    return conf


def main():
    args = parse_args()
    producer = Producer(producer_config(args))

    delivered = 0
    failed = 0
    first_error = None

    def on_delivery(err, _msg):
        nonlocal delivered, failed, first_error
        if err is None:
            delivered += 1
        else:
            failed += 1
            if first_error is None:
                first_error = err

    # createdAt in Java LocalDateTime style (millisecond precision, no zone); fixed so
    # that per-event cost is only the JSON encoding, as in the other peers.
    created_at = "2026-11-24T10:15:30.123"

    start = time.perf_counter()
    for i in range(1, args.count + 1):
        value = json.dumps(
            {
                "messageId": i,
                "senderId": 100,
                "receiverId": 200,
                "content": f"bench message {i}",
                "createdAt": created_at,
            },
            separators=(",", ":"),
        )
        while True:
            try:
                producer.produce(args.topic, key=str(i), value=value, on_delivery=on_delivery)
                break
            except BufferError:
                # Local queue full: serve delivery reports to make room, then retry.
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(60)
    elapsed = time.perf_counter() - start

    usage = resource.getrusage(resource.RUSAGE_SELF)  # whole process, incl. librdkafka threads
    result = {
        "peer": "python-confluent-kafka",
        "count": args.count,
        "delivered": delivered,
        "failed": failed + remaining,  # anything still queued after flush counts as failed
        "elapsed_ms": round(elapsed * 1000, 1),
        "events_per_sec": round(delivered / elapsed, 1) if elapsed > 0 else 0.0,
        "cpu_user_s": round(usage.ru_utime, 3),
        "cpu_sys_s": round(usage.ru_stime, 3),
    }
    print(json.dumps(result), flush=True)
    if first_error is not None:
        print(f"first delivery error: {first_error}", file=sys.stderr)
    return 0 if delivered == args.count else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KafkaException as e:
        print(f"kafka error: {e}", file=sys.stderr)
        sys.exit(1)
