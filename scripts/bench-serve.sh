#!/usr/bin/env bash
# `kaftop serve` under wrk on loopback (BENCHMARKS.md, "kaftop serve").
#
#   scripts/bench-serve.sh metrics           # /metrics with 10 000 partitions of state
#   scripts/bench-serve.sh message-created   # the seed's POST, on a fresh test broker
#
# metrics: builds examples/metrics_bench_server (synthetic state folded through the
#   real metrics engine, refreshed every 2 s) and scrapes it with CONNECTIONS
#   (default "1 4 16") connections for DURATION (default 20s) each.
# message-created: starts a test broker and `kaftop serve` on it, then POSTs
#   /api/kafka-test/message-created with a unique messageId per request
#   (scripts/bench/message-created.lua) with 64 connections (CONNECTIONS) for
#   DURATION; then compares the topic's growth with the 2xx answers.
# memory: COUNT (default 260 000) created events published first, then the same
#   server started on that backlog; its resident memory (VmHWM, VmRSS, anonymous)
#   once the services have consumed it all. BOOTSTRAP=host:port uses a running broker
#   instead of starting one; KAFTOP_FLAGS adds flags (e.g. `-X key=value`);
#   KAFTOP_BIN names a kaftop binary to run instead of building one.
# wrk comes from Debian's package; installed if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
log() { printf 'bench-serve: %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    log "installing wrk"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq wrk >&2
fi

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [[ -n ${broker_dir:-} ]] && KAFTOP_BROKER_DIR=$broker_dir scripts/test-broker.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# start_server OUT CMD...: runs CMD, waits for its `listening on ADDR` line,
# sets $addr.
start_server() {
    local out=$1
    shift
    "$@" >"$out" 2>"$out.err" &
    pids+=($!)
    for _ in $(seq 1 600); do
        addr=$(sed -n 's/^listening on //p' "$out" | head -n 1)
        [[ -n $addr ]] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$out.err" >&2; return 1; }
        sleep 0.1
    done
    log "no 'listening on' line from $*"
    return 1
}

# run_wrk CONNECTIONS SCRIPT PATH: one wrk run; prints its RESULT line as a table row.
run_wrk() {
    local c=$1 script=$2 url=$3 line
    # wrk wants at least one connection per thread.
    local t=$((c < THREADS ? c : THREADS))
    line=$(wrk -t "$t" -c "$c" -d "$DURATION" --timeout 10s --latency -s "$script" "$url" |
        tee -a /dev/stderr | grep '^RESULT')
    awk -v c="$c" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "| %s | %d | %.0f | %.1f | %.1f | %.1f | %d |\n", c, v["requests"],
            v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1e3, v["p99_us"] / 1e3,
            v["max_us"] / 1e3, v["errors"] + v["non2xx"]
    }' <<<"$line"
}

tmp=$(mktemp -d)
case $mode in
metrics)
    cargo build --locked --release --example metrics_bench_server >&2
    start_server "$tmp/server.out" target/release/examples/metrics_bench_server 127.0.0.1:0
    # Wait for the first refresh (and encode once to size the body).
    for _ in $(seq 1 100); do
        curl -sf "http://$addr/metrics" -o "$tmp/body" && grep -q '^kafka_consumergroup_group_lag{' "$tmp/body" && break
        sleep 0.2
    done
    log "body: $(wc -c <"$tmp/body") bytes, $(grep -vc '^#' "$tmp/body") samples," \
        "$(grep -c '^kafka_consumergroup_group_lag{' "$tmp/body") group partitions," \
        "$(grep -c '^kafka_partition_latest_offset{' "$tmp/body") partitions"
    echo "| connections | requests | requests/s | p50 ms | p99 ms | max ms | errors |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for c in ${CONNECTIONS:-1 4 16}; do
        run_wrk "$c" scripts/bench/scrape.lua "http://$addr/metrics"
    done
    ;;
