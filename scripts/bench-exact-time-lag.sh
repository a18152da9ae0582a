#!/usr/bin/env bash
# Exact time lag (BENCHMARKS.md, "Exact time lag"): what reading the record at every
# committed offset adds to a refresh at 1 000 lagging partitions, cold and warm cache,
# beside the refresh without it (benches/exact_time_lag.rs), on a private broker.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/tmp/kaftop-bench-timelag-broker}
cargo bench --locked --bench exact_time_lag --no-run "$@" >&2
bootstrap=$(scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
trap 'scripts/test-broker.sh stop >/dev/null 2>&1 || true' EXIT
KAFTOP_TEST_BOOTSTRAP=$bootstrap cargo bench --locked --bench exact_time_lag "$@"
