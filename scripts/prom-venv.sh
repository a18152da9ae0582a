#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with the official Prometheus client,
# whose parsers the /metrics tests use as the oracle of the exposition format.
# Prints the venv's python on stdout.
#   KAFTOP_PROM_VENV   where the venv lives (default ~/.cache/kaftop/prom-venv)
set -euo pipefail
source "$(dirname "$0")/venv-lib.sh"

VERSION=0.26.0
VENV=${KAFTOP_PROM_VENV:-$HOME/.cache/kaftop/prom-venv}
PY=$VENV/bin/python

ready() {
    "$PY" -c "import prometheus_client, sys; sys.exit(0)" 2>/dev/null &&
        [[ $("$VENV/bin/pip" show prometheus_client 2>/dev/null | sed -n 's/^Version: //p') == "$VERSION" ]]
}

venv_ensure prom-venv "$VENV" ready "prometheus_client==$VERSION"
printf '%s\n' "$PY"
