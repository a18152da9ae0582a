#!/usr/bin/env bash
# Start, stop or query a local Kafka-compatible test broker (tansu 0.6.0,
# sqlite storage) for kaftop's integration tests and demos.
#
#   scripts/test-broker.sh start    # prints BOOTSTRAP=127.0.0.1:PORT as the last stdout line
#   scripts/test-broker.sh status   # prints BOOTSTRAP=... (exit 0) or "not running" (exit 1)
#   scripts/test-broker.sh stop     # stops the broker recorded in the pid file (idempotent)
#
# Environment:
#   KAFTOP_BROKER_DIR       state directory (default ${TMPDIR:-/tmp}/kaftop-test-broker);
#                           wiped on every start
#   KAFTOP_BROKER_TIMEOUT   seconds to wait for the broker to answer (default 30)
#   KAFTOP_BROKER_PORT      listen on this port instead of a free one (a restart
#                           on the same address, as the outage test does)
#   TANSU_BIN               tansu binary to use (default: ~/.cargo/bin/tansu, then PATH)
#
# All chatter goes to stderr; stdout carries only the BOOTSTRAP line.
set -euo pipefail

TANSU_VERSION=0.6.0
STATE_DIR=${KAFTOP_BROKER_DIR:-${TMPDIR:-/tmp}/kaftop-test-broker}
START_TIMEOUT=${KAFTOP_BROKER_TIMEOUT:-30}
PID_FILE=$STATE_DIR/tansu.pid
PORT_FILE=$STATE_DIR/tansu.port
LOG_FILE=$STATE_DIR/tansu.log
# Marks a directory as ours, so that a wipe never hits a directory we did not create.
MARKER=$STATE_DIR/.kaftop-test-broker

log() { printf 'test-broker: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True if the process exists and is not a zombie (an unreaped child of ours
# still answers kill -0).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if [[ -r /proc/$1/stat ]]; then
        [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
    fi
}

# Path of the tansu binary: $TANSU_BIN, ~/.cargo/bin, then PATH; empty if missing.
find_tansu() {
    if [[ -n ${TANSU_BIN:-} ]]; then
        printf '%s\n' "$TANSU_BIN"
    elif [[ -x $HOME/.cargo/bin/tansu ]]; then
        printf '%s\n' "$HOME/.cargo/bin/tansu"
    else
        command -v tansu || true
    fi
}

# Build tansu from crates.io if it is not installed yet (takes ~10 min on 2 cores).
# Without a storage feature tansu has no storage engine; libsql gives sqlite://.
ensure_tansu() {
    if [[ -n $(find_tansu) ]]; then
        return
    fi
    command -v cargo >/dev/null || die "tansu is not installed and cargo is not available"
    log "tansu not found; running cargo install tansu $TANSU_VERSION (about 10 minutes)"
    cargo install tansu --locked --version "$TANSU_VERSION" --features libsql >&2
    [[ -n $(find_tansu) ]] || die "cargo install finished but no tansu binary was found"
}

# True if the pid file names a live tansu process (guards against PID reuse).
broker_running() {
    [[ -f $PID_FILE ]] || return 1
    local pid
    pid=$(<"$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q tansu || return 1
    fi
}

bootstrap_line() {
    printf 'BOOTSTRAP=127.0.0.1:%s\n' "$(<"$PORT_FILE")"
}

# Ask the kernel for a free loopback port.
free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# Readiness probe in stdlib python (no Kafka client needed): send ApiVersions v0
# and Metadata v1 (all topics) and check both answers carry our correlation ids.
# Exit 0 when the broker answered both.
probe() {
    python3 - "$1" <<'EOF'
import socket, struct, sys

port = int(sys.argv[1])

def request(sock, api_key, version, corr, body=b""):
    client = b"kaftop-probe"
    header = struct.pack(">hhih", api_key, version, corr, len(client)) + client
    msg = header + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    resp = recv_exact(sock, size)
    if struct.unpack(">i", resp[:4])[0] != corr:
        sys.exit("correlation id mismatch")
    return resp[4:]

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    return buf

try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        api = request(s, 18, 0, 1)                           # ApiVersions v0
        if struct.unpack(">h", api[:2])[0] != 0:
            sys.exit("ApiVersions error")
        request(s, 3, 1, 2, struct.pack(">i", -1))            # Metadata v1, all topics
except OSError as e:
    sys.exit(str(e))
EOF
}

cmd_start() {
    if broker_running; then
        log "already running (pid $(<"$PID_FILE"))"
        bootstrap_line
        return
    fi
    ensure_tansu
    local tansu
    tansu=$(find_tansu)

    # Fresh, empty state directory: tansu reads ./.env, and old sqlite data would
    # leak topics and groups between runs. Refuse to wipe a directory we did not make.
    if [[ -d $STATE_DIR && ! -f $MARKER && -n $(ls -A "$STATE_DIR") ]]; then
        die "$STATE_DIR is not empty and was not created by this script; refusing to wipe it"
    fi
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR"
    touch "$MARKER"

    local port
    port=${KAFTOP_BROKER_PORT:-$(free_port)}
    printf '%s\n' "$port" >"$PORT_FILE"
    log "starting $tansu on 127.0.0.1:$port in $STATE_DIR"

    # Run from the state dir (relative sqlite path, empty ./.env). Unset env vars
    # tansu would otherwise read as defaults for options we do not pass.
    (
        cd "$STATE_DIR"
        exec env -u SCHEMA_REGISTRY -u OTEL_EXPORTER_OTLP_ENDPOINT -u DATA_LAKE \
            nohup "$tansu" broker \
            --cluster-id kaftop-test \
            --listener-url "tcp://127.0.0.1:$port" \
            --advertised-listener-url "tcp://127.0.0.1:$port" \
            --storage-engine "sqlite://tansu.db" \
            </dev/null >"$LOG_FILE" 2>&1
    ) &
    local pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"

    # Wait until the broker answers Kafka requests, or give up at the deadline.
    local deadline=$((SECONDS + START_TIMEOUT))
    until probe "$port" 2>/dev/null; do
        if ! alive "$pid"; then
            log "broker exited during startup; log tail:"
            tail -n 30 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "broker did not answer within ${START_TIMEOUT}s; log tail:"
            tail -n 30 "$LOG_FILE" >&2 || true
            stop_pid "$pid"
            rm -f "$PID_FILE"
            exit 1
        fi
        sleep 0.2
    done
    log "ready (pid $pid, log $LOG_FILE)"
    bootstrap_line
}

# Stop one process: SIGTERM, ~5 s grace, then SIGKILL.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "pid $pid still alive after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "warning: pid $pid did not exit"
}

cmd_stop() {
    if ! broker_running; then
        rm -f "$PID_FILE"
        log "no broker running"
        return
    fi
    local pid
    pid=$(<"$PID_FILE")
    log "stopping pid $pid"
    stop_pid "$pid"
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    if broker_running; then
        echo "running (pid $(<"$PID_FILE"), state $STATE_DIR)"
        bootstrap_line
    else
        echo "not running"
        exit 1
    fi
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
