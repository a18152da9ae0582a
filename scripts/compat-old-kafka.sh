#!/usr/bin/env bash
# The compatibility run on the oldest Apache Kafka broker Maven Central serves here
# (3.9.1, the last 3.x, which runs in KRaft mode; KAFTOP_KAFKA_VERSION picks another). Starts
# one KRaft node of that release with scripts/test-broker.sh and runs these suites
# against it, Kafka's tools of the same release as their oracle:
#   ops_topics      topic create/delete/partitions/configs (and the TUI's dialogs)
#   groups_broker   lag of classic and KIP-848 groups (text, --json, --state, --members;
#                   the KIP-848 tests skip on 3.x, where that protocol is a preview)
#   input_broker    tail (and publish's input forms)
#   broker_publish  publish and bulk
#   tui_e2e         the dashboard in tmux
# Usage: scripts/compat-old-kafka.sh [extra cargo test arguments]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export KAFTOP_KAFKA_VERSION=${KAFTOP_KAFKA_VERSION:-3.9.1}
export KAFTOP_BROKER_DIR=${KAFTOP_BROKER_DIR:-${TMPDIR:-/tmp}/kaftop-compat-$KAFTOP_KAFKA_VERSION}
trap 'scripts/test-broker.sh stop || true' EXIT
trap 'exit 130' INT TERM

started=$(scripts/test-broker.sh start)
KAFTOP_TEST_BOOTSTRAP=$(printf '%s\n' "$started" | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
export KAFTOP_TEST_BOOTSTRAP
# Tests that need a 4.x feature (KIP-848 consumer groups) say so and skip.
export KAFTOP_TEST_KAFKA_VERSION=$KAFTOP_KAFKA_VERSION
echo "compat: Apache Kafka $KAFTOP_KAFKA_VERSION at $KAFTOP_TEST_BOOTSTRAP" >&2

cargo test --locked \
    --test ops_topics --test groups_broker --test input_broker \
    --test broker_publish --test tui_e2e "$@"

# (cargo test built the binary.) What the release lacks is said, not shown as an error or an empty table: before
# 4.0 share groups, before 4.1 Streams groups.
target=${CARGO_TARGET_DIR:-target}
note=$("$target/debug/kaftop" -b "$KAFTOP_TEST_BOOTSTRAP" lag --json 2>&1 >/dev/null || true)
case $KAFTOP_KAFKA_VERSION in
3.*) want="share and Streams groups: not supported by this broker" ;;
4.0.*) want="Streams groups: not supported by this broker" ;;
*) want="" ;;
esac
if [[ -n $want && $note != *"$want"* ]]; then
    echo "compat: kaftop lag did not say \"$want\" on Kafka $KAFTOP_KAFKA_VERSION: $note" >&2
    exit 1
fi
echo "compat: Kafka $KAFTOP_KAFKA_VERSION passed${want:+ (\"$want\" said)}" >&2
