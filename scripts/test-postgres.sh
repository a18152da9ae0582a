#!/usr/bin/env bash
# Start, stop or query a throwaway PostgreSQL on loopback for the services' shared-store
# tests and benchmarks, from Debian's postgresql package (scripts/setup.sh installs it):
# initdb and pg_ctl in a state directory, on a free port, as an unprivileged user when
# run as root (initdb refuses root).
#
#   scripts/test-postgres.sh start    # prints KEY=VALUE lines on stdout:
#       POSTGRES_URL=postgres://kaftop@127.0.0.1:PORT/kaftop   (always last)
#       POSTGRES_PASSWORD_ENV=KAFTOP_TEST_POSTGRES_PASSWORD
#       POSTGRES_PASSWORD=...          (generated for this run)
#   scripts/test-postgres.sh status   # the same lines (exit 0) or "not running" (exit 1)
#   scripts/test-postgres.sh stop     # stops it and removes the state (idempotent)
#
# Environment:
#   KAFTOP_POSTGRES_DIR   state directory (default ${TMPDIR:-/tmp}/kaftop-test-postgres)
set -euo pipefail

STATE_DIR=${KAFTOP_POSTGRES_DIR:-${TMPDIR:-/tmp}/kaftop-test-postgres}
DATA=$STATE_DIR/data
ENV_FILE=$STATE_DIR/postgres.env
MARKER=$STATE_DIR/.kaftop-test-postgres
RUN_AS=kaftop-pg

log() { printf 'test-postgres: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

bin_dir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -x $d/initdb && -x $d/pg_ctl ]] ||
        die "PostgreSQL's initdb/pg_ctl not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)"
    printf '%s\n' "$d"
}

# Runs a command as the unprivileged owner of the data directory when we are root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$RUN_AS" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    [[ -f $ENV_FILE ]] && status >/dev/null 2>&1 && die "already running in $STATE_DIR (stop it first)"
    local bin port password
    bin=$(bin_dir)
    if [[ -d $STATE_DIR ]]; then
        [[ -f $MARKER ]] || die "$STATE_DIR exists and was not made by this script"
        rm -rf "$STATE_DIR"
    fi
    mkdir -p "$STATE_DIR"
    touch "$MARKER"
    if [[ $(id -u) -eq 0 ]]; then
        id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_AS"
        chown "$RUN_AS" "$STATE_DIR"
        chmod 755 "$STATE_DIR"
    fi
    port=$(free_port)
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$STATE_DIR/pwfile"
    [[ $(id -u) -eq 0 ]] && chown "$RUN_AS" "$STATE_DIR/pwfile"
    log "initdb in $DATA"
    as_owner "$bin/initdb" -D "$DATA" -U kaftop --pwfile="$STATE_DIR/pwfile" \
        --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
    rm -f "$STATE_DIR/pwfile"
    # Loopback only, socket in the state directory; fsync stays on (the store's
    # durability is what the tests rely on).
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$STATE_DIR/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$STATE_DIR -c max_connections=200" \
        start >&2
    PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U kaftop -d postgres -q \
        -c 'CREATE DATABASE kaftop' >&2
    {
        echo "POSTGRES_DIR=$STATE_DIR"
        echo "POSTGRES_PASSWORD_ENV=KAFTOP_TEST_POSTGRES_PASSWORD"
        echo "POSTGRES_PASSWORD=$password"
        echo "POSTGRES_URL=postgres://kaftop@127.0.0.1:$port/kaftop"
    } >"$ENV_FILE"
    chmod 600 "$ENV_FILE"
    log "PostgreSQL on 127.0.0.1:$port (database kaftop, user kaftop)"
    cat "$ENV_FILE"
}

status() {
    [[ -f $ENV_FILE && -d $DATA ]] || {
        echo "not running"
        return 1
    }
    as_owner "$(bin_dir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || {
        echo "not running"
        return 1
    }
    cat "$ENV_FILE"
}

stop() {
    [[ -d $STATE_DIR ]] || return 0
    [[ -f $MARKER ]] || die "$STATE_DIR was not made by this script"
    if [[ -d $DATA ]]; then
        as_owner "$(bin_dir)/pg_ctl" -D "$DATA" -m fast -w stop >&2 2>/dev/null || true
    fi
    rm -rf "$STATE_DIR"
    log "stopped"
}

case ${1:-} in
start) start ;;
status) status ;;
stop) stop ;;
*) die "usage: $0 start|status|stop" ;;
esac
