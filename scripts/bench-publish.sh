#!/usr/bin/env bash
# Publish benchmark (BENCHMARKS.md, "Publishing"): kaftop's bulk publisher side by
# side with a plain librdkafka producer loop (Python confluent-kafka), in one run:
#   1. on Apache Kafka (scripts/test-broker.sh, one node), 100 000 events each, RUNS times;
#   2. on librdkafka's in-process mock cluster (3 brokers), 300 000 events each.
# Prints one JSON line per run (throughput, CPU user+sys, peak RSS) and checks that
# every record kaftop reported as delivered is in the topic.
#
#   scripts/bench-publish.sh            # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
COUNT=${COUNT:-100000}
MOCK_COUNT=${MOCK_COUNT:-300000}
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-/tmp/kaftop-bench-broker}

python3 -c 'import confluent_kafka' 2>/dev/null || pip install --quiet confluent-kafka >&2
cargo build --release --locked --bin kaftop >&2
kaftop=target/release/kaftop

bootstrap=$(scripts/test-broker.sh start | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
trap 'scripts/test-broker.sh stop >/dev/null 2>&1 || true' EXIT
export KAFTOP_CONFIG=/dev/null
"$kaftop" -b "$bootstrap" topics ensure >&2

messages() { # records currently in message.created
    "$kaftop" -b "$bootstrap" topics --interval 100ms --json |
        python3 -c 'import json,sys; print(next(t["messages"] for t in json.load(sys.stdin) if t["name"]=="message.created"))'
}

echo "# test broker at $bootstrap, $COUNT events per run" >&2
for run in $(seq "$RUNS"); do
    before=$(messages)
    python3 scripts/bench/measure.py -- "$kaftop" -b "$bootstrap" bulk --count "$COUNT" --json |
        sed "s/^{/{\"target\":\"kafka\",\"run\":$run,/"
    after=$(messages)
    if ((after - before != COUNT)); then
        echo "ERROR: topic grew by $((after - before)), expected $COUNT" >&2
        exit 1
    fi
    echo "# run $run: all $COUNT records are in message.created" >&2
    python3 scripts/bench/measure.py -- python3 scripts/bench/peer_producer.py --bootstrap "$bootstrap" --count "$COUNT" |
        sed "s/^{/{\"target\":\"kafka\",\"run\":$run,/"
done

echo "# mock cluster (3 brokers, in-process), $MOCK_COUNT events per run" >&2
for run in $(seq "$RUNS"); do
    python3 scripts/bench/measure.py -- "$kaftop" -X test.mock.num.brokers=3 bulk --count "$MOCK_COUNT" --json |
        sed "s/^{/{\"target\":\"mock\",\"run\":$run,/"
    python3 scripts/bench/measure.py -- python3 scripts/bench/peer_producer.py --mock 3 --count "$MOCK_COUNT" |
        sed "s/^{/{\"target\":\"mock\",\"run\":$run,/"
done
