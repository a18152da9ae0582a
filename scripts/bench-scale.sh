#!/usr/bin/env bash
# The scale benchmark (BENCHMARKS.md, "Scale"), in one run, side by side, on the
# cluster scripts/bench/scale-cluster.sh PRESET built:
#   1. Kafka's `kafka-consumer-groups --describe --all-groups`, cold, with the JVM's
#      own start (`--version`) timed apart;
#   2. `kaftop lag --json`, cold, and every row compared with the tool's
#      (scripts/bench/compare_lag.py: all groups, not a sample);
#   3. `kaftop serve --read-only` for SERVE_SECONDS (default 60): the warm refresh
#      (mean of the refreshes after the first), its steps and requests, the wait
#      after it, RSS, and 20 `/metrics` scrapes (time, size);
#   4. the dashboard in tmux: key-to-frame latency of KEYS view switches (default
#      20) while it refreshes, then its RSS after TUI_MINUTES (default 10), and
#      the mean of its RSS every 5 s over the second half of them.
# Prints a Markdown row for BENCHMARKS.md last; details go to stderr.
#
#   scripts/bench-scale.sh            # KAFTOP_BROKER_DIR (default /work/brokers/bench)
#   KAFTOP_BIN=path/to/kaftop scripts/bench-scale.sh   # a binary already built
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/work/brokers/bench}
# shellcheck disable=SC1091
source "$KAFTOP_BROKER_DIR/scale.env"
serve_seconds=${SERVE_SECONDS:-60}
tui_minutes=${TUI_MINUTES:-10}
keys=${KEYS:-20}
target=${CARGO_TARGET_DIR:-target}
# KAFTOP_BIN: a kaftop already built (the release build takes ~25 min here).
kaftop=${KAFTOP_BIN:-$target/release/kaftop}
work=$(mktemp -d)
sock=kaftop-bench-scale-$$
serve_pid=
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
log() { printf 'bench-scale: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
mb() { awk -v k="$2:" '$1 == k { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
tool() { scripts/test-broker.sh tool "$@"; }
# No config file: the bootstrap on the command line, read-only, a data dir of this run.
k() { KAFTOP_CONFIG=/dev/null "$kaftop" -b "$BOOTSTRAP" --read-only --data-dir "$work/data" "$@"; }

[[ -n ${KAFTOP_BIN:-} ]] || cargo build --release --locked --bin kaftop >&2
log "$PRESET: $TOPIC_COUNT topics x 100 partitions, $GROUP_COUNT groups on $PER_GROUP partitions each"

# 1. The tool, cold. Its JVM start apart: `--version` loads the same classes' JVM.
t=$(now)
tool kafka-consumer-groups --version >/dev/null 2>&1
jvm_s=$(since "$t")
t=$(now)
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --all-groups \
    >"$work/tool.txt" 2>"$work/tool.err"
tool_s=$(since "$t")
log "kafka-consumer-groups --describe --all-groups: ${tool_s}s (JVM start ${jvm_s}s)"

# 2. kaftop lag --json, cold, then every row against the tool's.
t=$(now)
k lag --json >"$work/kaftop.json" 2>"$work/kaftop.err"
lag_s=$(since "$t")
compare=$(python3 scripts/bench/compare_lag.py "$work/tool.txt" "$work/kaftop.json") || {
    log "rows differ: $compare"
    exit 1
}
log "kaftop lag --json: ${lag_s}s; rows: $compare"

# 3. kaftop serve: warm refreshes, /metrics.
# Started directly (not through `k`): $! must be kaftop's own pid, for its RSS.
KAFTOP_CONFIG=/dev/null "$kaftop" -b "$BOOTSTRAP" --read-only --data-dir "$work/data" \
    serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
addr=
for _ in $(seq 1 300); do
    addr=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/serve.out" | head -n 1)
    [[ -n $addr ]] && break
    sleep 0.1
done
[[ -n $addr ]] || { log "serve did not start"; cat "$work/serve.err" >&2; exit 1; }
metric() { curl -sf "http://$addr/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
until [[ $(metric kaftop_refreshes_total) -ge 1 ]] 2>/dev/null; do sleep 0.5; done
sum1=$(metric kaftop_refresh_duration_seconds_sum)
count1=$(metric kaftop_refreshes_total)
sleep "$serve_seconds"
until [[ $(metric kaftop_refreshes_total) -gt $count1 ]]; do sleep 0.5; done
sum2=$(metric kaftop_refresh_duration_seconds_sum)
count2=$(metric kaftop_refreshes_total)
warm_s=$(python3 -c "print(f'{($sum2 - $sum1) / ($count2 - $count1):.2f}')")
requests=$(metric kaftop_refresh_requests)
wait_s=$(metric kaftop_refresh_wait_seconds)
curl -sf "http://$addr/metrics" | grep '^kaftop_refresh_step_seconds' >&2 || true
scrapes=$(for _ in $(seq 1 20); do
    curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "http://$addr/metrics"
done | sort -n)
scrape_ms=$(awk 'NR == 10 { printf "%.1f", $1 * 1000 }' <<<"$scrapes")
scrape_max_ms=$(awk 'END { printf "%.1f", $1 * 1000 }' <<<"$scrapes")
scrape_kb=$(awk 'NR == 10 { printf "%d", $2 / 1024 }' <<<"$scrapes")
serve_rss=$(mb "$serve_pid" VmRSS)
serve_hwm=$(mb "$serve_pid" VmHWM)
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=
log "serve: warm refresh ${warm_s}s over $((count2 - count1)) refreshes, $requests requests, wait ${wait_s}s, RSS ${serve_rss} MB (peak ${serve_hwm}), /metrics ${scrape_ms} ms (max ${scrape_max_ms}) ${scrape_kb} KB"

# 4. The dashboard: key-to-frame latency while it refreshes, RSS after TUI_MINUTES.
tmux -L "$sock" new-session -d -x 200 -y 50 \
    "exec env KAFTOP_CONFIG=/dev/null $kaftop -b $BOOTSTRAP --read-only --data-dir $work/tui"
pid=$(tmux -L "$sock" list-panes -F '#{pane_pid}')
started=$(now)
first_frame=
for _ in $(seq 1 6000); do
    screen=$(tmux -L "$sock" capture-pane -p)
    if [[ -z $first_frame && $screen == *kaftop* ]]; then first_frame=$(since "$started"); fi
    [[ $screen == *refreshed* ]] && break
    sleep 0.05
done
first_refresh=$(since "$started")
latency=$(python3 scripts/bench/key_latency.py "$sock" "$keys")
log "dashboard: first frame ${first_frame}s, first refresh ${first_refresh}s; keys: $latency"
# RSS every 5 s until TUI_MINUTES: one sample can fall inside a refresh, so the
# mean of the second half is reported beside the last sample.
end=$(($(date +%s) + tui_minutes * 60 - ${first_refresh%.*} - keys))
half=$(($(date +%s) + (end - $(date +%s)) / 2))
samples=()
while (($(date +%s) < end)); do
    sleep 5
    (($(date +%s) >= half)) && samples+=("$(mb "$pid" VmRSS)")
done
tmux -L "$sock" capture-pane -p | head -n 1 >&2
tui_rss=$(mb "$pid" VmRSS)
tui_hwm=$(mb "$pid" VmHWM)
tui_mean=$(python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(round(sum(v)/len(v), 1) if v else '-')" "${samples[@]}")
log "dashboard after ${tui_minutes} min: RSS ${tui_rss} MB (mean of the second half ${tui_mean} over ${#samples[@]} samples, peak ${tui_hwm})"

p50=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['p50_ms'])" "$latency")
kmax=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['max_ms'])" "$latency")
echo "| preset | warm refresh s | requests | tool cold s (JVM start) | kaftop lag cold s | rows equal | dashboard RSS MB (${tui_minutes} min) | key-to-frame p50 / max ms | serve RSS MB | /metrics ms / KB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
rows=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(f\"{d['equal']} / {d['tool_rows']}\")" "$compare")
echo "| $PRESET | $warm_s | $requests | $tool_s ($jvm_s) | $lag_s | $rows | $tui_rss (mean $tui_mean) | $p50 / $kmax | $serve_rss | $scrape_ms / $scrape_kb |"
