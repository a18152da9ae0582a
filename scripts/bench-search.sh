#!/usr/bin/env bash
# kaftop search beside a Python confluent-kafka consumer with the same predicate
# (BENCHMARKS.md, "Search"): N JSON records (default 200 000) on a new 12-partition
# topic of the test broker, each side timed from its start to its count, three runs.
#   KAFTOP_TEST_BOOTSTRAP  the broker (scripts/test-broker.sh start prints it)
#   KAFTOP_BENCH_PROFILE   cargo profile of kaftop (default release; dev on a shared machine)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
profile=${KAFTOP_BENCH_PROFILE:-release}
bootstrap=${KAFTOP_TEST_BOOTSTRAP:?set KAFTOP_TEST_BOOTSTRAP (scripts/test-broker.sh start prints it)}
py=$(scripts/schema-venv.sh)
cargo build --locked --profile "$profile" --bin kaftop >&2
dir=$( [[ $profile == dev ]] && echo debug || echo "$profile")
kaftop=${CARGO_TARGET_DIR:-target}/$dir/kaftop
topic=bench-search-$(date +%s)-$$
scripts/test-broker.sh tool kafka-topics --bootstrap-server "$bootstrap" --create \
    --topic "$topic" --partitions 12 >/dev/null
trap 'scripts/test-broker.sh tool kafka-topics --bootstrap-server "$bootstrap" --delete --topic "$topic" >/dev/null 2>&1 || true' EXIT
echo "producing $n records to $topic" >&2
"$py" scripts/bench/search.py produce "$bootstrap" "$topic" "$n"
filter='.value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))'
for run in 1 2 3; do
    start=$(date +%s.%N)
    found=$("$kaftop" -b "$bootstrap" search "$topic" "$filter" --count 2>/dev/null)
    end=$(date +%s.%N)
    printf 'run %d  kaftop search: %s matched in %.2f s\n' "$run" "$found" "$(echo "$end - $start" | bc)"
    start=$(date +%s.%N)
    line=$("$py" scripts/bench/search.py scan "$bootstrap" "$topic")
    end=$(date +%s.%N)
    printf 'run %d  python:        %s (process %.2f s)\n' "$run" "$line" "$(echo "$end - $start" | bc)"
done
