#!/usr/bin/env bash
# The churn soak (BENCHMARKS.md, "Scale"): `kaftop serve` and the dashboard watch
# a cluster for --minutes (default 60) while members join and leave, groups and
# topics are created and deleted every few seconds, and one broker restarts every
# 10 minutes; scripts/bench/soak.py checks that nothing deleted is still shown
# two refreshes later, that no error is left once the cluster recovered, and
# (runs of 10 minutes or more) that memory stayed flat after the warm-up.
#
#   scripts/soak.sh [--minutes N] [--bootstrap HOST:PORT,...] [--no-restart] [--interval 5s]
#
# Default cluster: the scale benchmark's (scripts/bench/scale-cluster.sh, its
# KAFTOP_BROKER_DIR, default /work/brokers/bench), whose nodes it restarts.
# With --bootstrap it never restarts anything (a cluster it does not own).
#   KAFTOP_BIN          the kaftop binary (default: a release build of this tree)
#   KAFTOP_BENCH_VENV   the Python virtualenv with confluent-kafka (scripts/bench-venv.sh)
#   KAFTOP_SOAK_OUT     where rss.csv (the memory curve) goes
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=60 bootstrap= restart=10 interval=5s
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --bootstrap) bootstrap=$2; restart=0; shift 2 ;;
        --no-restart) restart=0; shift ;;
        --interval) interval=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--bootstrap B] [--no-restart] [--interval 5s]" >&2; exit 2 ;;
    esac
done
python=$(scripts/bench-venv.sh)
broker_dir=${KAFTOP_BROKER_DIR:-/work/brokers/bench}
if [[ -z $bootstrap ]]; then
    bootstrap=$(sed -n 's/^BOOTSTRAP=//p' "$broker_dir/scale.env")
fi
kaftop=${KAFTOP_BIN:-}
if [[ -z $kaftop ]]; then
    cargo build --release --locked --bin kaftop >&2
    kaftop=${CARGO_TARGET_DIR:-target}/release/kaftop
fi
args=(--kaftop "$kaftop" --bootstrap "$bootstrap" --minutes "$minutes" --interval "$interval")
((restart > 0)) && args+=(--restart-every "$restart" --broker-dir "$broker_dir")
awk -v m="$minutes" 'BEGIN { exit !(m >= 10) }' && args+=(--check-memory)
[[ -n ${KAFTOP_SOAK_OUT:-} ]] && args+=(--out "$KAFTOP_SOAK_OUT")
exec "$python" scripts/bench/soak.py "${args[@]}"
