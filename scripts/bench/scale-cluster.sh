#!/usr/bin/env bash
# Builds the scale benchmark's cluster (BENCHMARKS.md, "Scale"): a 3-node Apache
# Kafka (scripts/test-broker.sh, 2 GB heap per node) holding PRESET's topics of 100
# partitions and groups, each group committed on 10 or 20 partitions (every 10th
# lagging, every 100th stuck at the log start). Not CI: it takes minutes.
#
#   scripts/bench/scale-cluster.sh PRESET     # 10k-1k | 20k-1k | 40k-2k
#   scripts/bench/scale-cluster.sh stop
#
# Prints BOOTSTRAP=... last on stdout, and keeps it in $KAFTOP_BROKER_DIR/scale.env.
# Replication factor 1: a broker maps two index files per partition and
# vm.max_map_count is 65 530, so each of the 3 nodes stays near 13 400 partitions
# at 40k. Every node needs `ulimit -n` ≥ 20 000 (one log segment and index files
# per partition).
#   KAFTOP_BROKER_DIR   default /work/brokers/bench
#   KAFTOP_BENCH_VENV   the Python virtualenv with confluent-kafka
#                       (scripts/bench-venv.sh; created on first use)
set -euo pipefail
cd "$(dirname "$0")/../.."
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/work/brokers/bench}
export KAFTOP_BROKER_HEAP=${KAFTOP_BROKER_HEAP:-2g}
# 13 000 partitions per node take a while to load after a restart.
export KAFTOP_BROKER_TIMEOUT=${KAFTOP_BROKER_TIMEOUT:-300}

case ${1:-} in
    10k-1k) topics=100 groups=1000 per_group=10 ;;
    20k-1k) topics=200 groups=1000 per_group=20 ;;
    40k-2k) topics=400 groups=2000 per_group=20 ;;
    stop) exec scripts/test-broker.sh stop ;;
    *)
        echo "usage: $0 10k-1k|20k-1k|40k-2k|stop" >&2
        exit 2
        ;;
esac

if (($(ulimit -n) < 20000)); then
    ulimit -n 20000 2>/dev/null || echo "scale-cluster: warning: ulimit -n is $(ulimit -n)" >&2
fi
python=$(scripts/bench-venv.sh)

started=$SECONDS
bootstrap=$(scripts/test-broker.sh start --nodes 3 | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
"$python" scripts/bench/scale_setup.py "$bootstrap" "$topics" "$groups" "$per_group" >&2
printf 'PRESET=%s\nTOPIC_COUNT=%s\nGROUP_COUNT=%s\nPER_GROUP=%s\nBOOTSTRAP=%s\n' \
    "$1" "$topics" "$groups" "$per_group" "$bootstrap" | tee "$KAFTOP_BROKER_DIR/scale.env"
echo "scale-cluster: $1 ready in $((SECONDS - started)) s" >&2
