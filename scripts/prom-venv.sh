#!/usr/bin/env bash
# Creates (once) and reuses a Python virtualenv with the official Prometheus client,
# whose parsers the /metrics tests use as the oracle of the exposition format.
# Prints the venv's python on stdout.
#   KAFTOP_PROM_VENV   where the venv lives (default ~/.cache/kaftop/prom-venv)
set -euo pipefail

VERSION=0.26.0
VENV=${KAFTOP_PROM_VENV:-$HOME/.cache/kaftop/prom-venv}
PY=$VENV/bin/python

log() { printf 'prom-venv: %s\n' "$*" >&2; }

if ! "$PY" -c "import prometheus_client, sys; sys.exit(0)" 2>/dev/null ||
    [[ $("$VENV/bin/pip" show prometheus_client 2>/dev/null | sed -n 's/^Version: //p') != "$VERSION" ]]; then
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        log "python3-venv is missing: run scripts/setup.sh" && exit 1
    fi
    log "creating $VENV with prometheus_client $VERSION"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check "prometheus_client==$VERSION" >&2
fi
printf '%s\n' "$PY"
