#!/usr/bin/env bash
# Start, stop or query a schema registry speaking the Confluent REST API on loopback
# for kaftop's tests and benchmarks: Apicurio Registry (its Confluent-compatible API
# under /apis/ccompat/v7), the Quarkus application Maven Central publishes as
# io.apicurio:apicurio-registry-app:VERSION:tar.gz:all, resolved once and cached.
# Schemas are kept in memory: every start is an empty registry.
# (Karapace, the other candidate, is not published on PyPI.)
#
#   scripts/test-registry.sh start    # prints URL=http://127.0.0.1:PORT/apis/ccompat/v7
#   scripts/test-registry.sh status   # the same line (exit 0) or "not running" (exit 1)
#   scripts/test-registry.sh stop     # stops the registry this directory started
#
# Environment:
#   KAFTOP_REGISTRY_DIR      state directory (default ${TMPDIR:-/tmp}/kaftop-test-registry)
#   KAFTOP_REGISTRY_CACHE    where the application is kept (default ~/.cache/kaftop/apicurio)
#   KAFTOP_REGISTRY_JAVA     a Java 21+ `java` (default: the newest JDK under /usr/lib/jvm)
#   KAFTOP_REGISTRY_TIMEOUT  seconds to wait for it to answer (default 120)
#
# All chatter goes to stderr; stdout carries only the KEY=VALUE line.
set -euo pipefail

VERSION=3.3.3
STATE_DIR=${KAFTOP_REGISTRY_DIR:-${TMPDIR:-/tmp}/kaftop-test-registry}
CACHE_DIR=${KAFTOP_REGISTRY_CACHE:-$HOME/.cache/kaftop/apicurio}/$VERSION
TIMEOUT=${KAFTOP_REGISTRY_TIMEOUT:-120}
ENV_FILE=$STATE_DIR/registry.env
PID_FILE=$STATE_DIR/pid

log() { printf 'test-registry: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# The application's directory, fetched with Maven and unpacked on first use.
app_dir() {
    if [[ ! -f $CACHE_DIR/app/quarkus-run.jar ]]; then
        command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch Apicurio Registry"
        log "fetching Apicurio Registry $VERSION from Maven Central (first use only)"
        rm -rf "$CACHE_DIR" && mkdir -p "$CACHE_DIR/app"
        mvn -q -B -Dstyle.color=never dependency:copy \
            -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" \
            -DoutputDirectory="$CACHE_DIR" >&2 || die "mvn could not fetch Apicurio Registry"
        tar -xzf "$CACHE_DIR/apicurio-registry-app-$VERSION-all.tar.gz" -C "$CACHE_DIR/app"
        rm -f "$CACHE_DIR/apicurio-registry-app-$VERSION-all.tar.gz"
    fi
    printf '%s\n' "$CACHE_DIR/app"
}

# A `java` of version 21 or later (Apicurio 3.3 is built for it).
java_bin() {
    local candidates=() j v
    [[ -n ${KAFTOP_REGISTRY_JAVA:-} ]] && candidates+=("$KAFTOP_REGISTRY_JAVA")
    candidates+=(/usr/lib/jvm/*/bin/java "$(command -v java || true)")
    for j in "${candidates[@]}"; do
        [[ -x $j ]] || continue
        v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
        if [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 21)); then
            printf '%s\n' "$j"
            return
        fi
    done
    die "Apicurio Registry $VERSION needs Java 21 or later (set KAFTOP_REGISTRY_JAVA)"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running() {
    [[ -f $PID_FILE ]] && kill -0 "$(<"$PID_FILE")" 2>/dev/null
}

start() {
    if running; then
        cat "$ENV_FILE"
        return
    fi
    local app java port url deadline
    app=$(app_dir)
    java=$(java_bin)
    mkdir -p "$STATE_DIR"
    port=$(free_port)
    url=http://127.0.0.1:$port/apis/ccompat/v7
    log "starting Apicurio Registry $VERSION on $url"
    # setsid: its own process group, so a caller's Ctrl-C does not reach it.
    setsid "$java" -Xmx384m -XX:+UseSerialGC \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$(free_port)" \
        -jar "$app/quarkus-run.jar" >"$STATE_DIR/registry.log" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    deadline=$((SECONDS + TIMEOUT))
    until curl -sf -m 2 "$url/subjects" >/dev/null 2>&1; do
        running || die "the registry exited; see $STATE_DIR/registry.log"
        ((SECONDS < deadline)) || {
            stop
            die "the registry did not answer within ${TIMEOUT}s; see $STATE_DIR/registry.log"
        }
        sleep 1
    done
    printf 'URL=%s\n' "$url" >"$ENV_FILE"
    cat "$ENV_FILE"
}

stop() {
    if running; then
        local pid
        pid=$(<"$PID_FILE")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE" "$ENV_FILE"
}

case ${1:-} in
start) start ;;
stop) stop ;;
status)
    if running && [[ -f $ENV_FILE ]]; then cat "$ENV_FILE"; else
        echo "not running" >&2
        exit 1
    fi
    ;;
*) die "usage: $0 start|stop|status" ;;
esac
