#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with Confluent's Kafka client and its
# schema-registry serializers (Avro via fastavro, Protobuf, JSON Schema): the
# independent producers and readers of the schema tests and the search benchmark.
# Prints the venv's python on stdout.
#   KAFTOP_SCHEMA_VENV   where the venv lives (default ~/.cache/kaftop/schema-venv)
set -euo pipefail

VERSION=2.16.1
VENV=${KAFTOP_SCHEMA_VENV:-$HOME/.cache/kaftop/schema-venv}
PY=$VENV/bin/python

log() { printf 'schema-venv: %s\n' "$*" >&2; }

if ! "$PY" -c "import confluent_kafka.schema_registry.avro, fastavro, google.protobuf, jsonschema" 2>/dev/null ||
    [[ $("$VENV/bin/pip" show confluent-kafka 2>/dev/null | sed -n 's/^Version: //p') != "$VERSION" ]]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        log "python3-venv is missing: run scripts/setup.sh" && exit 1
    fi
    log "creating $VENV with confluent-kafka $VERSION"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check \
        "confluent-kafka[avro,protobuf,json,schemaregistry]==$VERSION" fastavro >&2
fi
printf '%s\n' "$PY"
