#!/usr/bin/env bash
# Refresh benchmark (BENCHMARKS.md, "Cluster refresh"): batched poller vs naive
# per-partition/per-group calls, on a fresh test broker.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/tmp/kaftop-bench-refresh-broker}
bootstrap=$(scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
trap 'scripts/test-broker.sh stop >/dev/null 2>&1 || true' EXIT
KAFTOP_TEST_BOOTSTRAP=$bootstrap cargo bench --locked --bench refresh
