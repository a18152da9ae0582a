#!/usr/bin/env bash
# Services throughput by store (BENCHMARKS.md, "Services throughput by store"): the
# notification, analytics and read-receipt services end to end on Apache Kafka,
# storing into SQLite, PostgreSQL with one instance and PostgreSQL with two, each
# beside one transaction per event. Starts a fresh test broker and a throwaway
# PostgreSQL, and stops both on exit. KAFTOP_BENCH_EVENTS sets the event count.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${TMPDIR:-/tmp}/kaftop-bench-services.$$
export KAFTOP_BROKER_DIR=$state/broker KAFTOP_POSTGRES_DIR=$state/postgres
cleanup() {
    scripts/test-postgres.sh stop >/dev/null 2>&1 || true
    scripts/test-broker.sh stop >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bootstrap=$(scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
postgres=$(scripts/test-postgres.sh start)
KAFTOP_TEST_BOOTSTRAP=$bootstrap \
    KAFTOP_TEST_POSTGRES_URL=$(printf '%s\n' "$postgres" | sed -n 's/^POSTGRES_URL=//p') \
    KAFTOP_TEST_POSTGRES_PASSWORD=$(printf '%s\n' "$postgres" | sed -n 's/^POSTGRES_PASSWORD=//p') \
    cargo bench --locked --bench services_store
