#!/usr/bin/env bash
# Installs what building and testing kaftop needs on a fresh Debian machine with a
# Rust toolchain: C build tools and OpenSSL headers for the bundled librdkafka,
# tmux for the terminal end-to-end tests, rustfmt and clippy. Skips what is there.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for pkg in build-essential pkg-config libssl-dev python3 tmux; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
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
