"""Produces records with Confluent's own serializers (the independent producer of
kaftop's schema tests) and prints, one JSON line each, what was produced.

usage: produce.py BOOTSTRAP REGISTRY_URL TOPIC_PREFIX
Topics: PREFIX-avro (Avro: unions, decimals, timestamps, maps, enums, nested
records, and a second record written with an evolved schema), PREFIX-proto
(Protobuf: nested messages, a well-known type, the second message of the file),
PREFIX-json (JSON Schema).
KAFTOP_PEER_REGISTRY_USER_INFO=user:password: the registry's basic-auth credentials.
"""
import datetime
import decimal
import json
import os
import sys

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

bootstrap, registry_url, prefix = sys.argv[1:4]
# A registry that stops answering fails the test instead of hanging it.
registry_conf = {"url": registry_url, "timeout": 30}
# A registry behind HTTP basic auth: "user:password" from the environment.
if os.environ.get("KAFTOP_PEER_REGISTRY_USER_INFO"):
    registry_conf["basic.auth.user.info"] = os.environ["KAFTOP_PEER_REGISTRY_USER_INFO"]
registry = SchemaRegistryClient(registry_conf)
# Subjects named after the topic (Confluent's TopicNameStrategy): the client's default
# first asks the registry for "associations", an API Apicurio does not have.
TOPIC_SUBJECTS = {"subject.name.strategy.type": "TOPIC"}
producer = Producer({"bootstrap.servers": bootstrap})

ORDER_V1 = {
    "type": "record", "name": "Order", "namespace": "shop",
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
    ],
}
ORDER_V2 = dict(ORDER_V1, fields=ORDER_V1["fields"] + [
    {"name": "channel", "type": "string", "default": "web"}])


def emit(topic, value, expected):
    producer.produce(topic, value=value)
    print(json.dumps({"topic": topic, "expected": expected}))


def avro():
    topic = prefix + "-avro"
    at = datetime.datetime(2026, 11, 24, 10, 15, 30, 123000, tzinfo=datetime.timezone.utc)
    record = {"id": 1, "customerId": 4711, "note": "first", "amount": decimal.Decimal("12.34"),
              "at": at, "tags": {"a": 1, "b": 2}, "status": "PAID",
              "address": {"city": "Seoul", "zip": None}}
    expected = dict(record, amount="12.34", at="2026-11-24T10:15:30.123Z")
    ser = AvroSerializer(registry, json.dumps(ORDER_V1), conf=TOPIC_SUBJECTS)
    ctx = SerializationContext(topic, MessageField.VALUE)
    emit(topic, ser(record, ctx), expected)
    evolved = dict(record, id=2, note=None, amount=decimal.Decimal("-0.05"),
                   address={"city": "Busan", "zip": 48058}, channel="app")
    ser2 = AvroSerializer(registry, json.dumps(ORDER_V2), conf=TOPIC_SUBJECTS)
    emit(topic, ser2(evolved, ctx), dict(evolved, amount="-0.05", at="2026-11-24T10:15:30.123Z"))


PROTO = descriptor_pb2.FileDescriptorProto(name="kaftop_test/shop.proto", package="shoptest",
                                           syntax="proto3",
                                           dependency=["google/protobuf/timestamp.proto"])


def proto_classes():
    F = descriptor_pb2.FieldDescriptorProto
    other = PROTO.message_type.add(name="Ping")
    other.field.add(name="n", number=1, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    order = PROTO.message_type.add(name="Order")
    order.field.add(name="id", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    line = order.nested_type.add(name="Line")
    line.field.add(name="sku", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    line.field.add(name="qty", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    order.field.add(name="lines", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                    type_name=".shoptest.Order.Line")
    order.field.add(name="at", number=3, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                    type_name=".google.protobuf.Timestamp")
    pool = descriptor_pool.Default()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(PROTO)
    return (message_factory.GetMessageClass(pool.FindMessageTypeByName("shoptest.Order")),
            message_factory.GetMessageClass(pool.FindMessageTypeByName("shoptest.Order.Line")))


def protobuf():
    topic = prefix + "-proto"
    Order, Line = proto_classes()
    msg = Order(id=7, lines=[Line(sku="A-1", qty=2), Line(sku="B-2", qty=1)])
    msg.at.FromJsonString("2026-11-24T10:15:30Z")
    ser = ProtobufSerializer(Order, registry, {"use.deprecated.format": False, **TOPIC_SUBJECTS})
    ctx = SerializationContext(topic, MessageField.VALUE)
    emit(topic, ser(msg, ctx), {"id": 7, "lines": [{"sku": "A-1", "qty": 2},
                                                  {"sku": "B-2", "qty": 1}],
                                 "at": "2026-11-24T10:15:30Z"})
    # A nested message type on its own: message indexes [1, 0].
    ser_line = ProtobufSerializer(Line, registry, {"use.deprecated.format": False, **TOPIC_SUBJECTS})
    emit(topic, ser_line(Line(sku="C-3", qty=5), ctx), {"sku": "C-3", "qty": 5})


def json_schema():
    topic = prefix + "-json"
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Receipt",
              "type": "object", "properties": {"messageId": {"type": "integer"},
                                               "reader": {"type": "string"}},
              "required": ["messageId"]}
    ser = JSONSerializer(json.dumps(schema), registry, conf=TOPIC_SUBJECTS)
    value = {"messageId": 42, "reader": "u-9"}
    emit(topic, ser(value, SerializationContext(topic, MessageField.VALUE)), value)


parts = sys.argv[4:] or ["avro", "protobuf", "json"]
topics = [prefix + "-" + {"avro": "avro", "protobuf": "proto", "json": "json"}[p] for p in parts]
admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(t, 1, 1, config={"max.message.bytes": "6291456"}) for t in topics]).values():
    future.result(30)
for part in parts:
    {"avro": avro, "protobuf": protobuf, "json": json_schema}[part]()
if producer.flush(30) != 0:
    sys.exit("records not delivered")
