#!/usr/bin/env bash
# kaftop's one test command (CI runs exactly this):
#   formatting, clippy, unit tests, then the integration tests against a real
#   Kafka-protocol broker that scripts/test-broker.sh installs and starts.
# The broker is stopped on exit, also when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "setup"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

step "unit tests"
cargo test --locked --lib --bins

step "start the test broker"
broker_out=$(scripts/test-broker.sh start)
trap 'scripts/test-broker.sh stop || true' EXIT
bootstrap=$(printf '%s\n' "$broker_out" | sed -n 's/^BOOTSTRAP=//p' | tail -n 1)
[[ -n $bootstrap ]] || { echo "test broker printed no BOOTSTRAP line" >&2; exit 1; }
export KAFTOP_TEST_BOOTSTRAP=$bootstrap
echo "test broker at $bootstrap" >&2

step "integration tests"
cargo test --locked --test '*'
