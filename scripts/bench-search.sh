#!/usr/bin/env bash
# kaftop search beside a Python confluent-kafka consumer with fastavro and the same
# predicate (BENCHMARKS.md, "Search"): N Avro order records (default 1 000 000),
# written by confluent-kafka's own AvroSerializer through the test registry, on a new
# 12-partition topic of the test broker; each side timed from its process start to
# its count, three runs alternating; both must count the same matches.
#
#   scripts/bench-search.sh [N] [--json-records]   # --json-records: JSON values, no registry
#
# Environment:
#   KAFTOP_BIN              the kaftop to measure (default: cargo build --profile $KAFTOP_BENCH_PROFILE)
#   KAFTOP_BENCH_PROFILE    cargo profile when building (default release)
#   KAFTOP_TEST_BOOTSTRAP   a running broker (default: start one with scripts/test-broker.sh)
#   KAFTOP_TEST_REGISTRY_URL  a running registry (default: start one with scripts/test-registry.sh)
#   KAFTOP_BROKER_DIR / KAFTOP_REGISTRY_DIR  where those started ones live
#   RUNS                    runs per side (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

n=1000000
avro=1
for arg in "$@"; do
    case $arg in
    --json-records) avro= ;;
    *[!0-9]* | '') echo "usage: $0 [N] [--json-records]" >&2 && exit 2 ;;
    *) n=$arg ;;
    esac
done
((n > 0)) || { echo "N must be at least 1" >&2 && exit 2; }
runs=${RUNS:-3}
py=$(scripts/schema-venv.sh)

if [[ -n ${KAFTOP_BIN:-} ]]; then
    kaftop=$KAFTOP_BIN
else
    profile=${KAFTOP_BENCH_PROFILE:-release}
    cargo build --locked --profile "$profile" --bin kaftop >&2
    dir=$([[ $profile == dev ]] && echo debug || echo "$profile")
    kaftop=${CARGO_TARGET_DIR:-target}/$dir/kaftop
fi
[[ -x $kaftop ]] || { echo "no kaftop binary at $kaftop" >&2 && exit 1; }

state=$(mktemp -d "${TMPDIR:-/tmp}/kaftop-bench-search.XXXXXX")
broker_dir= registry_dir= # set only when this script starts them
cleanup() {
    [[ -n ${topic:-} ]] && scripts/test-broker.sh tool kafka-topics --bootstrap-server "${bootstrap:-}" \
        --delete --topic "$topic" >/dev/null 2>&1 || true
    [[ -z $registry_dir ]] || KAFTOP_REGISTRY_DIR=$registry_dir scripts/test-registry.sh stop >/dev/null 2>&1 || true
    [[ -z $broker_dir ]] || KAFTOP_BROKER_DIR=$broker_dir scripts/test-broker.sh stop >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
value() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | tail -n 1; }

bootstrap=${KAFTOP_TEST_BOOTSTRAP:-}
if [[ -z $bootstrap ]]; then
    broker_dir=${KAFTOP_BROKER_DIR:-$state/broker}
    bootstrap=$(value BOOTSTRAP "$(KAFTOP_BROKER_DIR=$broker_dir scripts/test-broker.sh start)")
fi
registry=
if [[ -n $avro ]]; then
    registry=${KAFTOP_TEST_REGISTRY_URL:-}
    if [[ -z $registry ]]; then
        registry_dir=${KAFTOP_REGISTRY_DIR:-$state/registry}
        registry=$(value URL "$(KAFTOP_REGISTRY_DIR=$registry_dir scripts/test-registry.sh start)")
    fi
fi

# kaftop reads the registry from its profile, as a user's config names it.
config=$state/kaftop.toml
printf '[profiles.bench]\nbootstrap_servers = "%s"\n' "$bootstrap" >"$config"
[[ -n $registry ]] && printf '[profiles.bench.registry]\nurl = "%s"\n' "$registry" >>"$config"

topic=bench-search-$(date +%s)-$$
scripts/test-broker.sh tool kafka-topics --bootstrap-server "$bootstrap" --create \
    --topic "$topic" --partitions 12 >/dev/null
kind=$([[ -n $avro ]] && echo "Avro (AvroSerializer, registry $registry)" || echo JSON)
echo "producing $n $kind records to $topic" >&2
t0=$(date +%s.%N)
"$py" scripts/bench/search.py produce "$bootstrap" "$topic" "$n" ${registry:+"$registry"}
printf 'produced in %.0f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
expected=$(((n + 13) / 14)) # records i with i % 14 == 0 match

filter='.value.customerId == 4711 and (.headers["__TypeId__"] // "" | test("Created"))'
# timed PREFIX CMD...: runs CMD, its stdout to $state/PREFIX.out, stderr to
# $state/PREFIX.err, and "wall user+sys" seconds of its process to $state/PREFIX.time.
timed() {
    local p=$1 TIMEFORMAT='%R %U %S'
    shift
    { time "$@" >"$state/$p.out" 2>"$state/$p.err"; } 2>"$state/$p.raw"
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$state/$p.raw" >"$state/$p.time"
}
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
k_wall=() k_cpu=() p_wall=() p_cpu=()
for run in $(seq "$runs"); do
    timed k env KAFTOP_CONFIG="$config" "$kaftop" --profile bench search "$topic" "$filter" --count
    read -r wall cpu <"$state/k.time"
    k_wall+=("$wall") k_cpu+=("$cpu")
    found=$(cat "$state/k.out")
    printf 'run %d  kaftop search: %s matched, %s s wall, %s CPU-s (%s)\n' "$run" "$found" "$wall" "$cpu" \
        "$(tr '\r' '\n' <"$state/k.err" | grep -v '^$' | tail -n 1)"
    [[ $found == "$expected" ]] || { echo "kaftop counted $found, expected $expected" >&2 && exit 1; }
    timed p "$py" scripts/bench/search.py scan "$bootstrap" "$topic" ${registry:+"$registry"}
    read -r wall cpu <"$state/p.time"
    p_wall+=("$wall") p_cpu+=("$cpu")
    line=$(cat "$state/p.out")
    printf 'run %d  python:        %s matched, %s s wall, %s CPU-s (%s)\n' "$run" "${line%% *}" "$wall" "$cpu" "$line"
    [[ ${line%% *} == "$found" ]] || { echo "python counted ${line%% *}, kaftop $found" >&2 && exit 1; }
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
k=$(median "${k_wall[@]}") p=$(median "${p_wall[@]}")
printf 'median of %d runs, %d records, %s matched:\n' "$runs" "$n" "$expected"
printf '  kaftop search %6.2f s wall %8.0f records/s  %6.2f CPU-s\n' "$k" "$(echo "$n / $k" | bc -l)" "$(median "${k_cpu[@]}")"
printf '  python        %6.2f s wall %8.0f records/s  %6.2f CPU-s\n' "$p" "$(echo "$n / $p" | bc -l)" "$(median "${p_cpu[@]}")"
printf '  kaftop takes %.2fx the time of python (python / kaftop = %.2f; the goal is 3)\n' \
    "$(echo "$k / $p" | bc -l)" "$(echo "$p / $k" | bc -l)"
