"""The other side of scripts/bench-search.sh, with Python confluent-kafka.

produce BOOTSTRAP TOPIC N [REGISTRY_URL]: N order records over the topic's
partitions, every 7th for customer 4711, every 2nd with an OrderCreated
`__TypeId__` header (so i % 14 == 0 matches the benchmark's predicate). With a
registry URL the values are Avro, written by confluent-kafka's own AvroSerializer
(subject TOPIC-value); without, JSON.
scan BOOTSTRAP TOPIC [REGISTRY_URL]: one consumer assigned every partition from the
beginning to the end offsets taken at start (as kaftop search reads), decoding each
value (fastavro's schemaless_reader after the 5-byte framing, the schema fetched
once per schema id from the registry; or json.loads) and applying the predicate of
the benchmark; prints the matches, the records scanned and the seconds.
"""
import decimal
import io
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

ORDER = {
    "type": "record", "name": "Order", "namespace": "bench",
    "fields": [
        {"name": "orderId", "type": "long"},
        {"name": "customerId", "type": "int"},
        {"name": "total", "type": {"type": "bytes", "logicalType": "decimal",
                                    "precision": 10, "scale": 2}},
        {"name": "currency", "type": "string"},
        {"name": "items", "type": {"type": "array", "items": {
            "type": "record", "name": "Item", "fields": [
                {"name": "sku", "type": "string"},
                {"name": "qty", "type": "int"},
            ]}}},
    ],
}


def order(i):
    items = [{"sku": f"SKU-{(i + k) % 997:04d}", "qty": 1 + (i + k) % 3} for k in range(1 + i % 3)]
    return {"orderId": i, "customerId": 4711 if i % 7 == 0 else i % 100000,
            "total": decimal.Decimal(i % 50000).scaleb(-2), "currency": "EUR", "items": items}


def produce(bootstrap, topic, n, registry_url=None):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": "lz4"})
    if registry_url:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
        # Subjects named after the topic: the client's default strategy first asks for
        # "associations", an API Apicurio does not have.
        ser = AvroSerializer(SchemaRegistryClient({"url": registry_url, "timeout": 30}),
                             json.dumps(ORDER), conf={"subject.name.strategy.type": "TOPIC"})
        ctx = SerializationContext(topic, MessageField.VALUE)
        encode = lambda v: ser(v, ctx)  # noqa: E731
    else:
        encode = lambda v: json.dumps(dict(v, total=str(v["total"])))  # noqa: E731
    for i in range(n):
        type_id = "OrderCreated" if i % 2 == 0 else "OrderPaid"
        value = encode(order(i))
        while True:
            try:
                p.produce(topic, value=value, key=f"k{i}", headers=[("__TypeId__", type_id)])
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    p.flush(60)


def header_matches(headers):
    for k, b in headers or ():
        if k == "__TypeId__":
            return b is not None and "Created" in b.decode("utf-8", "replace")
    return False


def json_decoder():
    def decode(value):
        try:
            return json.loads(value)
        except (ValueError, TypeError):
            return None
    return decode


def avro_decoder(registry_url):
    import fastavro
    from confluent_kafka.schema_registry import SchemaRegistryClient
    registry = SchemaRegistryClient({"url": registry_url, "timeout": 30})
    schemas = {}  # schema id (the 4 framing bytes) -> parsed schema, fetched once

    def decode(value):
        if value is None or len(value) < 5 or value[0] != 0:
            return None
        sid = value[1:5]
        schema = schemas.get(sid)
        if schema is None:
            text = registry.get_schema(int.from_bytes(sid, "big")).schema_str
            schema = schemas[sid] = fastavro.parse_schema(json.loads(text))
        buf = io.BytesIO(value)
        buf.seek(5)
        return fastavro.schemaless_reader(buf, schema)
    return decode


def scan(bootstrap, topic, registry_url=None):
    decode = avro_decoder(registry_url) if registry_url else json_decoder()
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
            # The predicate: .value.customerId == 4711 and __TypeId__ contains "Created".
            v = decode(m.value())
            if isinstance(v, dict) and v.get("customerId") == 4711 and header_matches(m.headers()):
                found += 1
            if m.offset() + 1 >= ends[m.partition()]:
                del ends[m.partition()]
    secs = time.monotonic() - start
    c.close()
    print(f"{found} matched of {scanned} in {secs:.2f} s")


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])
    else:
        scan(sys.argv[2], sys.argv[3], *sys.argv[4:5])