message-created | memory)
    # KAFTOP_BIN: a kaftop already built (else the release build).
    kaftop=${KAFTOP_BIN:-${CARGO_TARGET_DIR:-target}/release/kaftop}
    [[ -n ${KAFTOP_BIN:-} ]] || cargo build --locked --release >&2
    if [[ -n ${BOOTSTRAP:-} ]]; then
        bootstrap=$BOOTSTRAP
    else
        broker_dir=${KAFTOP_BROKER_DIR:-$tmp/broker}
        bootstrap=$(KAFTOP_BROKER_DIR=$broker_dir scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
    fi
    # Topics of this run only (a running broker may hold others).
    prefix=bench-$$-$(date +%s)
    cat >"$tmp/kaftop.toml" <<TOML
default_profile = "bench"
data_dir = "$tmp/data"
[topics.created]
name = "$prefix.message.created"
partitions = 3
[topics.read]
name = "$prefix.message.read"
[topics.deleted]
name = "$prefix.message.deleted"
[profiles.bench]
bootstrap_servers = "$bootstrap"
TOML
    # The test broker creates no topic by itself.
    "$kaftop" --config "$tmp/kaftop.toml" topics ensure >&2
    if [[ $mode == memory ]]; then
        # A backlog the services meet at start, as after an outage.
        "$kaftop" --config "$tmp/kaftop.toml" bulk --count "${COUNT:-260000}" --type created >&2
    fi
    # `kaftop serve` prints `listening on ADDR` as its first line.
    # shellcheck disable=SC2086
    start_server "$tmp/serve.out" "$kaftop" --config "$tmp/kaftop.toml" ${KAFTOP_FLAGS:-} serve --listen 127.0.0.1:0
    serve_pid=${pids[-1]}
    if [[ $mode == memory ]]; then
        mb() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$serve_pid/status"; }
        started=$(date +%s)
        # Until the services have consumed the backlog (lag 0 on this run's topics).
        for _ in $(seq 1 300); do
            lag=$("$kaftop" --config "$tmp/kaftop.toml" lag --json 2>/dev/null |
                PREFIX=$prefix python3 -c '
import json, os, sys
rows = [r for r in json.load(sys.stdin) if r["topic"] == os.environ["PREFIX"] + ".message.created"]
# Three services read the created topic: until each has committed, it is not caught up.
groups = {r["group"] for r in rows if r["current_offset"] is not None}
print(sum(max(r["lag"] or 0, 0) for r in rows) if len(groups) >= 3 else "?")' 2>/dev/null || echo "?")
            log "$(($(date +%s) - started)) s: lag $lag, VmRSS $(mb VmRSS) MB (anonymous $(mb RssAnon) MB)"
            [[ $lag == 0 ]] && break
            sleep 5
        done
        took=$(($(date +%s) - started))
        sleep 5
        echo "| events | caught up after s | VmHWM MB | VmRSS after MB | anonymous after MB |"
        echo "|---:|---:|---:|---:|---:|"
        echo "| ${COUNT:-260000} | $took | $(mb VmHWM) | $(mb VmRSS) | $(mb RssAnon) |"
        exit 0
    fi
    curl -sf -X POST "http://$addr/api/kafka-test/message-created?messageId=1&senderId=100&receiverId=200&content=HelloKafka" >&2
    echo >&2
    echo "| connections | requests | requests/s | p50 ms | p99 ms | max ms | errors |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for c in ${CONNECTIONS:-64}; do
        run_wrk "$c" scripts/bench/message-created.lua "http://$addr"
    done
    log "records on message.created (every 2xx answer is a delivered record):"
    "$kaftop" --config "$tmp/kaftop.toml" topics --json |
        python3 -c 'import json, sys; print(sum(t["messages"] for t in json.load(sys.stdin) if t["name"].endswith("message.created")))' >&2
    ;;
*)
    echo "usage: $0 metrics|message-created|memory" >&2
    exit 2
    ;;
esac
