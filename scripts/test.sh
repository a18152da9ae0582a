#!/usr/bin/env bash
# kaftop's one test command (CI runs exactly this):
#   formatting, clippy, unit tests, then the integration tests against Apache Kafka,
#   which scripts/test-broker.sh resolves from Maven Central (once) and starts twice:
#   a single node with PLAINTEXT, SASL/SCRAM and TLS listeners, and a 3-node cluster
#   whose nodes the fault tests stop and start; then a throwaway PostgreSQL
#   (scripts/test-postgres.sh) for the services' shared store.
# All are stopped on exit, also when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "setup"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit tests"
cargo test --workspace --locked --lib --bins

step "build the integration tests"
# Before the brokers start, so that compiling does not compete with them for CPU.
cargo test --locked --test '*' --no-run

step "cargo install, as a new user runs it, and the installed binary's demo"
# The dev profile and the suite's target dir, so that nothing is built twice: only
# what a build without dev-dependencies compiles differently (measured: ~1-4 min).
# README's install line is `cargo install --locked --path .` (the release profile).
install_root=$(mktemp -d)
cargo install --locked --debug --path . --root "$install_root" \
    --target-dir "${CARGO_TARGET_DIR:-target}" >&2
"$install_root/bin/kaftop" --data-dir "$install_root/data" demo --headless --duration 5s >&2
rm -rf "$install_root"

step "the Prometheus client's parsers for the /metrics tests (Python venv)"
scripts/prom-venv.sh >/dev/null

step "confluent-kafka for the churn soak (Python venv, tests/soak_churn.rs)"
scripts/bench-venv.sh >/dev/null
step "Confluent's Python serializers for the schema tests (Python venv)"
scripts/schema-venv.sh >/dev/null

step "build the JVM test peer (the seed's Spring Kafka stack)"
scripts/java-peer.sh build

step "install the STOMP test client (tests/stomp-client, npm ci)"
# Exactly the lockfile's versions; --prefer-offline reuses npm's cache (~/.npm).
(cd tests/stomp-client && npm ci --prefer-offline --no-audit --no-fund >&2)

state=${TMPDIR:-/tmp}/kaftop-test.$$
single_dir=$state/single
cluster_dir=$state/cluster
postgres_dir=$state/postgres
registry_dir=$state/registry
cleanup() {
    KAFTOP_REGISTRY_DIR=$registry_dir scripts/test-registry.sh stop || true
    KAFTOP_POSTGRES_DIR=$postgres_dir scripts/test-postgres.sh stop || true
    KAFTOP_BROKER_DIR=$cluster_dir scripts/test-broker.sh stop || true
    KAFTOP_BROKER_DIR=$single_dir scripts/test-broker.sh stop || true
    rm -rf "$state"
}
trap cleanup EXIT
# A signal (CI cancelled, timed out) leaves through the EXIT trap too.
trap 'exit 130' INT TERM

# value KEY LINES: the value of KEY=... in the broker script's output; fails if absent.
value() {
    local v
    v=$(printf '%s\n' "$2" | sed -n "s/^$1=//p" | tail -n 1)
    [[ -n $v ]] || {
        echo "test broker printed no $1 line" >&2
        return 1
    }
    printf '%s\n' "$v"
}

step "start Apache Kafka: one node (PLAINTEXT, SASL/SCRAM, TLS, OAUTHBEARER)"
single=$(KAFTOP_BROKER_DIR=$single_dir scripts/test-broker.sh start --security sasl-scram,tls,oauthbearer)
KAFTOP_TEST_BOOTSTRAP=$(value BOOTSTRAP "$single")
export KAFTOP_TEST_BOOTSTRAP
KAFTOP_TEST_SASL_BOOTSTRAP=$(value SASL_BOOTSTRAP "$single")
export KAFTOP_TEST_SASL_BOOTSTRAP
KAFTOP_TEST_SASL_MECHANISM=$(value SASL_MECHANISM "$single")
export KAFTOP_TEST_SASL_MECHANISM
KAFTOP_TEST_SASL_USER=$(value SASL_USER "$single")
export KAFTOP_TEST_SASL_USER
KAFTOP_TEST_SASL_PASSWORD=$(value SASL_PASSWORD "$single")
export KAFTOP_TEST_SASL_PASSWORD
KAFTOP_TEST_TLS_BOOTSTRAP=$(value TLS_BOOTSTRAP "$single")
export KAFTOP_TEST_TLS_BOOTSTRAP
KAFTOP_TEST_TLS_CA=$(value TLS_CA "$single")
export KAFTOP_TEST_TLS_CA
for v in TLS_CLIENT_CERT TLS_CLIENT_KEY TLS_CLIENT_KEY_PASSWORD OAUTH_BOOTSTRAP; do
    declare -x "KAFTOP_TEST_$v=$(value "$v" "$single")"
done

step "start Apache Kafka: a 3-node cluster"
cluster=$(KAFTOP_BROKER_DIR=$cluster_dir scripts/test-broker.sh start --nodes 3)
export KAFTOP_TEST_CLUSTER_DIR=$cluster_dir
KAFTOP_TEST_CLUSTER_BOOTSTRAP=$(value BOOTSTRAP "$cluster")
export KAFTOP_TEST_CLUSTER_BOOTSTRAP
echo "single node at $KAFTOP_TEST_BOOTSTRAP, cluster at $KAFTOP_TEST_CLUSTER_BOOTSTRAP" >&2

step "start PostgreSQL (the services' shared store)"
postgres=$(KAFTOP_POSTGRES_DIR=$postgres_dir scripts/test-postgres.sh start)
KAFTOP_TEST_POSTGRES_URL=$(value POSTGRES_URL "$postgres")
export KAFTOP_TEST_POSTGRES_URL
KAFTOP_TEST_POSTGRES_PASSWORD=$(value POSTGRES_PASSWORD "$postgres")
export KAFTOP_TEST_POSTGRES_PASSWORD

step "start the schema registry (Apicurio, Confluent-compatible API)"
registry=$(KAFTOP_REGISTRY_DIR=$registry_dir scripts/test-registry.sh start)
KAFTOP_TEST_REGISTRY_URL=$(value URL "$registry")
export KAFTOP_TEST_REGISTRY_URL

step "the store's unit tests on PostgreSQL"
cargo test --locked -p kaftop-services --lib store::

step "integration tests"
cargo test --locked --no-fail-fast --test '*'
