#!/usr/bin/env bash
# Installs what building and testing kaftop needs on a fresh Debian machine with a
# Rust toolchain: C build tools, OpenSSL and libcurl headers for the bundled librdkafka
# (libcurl: OAUTHBEARER's OIDC token fetch),
# tmux for the terminal end-to-end tests, a JDK 17+ and Maven for Apache Kafka
# (scripts/test-broker.sh) and the JVM test peer, openssl for the TLS test
# certificates, curl for the `kaftop serve` tests (the seed's curl lines run
# literally), python3-venv for the /metrics tests' Prometheus parser
# (scripts/prom-venv.sh), Node.js and npm for the STOMP client of the WebSocket
# tests (tests/stomp-client), man-db and groff for the man page test (`man -l`),
# rustfmt and clippy. Skips what is there.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for pkg in build-essential pkg-config libssl-dev libcurl4-openssl-dev python3 python3-venv tmux openssl curl postgresql man-db groff-base; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# A JDK and Maven may come from outside Debian (an SDK manager); any on PATH will do.
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v javac >/dev/null || (($(java_major) < 17)); then
    # Debian 12 has openjdk-17; later releases only newer JDKs, as default-jdk.
    if apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then
        missing+=(openjdk-17-jdk-headless)
    else
        missing+=(default-jdk-headless)
    fi
fi
command -v mvn >/dev/null || missing+=(maven)
# Node.js 18+ and npm: any on PATH will do, else Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

if command -v rustup >/dev/null; then
    for comp in rustfmt clippy; do
        rustup component list --installed 2>/dev/null | grep -q "^$comp" ||
            rustup component add "$comp" >&2
    done
fi
