"""The other side of scripts/bench-search.sh, with Python confluent-kafka.

produce BOOTSTRAP TOPIC N: N JSON records over the topic's partitions, every 7th
for customer 4711 with an OrderCreated header.
scan BOOTSTRAP TOPIC: one consumer assigned every partition from the beginning to
the end offsets taken at start (as kaftop search reads), json.loads on each value
and the predicate of the benchmark; prints the matches and the records scanned.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def produce(bootstrap, topic, n):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": "lz4"})
    for i in range(n):
        customer = 4711 if i % 7 == 0 else i
        type_id = "OrderCreated" if i % 2 == 0 else "OrderPaid"
        value = json.dumps({"customerId": customer, "n": i, "total": i % 500, "note": "x" * 40})
        while True:
            try:
                p.produce(topic, value=value, key=f"k{i}", headers=[("__TypeId__", type_id)])
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    p.flush(60)


def matches(headers, value):
    try:
        v = json.loads(value)
    except (ValueError, TypeError):
        return False
    h = dict((k, b.decode("utf-8", "replace") if b is not None else None) for k, b in (headers or []))
    return isinstance(v, dict) and v.get("customerId") == 4711 and "Created" in (h.get("__TypeId__") or "")


def scan(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-search-py",
                  "enable.auto.commit": False, "fetch.message.max.bytes": 10485760})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {}
    tps = []
    for p in parts:
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            ends[p] = high
            tps.append(TopicPartition(topic, p, low))
    c.assign(tps)
    start = time.monotonic()
    scanned = found = 0
    while ends:
        for m in c.consume(1000, 1.0):
            if m.error() or m.partition() not in ends:
                continue
            scanned += 1
            if matches(m.headers(), m.value()):
                found += 1
            if m.offset() + 1 >= ends[m.partition()]:
                del ends[m.partition()]
    secs = time.monotonic() - start
    c.close()
    print(f"{found} matched of {scanned} in {secs:.2f} s")


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        scan(sys.argv[2], sys.argv[3])
