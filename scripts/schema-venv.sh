#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with Confluent's Kafka client and its
# schema-registry serializers (Avro via fastavro, Protobuf, JSON Schema): the
# independent producers and readers of the schema tests and the search benchmark.
# Prints the venv's python on stdout.
#   KAFTOP_SCHEMA_VENV   where the venv lives (default ~/.cache/kaftop/schema-venv)
set -euo pipefail
source "$(dirname "$0")/venv-lib.sh"

VERSION=2.16.1
VENV=${KAFTOP_SCHEMA_VENV:-$HOME/.cache/kaftop/schema-venv}
PY=$VENV/bin/python

ready() {
    "$PY" -c "import confluent_kafka.schema_registry.avro, fastavro, google.protobuf, jsonschema" 2>/dev/null &&
        [[ $("$VENV/bin/pip" show confluent-kafka 2>/dev/null | sed -n 's/^Version: //p') == "$VERSION" ]]
}

venv_ensure schema-venv "$VENV" ready "confluent-kafka[avro,protobuf,json,schemaregistry]==$VERSION" fastavro
printf '%s\n' "$PY"
