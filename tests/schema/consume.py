"""Registers the schemas `kaftop publish --schema-subject` is tested with, and reads
back what kaftop published with Confluent's own deserializers (the independent
reader of kaftop's schema publishing test).

usage: consume.py register BOOTSTRAP REGISTRY_URL TOPIC_PREFIX
       consume.py read BOOTSTRAP REGISTRY_URL TOPIC_PREFIX KIND COUNT
register: subjects PREFIX-avro-value (Avro), PREFIX-avro-key (Avro string),
PREFIX-proto-value (Protobuf, .proto text), PREFIX-json-value (JSON Schema),
PREFIX-big-value (Avro decimals of precision 38), and their one-partition topics.
read: COUNT records of PREFIX-KIND (avro, proto, json, big) from the beginning, one
JSON line each: {"key": ..., "value": ...}, decimals as strings and
timestamp-millis as milliseconds since 1970.
"""
import datetime
import decimal
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

ORDER = {
    "type": "record", "name": "Order", "namespace": "pubtest",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "customerId", "type": "int"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal",
                                     "precision": 10, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tags", "type": {"type": "map", "values": "int"}},
        {"name": "status", "type": {"type": "enum", "name": "Status",
                                     "symbols": ["NEW", "PAID", "SHIPPED"]}},
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "int"]}]}},
        {"name": "lines", "type": {"type": "array", "items": {
            "type": "record", "name": "Line", "fields": [
                {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
        {"name": "channel", "type": "string", "default": "web"},
    ],
}

PROTO = """
syntax = "proto3";
package pubtest;
import "google/protobuf/timestamp.proto";
message Ping { int32 n = 1; }
message Order {
  int64 id = 1;
  message Line { string sku = 1; int32 qty = 2; }
  repeated Line lines = 2;
  google.protobuf.Timestamp at = 3;
}
"""

# Decimals past i64 and f64: precision 38 as bytes and as a 16-byte fixed.
BIG = {
    "type": "record", "name": "Ledger", "namespace": "pubtest",
    "fields": [
        {"name": "total", "type": {"type": "bytes", "logicalType": "decimal",
                                    "precision": 38, "scale": 2}},
        {"name": "rate", "type": {"type": "fixed", "name": "Rate", "size": 16,
                                   "logicalType": "decimal", "precision": 38, "scale": 10}},
    ],
}

RECEIPT = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Receipt",
           "type": "object", "properties": {"messageId": {"type": "integer"},
                                            "reader": {"type": "string"}},
           "required": ["messageId"], "additionalProperties": False}


def order_class():
    """The Order message of PROTO, built without protoc."""
    F = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="pubtest/order.proto", package="pubtest",
                                              syntax="proto3",
                                              dependency=["google/protobuf/timestamp.proto"])
    file.message_type.add(name="Ping").field.add(name="n", number=1, type=F.TYPE_INT32,
                                                 label=F.LABEL_OPTIONAL)
    order = file.message_type.add(name="Order")
    order.field.add(name="id", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    line = order.nested_type.add(name="Line")
    line.field.add(name="sku", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    line.field.add(name="qty", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    order.field.add(name="lines", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                    type_name=".pubtest.Order.Line")
    order.field.add(name="at", number=3, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                    type_name=".google.protobuf.Timestamp")
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("pubtest.Order"))


def plain(v):
    """A deserialized value as JSON: decimals as text, times as epoch milliseconds."""
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return (v - epoch) // datetime.timedelta(milliseconds=1)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def register(bootstrap, registry, prefix):
    registry.register_schema(prefix + "-avro-value", Schema(json.dumps(ORDER), "AVRO"))
    registry.register_schema(prefix + "-avro-key", Schema('"string"', "AVRO"))
    registry.register_schema(prefix + "-proto-value", Schema(PROTO, "PROTOBUF"))
    registry.register_schema(prefix + "-json-value", Schema(json.dumps(RECEIPT), "JSON"))
    registry.register_schema(prefix + "-big-value", Schema(json.dumps(BIG), "AVRO"))
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [NewTopic(f"{prefix}-{k}", 1, 1) for k in ("avro", "proto", "json", "big")]
    for future in admin.create_topics(topics).values():
        future.result(30)
    # The controller acknowledges a creation before the broker's metadata has it:
    # wait until every topic is served, so the test's next command finds it.
    deadline = time.monotonic() + 30
    for topic in topics:
        while not admin.list_topics(topic.topic, timeout=10).topics[topic.topic].partitions:
            if time.monotonic() > deadline:
                sys.exit(f"{topic.topic} not in the broker's metadata after 30 s")
            time.sleep(0.1)


def read(bootstrap, registry, prefix, kind, count):
    topic = f"{prefix}-{kind}"
    key_de = None
    # The subject is the topic's (Confluent's TopicNameStrategy): the client's
    # default first asks the registry for "associations", an API Apicurio does not
    # have, and that request was seen hanging.
    topic_subjects = {"subject.name.strategy.type": "TOPIC"}
    if kind in ("avro", "big"):
        value_de = AvroDeserializer(registry, conf=topic_subjects)
        key_de = AvroDeserializer(registry, conf=topic_subjects)
    elif kind == "proto":
        # Without the registry: the message indexes are read and the bytes parsed
        # as this class, as a consumer with generated code does.
        value_de = ProtobufDeserializer(order_class(), {"use.deprecated.format": False})
    else:
        value_de = JSONDeserializer(json.dumps(RECEIPT), schema_registry_client=registry,
                                    conf=topic_subjects)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kaftop-pub-test",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    seen = 0
    while seen < count:
        msg = consumer.poll(30)
        if msg is None:
            sys.exit(f"{topic}: only {seen} of {count} records")
        if msg.error():
            sys.exit(str(msg.error()))
        value = value_de(msg.value(), SerializationContext(topic, MessageField.VALUE))
        if kind == "proto":
            value = {"id": value.id, "lines": [{"sku": l.sku, "qty": l.qty} for l in value.lines],
                     "at": value.at.ToJsonString()}
        key = msg.key()
        if key is not None:
            key = (key_de(key, SerializationContext(topic, MessageField.KEY)) if key_de
                   else key.decode())
        print(json.dumps({"key": key, "value": plain(value)}))
        seen += 1
    consumer.close()


mode, bootstrap, url, prefix = sys.argv[1:5]
# A registry that stops answering fails the test instead of hanging it.
client = SchemaRegistryClient({"url": url, "timeout": 30})
if mode == "register":
    register(bootstrap, client, prefix)
else:
    read(bootstrap, client, prefix, sys.argv[5], int(sys.argv[6]))
