#!/usr/bin/env bash
# Resident memory and idle CPU of the running dashboard, side by side with
# kaskade (a Python Kafka TUI, `pip install kaskade`), both in tmux against the
# same broker with a PARTITIONS-partition topic (default 1 000), both refreshing
# every INTERVAL seconds (default 5; kaskade refuses less than 5, so with a
# shorter INTERVAL it still refreshes every 5 s).
#
#   [INTERVAL=5] [PARTITIONS=1000] benches/tui_measure.sh BOOTSTRAP [IDLE_SECONDS=60] [TOTAL_SECONDS=600]
#
# CPU is read from /proc/PID/stat (utime+stime) over IDLE_SECONDS of no input
# after the first minute; RSS (VmRSS) is sampled at 1 min, 5 min and the end,
# so the last sample has TOTAL_SECONDS of history (the sparklines keep 10 min).
set -euo pipefail
cd "$(dirname "$0")/.."

bootstrap=${1:?usage: $0 BOOTSTRAP [IDLE_SECONDS] [TOTAL_SECONDS]}
idle=${2:-60}
total=${3:-600}
interval=${INTERVAL:-5}
kaskade_interval=$(( interval < 5 ? 5 : interval ))
partitions=${PARTITIONS:-1000}
topic=bench.tui.$partitions
sock=kaftop-bench-$$
work=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v kaskade >/dev/null || { echo "kaskade is not installed (pip install kaskade)" >&2; exit 1; }
cargo build --release --locked --bin kaftop >&2

python3 - "$bootstrap" "$topic" "$partitions" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
if topic not in admin.list_topics(timeout=10).topics:
    for f in admin.create_topics([NewTopic(topic, num_partitions=n, replication_factor=1)]).values():
        f.result()
    print(f"created {topic} with {n} partitions", file=sys.stderr)
PY

cat >"$work/kaftop.toml" <<TOML
default_profile = "bench"
data_dir = "$work/data"
[profiles.bench]
bootstrap_servers = "$bootstrap"
poll_interval = "${interval}s"
TOML

tm new-session -d -s kaftop -x 200 -y 50 "exec env -u KAFTOP_CONFIG target/release/kaftop --config $work/kaftop.toml"
tm new-session -d -s kaskade -x 200 -y 50 "exec kaskade admin -b $bootstrap --refresh-interval $kaskade_interval"

wait_screen() { # session needle
    for _ in $(seq 1 600); do
        tm capture-pane -p -t "$1" | grep -q -- "$2" && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1:" >&2
    tm capture-pane -p -t "$1" >&2
    return 1
}
wait_screen kaftop "$topic"
wait_screen kaskade "$topic"

pid() { tm display-message -p -t "$1" '#{pane_pid}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
kp=$(pid kaftop)
sp=$(pid kaskade)
start=$(date +%s)

sleep 60
printf 'after 1 min: kaftop RSS %s MiB, kaskade RSS %s MiB\n' "$(rss_mib "$kp")" "$(rss_mib "$sp")"
k0=$(ticks "$kp"); s0=$(ticks "$sp"); t0=$(date +%s.%N)
cpu() { # ticks-before ticks-after time-before time-after
    awk -v a="$1" -v b="$2" -v hz="$hz" -v t0="$3" -v t1="$4" 'BEGIN {printf "%.2f", (b - a) / hz / (t1 - t0) * 100}'
}
sleep "$idle"
k1=$(ticks "$kp"); s1=$(ticks "$sp"); t1=$(date +%s.%N)
printf 'idle CPU over %s s: kaftop %s %%, kaskade %s %%\n' "$idle" \
    "$(cpu "$k0" "$k1" "$t0" "$t1")" "$(cpu "$s0" "$s1" "$t0" "$t1")"

marks=("$total")
if (( total > 300 )); then marks=(300 "$total"); fi
for mark in "${marks[@]}"; do
    now=$(date +%s)
    if (( mark > now - start )); then sleep $(( mark - (now - start) )); fi
    printf 'after %s s: kaftop RSS %s MiB, kaskade RSS %s MiB\n' "$mark" "$(rss_mib "$kp")" "$(rss_mib "$sp")"
done
k2=$(ticks "$kp"); s2=$(ticks "$sp"); t2=$(date +%s.%N)
printf 'average CPU from 1 min to the end: kaftop %s %%, kaskade %s %%\n' \
    "$(cpu "$k0" "$k2" "$t0" "$t2")" "$(cpu "$s0" "$s2" "$t0" "$t2")"
tm capture-pane -p -t kaftop | head -8 >&2
