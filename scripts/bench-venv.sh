#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with confluent-kafka, which the
# scale benchmark's cluster set-up and the churn soak drive Kafka with.
# Prints the venv's python on stdout.
#   KAFTOP_BENCH_VENV   where the venv lives (default ~/.cache/kaftop/bench-venv)
set -euo pipefail

VERSION=2.12.1
VENV=${KAFTOP_BENCH_VENV:-$HOME/.cache/kaftop/bench-venv}
PY=$VENV/bin/python

if [[ $("$PY" -c 'import confluent_kafka; print(confluent_kafka.__version__)' 2>/dev/null) != "$VERSION" ]]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        echo "bench-venv: python3-venv is missing: run scripts/setup.sh" >&2 && exit 1
    fi
    echo "bench-venv: creating $VENV with confluent-kafka $VERSION" >&2
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check "confluent-kafka==$VERSION" >&2
fi
printf '%s\n' "$PY"
