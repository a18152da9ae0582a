#!/usr/bin/env bash
# Start, stop or query a schema registry speaking the Confluent REST API on loopback
# for kaftop's tests and benchmarks: Apicurio Registry (its Confluent-compatible API
# under /apis/ccompat/v7), the Quarkus application Maven Central publishes as
# io.apicurio:apicurio-registry-app:VERSION:tar.gz:all, resolved once and cached.
# Schemas are kept in memory: every start is an empty registry.
# (Karapace, the other candidate, is not published on PyPI.)
#
#   scripts/test-registry.sh start    # prints URL=http://127.0.0.1:PORT/apis/ccompat/v7
#   scripts/test-registry.sh start --basic-auth
#                                     # the same, every API call needing HTTP basic auth
#   scripts/test-registry.sh status   # the same line (exit 0) or "not running" (exit 1)
#   scripts/test-registry.sh stop     # stops the registry this directory started
#
# --basic-auth: Apicurio itself refuses a request without the right user and
# password (HTTP 401), with no Keycloak: Quarkus's embedded user store (built into
# the application) holds one user, KAFTOP_REGISTRY_USER (default kaftop) with the
# password KAFTOP_REGISTRY_PASSWORD (required), and a path policy makes /apis/*
# need an authenticated caller. The password reaches Java through the environment,
# never its command line. (No reverse proxy is needed: Apicurio 3.x does this alone.)
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
    local basic_auth=false
    case ${1:-} in
    "") ;;
    --basic-auth) basic_auth=true ;;
    *) die "unknown option $1 (start takes --basic-auth)" ;;
    esac
    local app java port url deadline auth=() probe=()
    app=$(app_dir)
    java=$(java_bin)
    mkdir -p "$STATE_DIR"
    port=$(free_port)
    url=http://127.0.0.1:$port/apis/ccompat/v7
    if $basic_auth; then
        local user=${KAFTOP_REGISTRY_USER:-kaftop}
        [[ -n ${KAFTOP_REGISTRY_PASSWORD:-} ]] || die "--basic-auth needs KAFTOP_REGISTRY_PASSWORD"
        [[ $user =~ ^[A-Za-z0-9_]+$ ]] || die "KAFTOP_REGISTRY_USER: letters, digits and _ only"
        # The password is the literal expression `${KAFTOP_REGISTRY_PASSWORD}`,
        # which Quarkus expands from the environment the JVM inherits. Basic auth
        # is "build time fixed" (the log warns) yet takes effect when asked for.
        auth=(
            -Dquarkus.security.users.embedded.plain-text=true
            "-Dquarkus.security.users.embedded.users.$user=\${KAFTOP_REGISTRY_PASSWORD}"
            -Dquarkus.security.users.embedded.roles."$user"=sr-admin
            -Dquarkus.http.auth.basic=true
            -Dquarkus.http.auth.permission.registry.paths=/apis/*
            -Dquarkus.http.auth.permission.registry.policy=authenticated
        )
        export KAFTOP_REGISTRY_PASSWORD
        # curl reads the credentials from stdin's config, not its command line.
        probe=(--config -)
        log "starting Apicurio Registry $VERSION on $url (HTTP basic auth: user $user)"
    else
        log "starting Apicurio Registry $VERSION on $url"
    fi
    # setsid: its own process group, so a caller's Ctrl-C does not reach it.
    setsid "$java" -Xmx384m -XX:+UseSerialGC \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$(free_port)" \
        "${auth[@]}" \
        -jar "$app/quarkus-run.jar" >"$STATE_DIR/registry.log" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    deadline=$((SECONDS + TIMEOUT))
    until probe "$url/subjects" "${probe[@]}"; do
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

# Whether the registry answers 200 (with --config -: the basic-auth user from the
# environment, fed to curl on stdin).
probe() {
    local url=$1
    shift
    if (($#)); then
        printf 'user = "%s:%s"\n' "${KAFTOP_REGISTRY_USER:-kaftop}" "$KAFTOP_REGISTRY_PASSWORD" |
            curl -sf -m 2 "$@" "$url" >/dev/null 2>&1
    else
        curl -sf -m 2 "$url" >/dev/null 2>&1
    fi
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
start) start "${2:-}" ;;
stop) stop ;;
status)
    if running && [[ -f $ENV_FILE ]]; then cat "$ENV_FILE"; else
        echo "not running" >&2
        exit 1
    fi
    ;;
*) die "usage: $0 start|stop|status" ;;
esac
