#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with confluent-kafka, which the
# scale benchmark's cluster set-up and the churn soak drive Kafka with.
# Prints the venv's python on stdout.
#   KAFTOP_BENCH_VENV   where the venv lives (default ~/.cache/kaftop/bench-venv)
set -euo pipefail
source "$(dirname "$0")/venv-lib.sh"

VERSION=2.12.1
VENV=${KAFTOP_BENCH_VENV:-$HOME/.cache/kaftop/bench-venv}
PY=$VENV/bin/python

ready() {
    [[ $("$PY" -c 'import confluent_kafka; print(confluent_kafka.__version__)' 2>/dev/null) == "$VERSION" ]]
}

venv_ensure bench-venv "$VENV" ready "confluent-kafka==$VERSION"
printf '%s\n' "$PY"
