#!/usr/bin/env bash
# Refresh at scale (BENCHMARKS.md, "Refresh at scale on Apache Kafka"): one full
# refresh with 1 000 / 5 000 / 10 000 partitions and 10 / 100 / 1 000 groups, kaftop
# against `kafka-consumer-groups --describe --all-groups` in the same run
# (benches/refresh_scale.rs), then the dashboard's resident memory at the largest
# size, running in tmux for TUI_SECONDS (default 60) against that cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/tmp/kaftop-bench-scale-broker}
# 10 000 partitions want more than the tests' 512 MB heap.
export KAFTOP_BROKER_HEAP=${KAFTOP_BROKER_HEAP:-2g}
tui_seconds=${TUI_SECONDS:-60}
sock=kaftop-bench-scale-$$

cargo build --release --locked --bin kaftop >&2
cargo bench --locked --bench refresh_scale --no-run >&2
bootstrap=$(scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; scripts/test-broker.sh stop >/dev/null 2>&1 || true' EXIT

KAFTOP_TEST_BOOTSTRAP=$bootstrap cargo bench --locked --bench refresh_scale

# The dashboard at the largest size: Topics view, default 5 s refresh.
tmux -L "$sock" new-session -d -x 200 -y 50 \
    "exec env KAFTOP_CONFIG=/dev/null target/release/kaftop -b $bootstrap"
pid=$(tmux -L "$sock" list-panes -F '#{pane_pid}')
sleep "$tui_seconds"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
echo
echo "kaftop TUI after ${tui_seconds}s on this cluster: RSS $((rss / 1024)) MB, peak $((hwm / 1024)) MB"
