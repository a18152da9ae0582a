#!/usr/bin/env bash
# Start, stop or query Apache Kafka (KRaft) on loopback for kaftop's tests, benchmarks
# and demos, from jars Maven resolves from scripts/kafka/pom.xml (cached: a second
# start does not touch the network).
#
#   scripts/test-broker.sh start [--nodes 1|3] [--security LIST]
#       LIST is a comma list of sasl-scram, tls and oauthbearer (default: none). Every
#       node always has a PLAINTEXT listener, which the cluster uses internally;
#       sasl-scram adds a SASL_PLAINTEXT listener (SCRAM-SHA-512, a user created at
#       format time), tls an SSL listener with a CA and broker certificate made with
#       openssl for this run (client certificates are requested, not required; a
#       client certificate with a passphrase-protected key is made too), oauthbearer a
#       SASL_PLAINTEXT listener named OAUTH taking OAUTHBEARER with Kafka's unsecured
#       JWT validator (tokens are not signed: for tests only).
#       Prints KEY=VALUE lines on stdout, BOOTSTRAP=127.0.0.1:PORT always last:
#         CLUSTER_DIR, NODES, NODE_n=host:port, SASL_BOOTSTRAP, SASL_MECHANISM,
#         SASL_USER, SASL_PASSWORD, TLS_BOOTSTRAP, TLS_CA (path of the CA's PEM),
#         TLS_CLIENT_CERT, TLS_CLIENT_KEY, TLS_CLIENT_KEY_PASSWORD, OAUTH_BOOTSTRAP.
#   scripts/test-broker.sh status        # the same lines (exit 0) or "not running" (exit 1)
#   scripts/test-broker.sh stop          # stops the nodes this directory started (idempotent)
#   scripts/test-broker.sh stop-node N   # stops node N (graceful), keeping its data
#   scripts/test-broker.sh start-node N  # starts node N again and waits until it is back
#   scripts/test-broker.sh tool NAME ARGS...
#       runs Apache Kafka's own command-line tool: kafka-consumer-groups,
#       kafka-share-groups, kafka-streams-groups, kafka-groups, kafka-features,
#       kafka-topics, kafka-configs, kafka-console-consumer, kafka-get-offsets,
#       kafka-delete-records (ConsumerGroupCommand, ...)
#   scripts/test-broker.sh classpath     # prints the broker's classpath (resolving it once)
#
# Environment:
#   KAFTOP_BROKER_DIR      state directory (default ${TMPDIR:-/tmp}/kaftop-test-broker);
#                          wiped on every start (only if this script made it)
#   KAFTOP_BROKER_TIMEOUT  seconds to wait for the cluster to answer (default 90)
#   KAFTOP_BROKER_PORT     first node's PLAINTEXT port instead of a free one
#   KAFTOP_KAFKA_CACHE     where the resolved classpath is kept
#                          (default ~/.cache/kaftop/kafka)
#   KAFTOP_BROKER_HEAP     JVM heap per node (default 512m)
#
# All chatter goes to stderr; stdout carries only the KEY=VALUE lines.
set -euo pipefail

KAFKA_VERSION=${KAFTOP_KAFKA_VERSION:-4.4.0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$ROOT/scripts/kafka/pom.xml
TOOLS_LOG4J=$ROOT/scripts/kafka/tools-log4j2.properties
STATE_DIR=${KAFTOP_BROKER_DIR:-${TMPDIR:-/tmp}/kaftop-test-broker}
START_TIMEOUT=${KAFTOP_BROKER_TIMEOUT:-90}
CACHE_DIR=${KAFTOP_KAFKA_CACHE:-$HOME/.cache/kaftop/kafka}/$KAFKA_VERSION
HEAP=${KAFTOP_BROKER_HEAP:-512m}
ENV_FILE=$STATE_DIR/cluster.env
# Marks a directory as ours, so that a wipe never hits a directory we did not create.
MARKER=$STATE_DIR/.kaftop-test-broker
SCRAM_MECHANISM=SCRAM-SHA-512
SCRAM_USER=kaftop

log() { printf 'test-broker: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# --- classpath ---------------------------------------------------------------------

# Prints the classpath of the pinned Kafka, resolving it with Maven on first use.
# The cache is reused only while every jar it names still exists.
classpath() {
    local cp_file=$CACHE_DIR/classpath pom_sum
    # The version is part of the key: the pom's kafka.version is overridden below.
    pom_sum=$( (cat "$POM" && echo "$KAFKA_VERSION") | sha256sum | cut -d' ' -f1)
    if [[ -f $cp_file && -f $CACHE_DIR/pom.sha256 && $(<"$CACHE_DIR/pom.sha256") == "$pom_sum" ]]; then
        local ok=1 jar
        while IFS= read -r jar; do
            [[ -f $jar ]] || {
                ok=0
                break
            }
        done < <(tr ':' '\n' <"$cp_file")
        if ((ok)); then
            cat "$cp_file"
            return
        fi
    fi
    command -v mvn >/dev/null || die "Maven (mvn) is needed once to resolve Apache Kafka's jars"
    command -v java >/dev/null || die "a JDK 17+ (java) is needed to run Apache Kafka"
    mkdir -p "$CACHE_DIR"
    log "resolving Apache Kafka $KAFKA_VERSION from Maven Central (first use only)"
    mvn -q -B -Dstyle.color=never -f "$POM" -Dkafka.version="$KAFKA_VERSION" dependency:build-classpath \
        -Dmdep.outputFile="$cp_file.tmp" -Dmdep.includeScope=runtime >&2 ||
        die "mvn could not resolve $POM"
    mv "$cp_file.tmp" "$cp_file"
    printf '%s\n' "$pom_sum" >"$CACHE_DIR/pom.sha256"
    cat "$cp_file"
}

# --- small helpers -----------------------------------------------------------------

# True if the process exists and is not a zombie.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if [[ -r /proc/$1/stat ]]; then
        [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
    fi
}

# Prints N distinct free loopback ports, one per line, chosen below the kernel's
# ephemeral range: a port from that range can be taken by some client's outgoing
# connection while a node is stopped, and the node could not start again.
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys
low = 32768
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    pass
want, picked, socks = int(sys.argv[1]), [], []
candidates = list(range(10000, max(low, 10001)))
random.shuffle(candidates)
for port in candidates:
    if len(picked) == want:
        break
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
    picked.append(port)
for s in socks:
    s.close()
if len(picked) < want:
    sys.exit(f"only {len(picked)} free ports below {low}")
print("\n".join(map(str, picked)))
EOF
}

# Readiness probe in stdlib python (no Kafka client needed): ApiVersions v0 and
# Metadata v1 on 127.0.0.1:PORT; succeeds when the metadata lists WANT brokers. With
# a third argument "groups" it also waits until the group coordinator answers
# (FindCoordinator v0, then OffsetFetch v2 at the coordinator): the first group
# request on a new cluster creates __consumer_offsets, and answers
# CoordinatorNotAvailable or CoordinatorLoadInProgress until it has loaded.
probe() {
    python3 - "$@" <<'EOF'
import socket, struct, sys

port, want = int(sys.argv[1]), int(sys.argv[2])
groups = len(sys.argv) > 3 and sys.argv[3] == "groups"

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    return buf

def request(sock, api_key, version, corr, body=b""):
    client = b"kaftop-probe"
    msg = struct.pack(">hhih", api_key, version, corr, len(client)) + client + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    resp = recv_exact(sock, size)
    if struct.unpack(">i", resp[:4])[0] != corr:
        sys.exit("correlation id mismatch")
    return resp[4:]

def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b

GROUP = "kaftop-probe"
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        api = request(s, 18, 0, 1)                                 # ApiVersions v0
        if struct.unpack(">h", api[:2])[0] != 0:
            sys.exit("ApiVersions error")
        md = request(s, 3, 1, 2, struct.pack(">i", -1))            # Metadata v1
        brokers = struct.unpack(">i", md[:4])[0]
        if brokers < want:
            sys.exit(f"{brokers} of {want} brokers registered")
        if not groups:
            sys.exit(0)
        fc = request(s, 10, 0, 3, kstr(GROUP))                     # FindCoordinator v0
        err, node = struct.unpack(">hi", fc[:6])
        if err != 0:
            sys.exit(f"FindCoordinator error {err}")
        hlen = struct.unpack(">h", fc[6:8])[0]
        host = fc[8:8 + hlen].decode()
        cport = struct.unpack(">i", fc[8 + hlen:12 + hlen])[0]
    with socket.create_connection((host, cport), timeout=2) as c:
        body = kstr(GROUP) + struct.pack(">i", -1)                 # all topics
        of = request(c, 9, 2, 4, body)                             # OffsetFetch v2
        if struct.unpack(">i", of[:4])[0] != 0:
            sys.exit("unexpected offsets for the probe group")
        err = struct.unpack(">h", of[4:6])[0]
        if err != 0:
            sys.exit(f"OffsetFetch error {err}")
except OSError as e:
    sys.exit(str(e))
EOF
}

# Stops one process: SIGTERM, a grace period, then SIGKILL.
stop_pid() {
    local pid=$1 grace=${2:-15} i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
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

load_env() {
    [[ -f $ENV_FILE ]] || return 1
    # shellcheck disable=SC1090
    source "$ENV_FILE"
}

node_dir() { printf '%s/node-%s' "$STATE_DIR" "$1"; }

# True if node N's pid file names a live Kafka of this directory (guards PID reuse).
node_running() {
    local pid_file
    pid_file=$(node_dir "$1")/pid
    [[ -f $pid_file ]] || return 1
    local pid
    pid=$(<"$pid_file")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(node_dir "$1")/server.properties" || return 1
    fi
}

# True if any node of this directory's cluster runs.
cluster_running() {
    load_env 2>/dev/null || return 1
    local n
    for ((n = 1; n <= NODES; n++)); do
        node_running "$n" && return 0
    done
    return 1
}

print_lines() {
    local n
    printf 'CLUSTER_DIR=%s\n' "$STATE_DIR"
    printf 'NODES=%s\n' "$NODES"
    for ((n = 1; n <= NODES; n++)); do
        printf 'NODE_%s=127.0.0.1:%s\n' "$n" "$(port_of PLAIN "$n")"
    done
    if [[ $SECURITY == *sasl-scram* ]]; then
        printf 'SASL_BOOTSTRAP=%s\n' "$(bootstrap_of SASL)"
        printf 'SASL_MECHANISM=%s\n' "$SCRAM_MECHANISM"
        printf 'SASL_USER=%s\n' "$SCRAM_USER"
        printf 'SASL_PASSWORD=%s\n' "$SCRAM_PASSWORD"
    fi
    if [[ $SECURITY == *tls* ]]; then
        printf 'TLS_BOOTSTRAP=%s\n' "$(bootstrap_of TLS)"
        printf 'TLS_CA=%s\n' "$STATE_DIR/tls/ca.pem"
        printf 'TLS_CLIENT_CERT=%s\n' "$STATE_DIR/tls/client.pem"
        printf 'TLS_CLIENT_KEY=%s\n' "$STATE_DIR/tls/client.key"
        printf 'TLS_CLIENT_KEY_PASSWORD=%s\n' "$SCRAM_PASSWORD"
    fi
    if [[ $SECURITY == *oauthbearer* ]]; then
        printf 'OAUTH_BOOTSTRAP=%s\n' "$(bootstrap_of OAUTH)"
    fi
    printf 'BOOTSTRAP=%s\n' "$(bootstrap_of PLAIN)"
}

# port_of KIND N: the port of node N's listener KIND (PLAIN, CTRL, SASL, TLS, OAUTH).
port_of() {
    local var=PORT_${1}_$2
    printf '%s' "${!var}"
}

bootstrap_of() {
    local n out=""
    for ((n = 1; n <= NODES; n++)); do
        out+="${out:+,}127.0.0.1:$(port_of "$1" "$n")"
    done
    printf '%s' "$out"
}

# --- configuration -----------------------------------------------------------------

make_tls() {
    command -v openssl >/dev/null || die "openssl is needed for --security tls"
    local d=$STATE_DIR/tls
    mkdir -p "$d"
    (
        cd "$d"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kaftop test CA" \
            -keyout ca.key -out ca.pem 2>/dev/null
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out broker.key 2>/dev/null
        openssl req -new -key broker.key -subj "/CN=localhost" -out broker.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 2 -extfile san.ext -out broker.pem 2>/dev/null
        # Kafka's PEM key store: the PKCS#8 key followed by the certificate chain.
        cat broker.key broker.pem ca.pem >keystore.pem
        # A client certificate whose key is encrypted (the run's throwaway password).
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 \
            -pass "pass:$SCRAM_PASSWORD" -out client.key 2>/dev/null
        openssl req -new -key client.key -passin "pass:$SCRAM_PASSWORD" \
            -subj "/CN=kaftop-client" -out client.csr 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 2 -out client.pem 2>/dev/null
    ) || die "openssl could not make the test certificates"
}

write_log4j() {
    cat >"$STATE_DIR/log4j2.properties" <<'EOF'
# Broker log to ${kafka.logs.dir}/server.log; warnings and errors also to stderr.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
appender.err.filter.threshold.type = ThresholdFilter
appender.err.filter.threshold.level = warn
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
rootLogger.appenderRef.err.ref = err
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
EOF
}

write_node_config() {
    local n=$1 dir voters="" m listeners advertised map
    dir=$(node_dir "$n")
    mkdir -p "$dir/data" "$dir/logs"
    for ((m = 1; m <= NODES; m++)); do
        voters+="${voters:+,}$m@127.0.0.1:$(port_of CTRL "$m")"
    done
    listeners="PLAINTEXT://127.0.0.1:$(port_of PLAIN "$n"),CONTROLLER://127.0.0.1:$(port_of CTRL "$n")"
    advertised="PLAINTEXT://127.0.0.1:$(port_of PLAIN "$n")"
    map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    if [[ $SECURITY == *sasl-scram* ]]; then
        listeners+=",SASL_PLAINTEXT://127.0.0.1:$(port_of SASL "$n")"
        advertised+=",SASL_PLAINTEXT://127.0.0.1:$(port_of SASL "$n")"
        map+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
    fi
    if [[ $SECURITY == *tls* ]]; then
        listeners+=",SSL://127.0.0.1:$(port_of TLS "$n")"
        advertised+=",SSL://127.0.0.1:$(port_of TLS "$n")"
        map+=",SSL:SSL"
    fi
    if [[ $SECURITY == *oauthbearer* ]]; then
        listeners+=",OAUTH://127.0.0.1:$(port_of OAUTH "$n")"
        advertised+=",OAUTH://127.0.0.1:$(port_of OAUTH "$n")"
        map+=",OAUTH:SASL_PLAINTEXT"
    fi
    local rf=$NODES min_isr=1
    ((NODES >= 3)) && min_isr=2
    {
        cat <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$map
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
# Topics are created on purpose, as in production and docker-compose-kafka.yml.
auto.create.topics.enable=false
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
# KIP-848 consumer groups: faster heartbeats and session expiry than production.
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=1000
group.consumer.min.session.timeout.ms=3000
group.consumer.session.timeout.ms=10000
# Share groups (KIP-932) and Streams groups (KIP-1071) are on by default since Kafka 4.2
# (share.version and streams.version are finalized at format time); the same shorter
# heartbeats and session expiry as consumer groups, so a stopped member leaves in seconds.
group.share.min.heartbeat.interval.ms=500
group.share.heartbeat.interval.ms=1000
group.share.min.session.timeout.ms=3000
group.share.session.timeout.ms=10000
group.streams.min.heartbeat.interval.ms=500
group.streams.heartbeat.interval.ms=1000
group.streams.min.session.timeout.ms=3000
group.streams.session.timeout.ms=10000
group.streams.initial.rebalance.delay.ms=0
share.coordinator.state.topic.num.partitions=3
# Leaders stay where the tests see them after a node comes back (no preferred-leader
# election in the middle of a comparison with kafka-topics).
auto.leader.rebalance.enable=false
# A stopped node's partitions leave the ISR quickly.
replica.lag.time.max.ms=5000
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
EOF
        if [[ $SECURITY == *sasl-scram* ]]; then
            cat <<EOF
sasl.enabled.mechanisms=$SCRAM_MECHANISM
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
        fi
        if [[ $SECURITY == *tls* ]]; then
            cat <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=$STATE_DIR/tls/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$STATE_DIR/tls/ca.pem
ssl.client.auth=requested
EOF
        fi
        if [[ $SECURITY == *oauthbearer* ]]; then
            cat <<EOF
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler
EOF
        fi
    } >"$dir/server.properties"
}

java_opts() {
    # $1: log dir. A small heap and no JMX: several nodes share a 2-core test machine.
    printf '%s\n' "-Xmx$HEAP" "-Xms128m" "-XX:+UseG1GC" "-XX:MaxGCPauseMillis=20" \
        "-Djava.awt.headless=true" "-Dlog4j2.configurationFile=$STATE_DIR/log4j2.properties" \
        "-Dkafka.logs.dir=$1"
}

format_node() {
    local n=$1 dir cp
    dir=$(node_dir "$n")
    cp=$(classpath)
    local args=(format -t "$CLUSTER_ID" -c "$dir/server.properties")
    if [[ $SECURITY == *sasl-scram* ]]; then
        args+=(--add-scram "$SCRAM_MECHANISM=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]")
    fi
    # The SCRAM password is on this command line (visible in ps) for the moment the
    # format takes: a throwaway password of a loopback test cluster.
    java -Xmx256m -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
        -cp "$cp" kafka.tools.StorageTool "${args[@]}" >"$dir/format.log" 2>&1 ||
        {
            cat "$dir/format.log" >&2
            die "formatting node $n failed"
        }
}

launch_node() {
    local n=$1 dir cp
    dir=$(node_dir "$n")
    cp=$(classpath)
    local opts
    mapfile -t opts < <(java_opts "$dir/logs")
    (
        exec nohup java "${opts[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" \
            </dev/null >>"$dir/node.log" 2>&1
    ) &
    printf '%s\n' "$!" >"$dir/pid"
}

# Waits until node N answers with WANT brokers registered (and, with a third
# argument "groups", a loaded group coordinator), or fails with its log.
wait_node() {
    local n=$1 want=$2 deadline=$((SECONDS + START_TIMEOUT)) pid dir
    dir=$(node_dir "$n")
    pid=$(<"$dir/pid")
    until probe "$(port_of PLAIN "$n")" "$want" ${3:-} 2>/dev/null; do
        if ! alive "$pid"; then
            log "node $n exited during startup; log tail:"
            tail -n 30 "$dir/node.log" "$dir/logs/server.log" >&2 2>/dev/null || true
            return 1
        fi
        if ((SECONDS >= deadline)); then
            log "node $n did not answer within ${START_TIMEOUT}s; log tail:"
            tail -n 30 "$dir/logs/server.log" >&2 2>/dev/null || true
            return 1
        fi
        sleep 0.25
    done
}

# --- commands ----------------------------------------------------------------------

cmd_start() {
    local nodes=1 security=""
    while (($#)); do
        case $1 in
            --nodes)
                nodes=${2:-}
                shift 2 || die "--nodes needs a value"
                ;;
            --nodes=*)
                nodes=${1#*=}
                shift
                ;;
            --security)
                security=${2:-}
                shift 2 || die "--security needs a value"
                ;;
            --security=*)
                security=${1#*=}
                shift
                ;;
            *) die "unknown start option: $1" ;;
        esac
    done
    [[ $nodes =~ ^[1-9]$ ]] || die "--nodes must be 1 to 9, not '$nodes'"
    local s
    for s in ${security//,/ }; do
        [[ $s == sasl-scram || $s == tls || $s == oauthbearer || $s == plaintext ]] ||
            die "--security takes sasl-scram, tls, oauthbearer (comma separated), not '$s'"
    done

    if cluster_running; then
        [[ $NODES == "$nodes" && $SECURITY == "$security" ]] ||
            die "a cluster of $NODES node(s), security '${SECURITY:-none}', already runs in $STATE_DIR; stop it first"
        log "already running in $STATE_DIR"
        print_lines
        return
    fi
    command -v java >/dev/null || die "a JDK 17+ (java) is needed to run Apache Kafka"
    classpath >/dev/null

    if [[ -d $STATE_DIR && ! -f $MARKER && -n $(ls -A "$STATE_DIR") ]]; then
        die "$STATE_DIR is not empty and was not created by this script; refusing to wipe it"
    fi
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR"
    touch "$MARKER"

    NODES=$nodes
    SECURITY=$security
    CLUSTER_ID=$(java -Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$(classpath)" \
        kafka.tools.StorageTool random-uuid | tail -n 1) || die "StorageTool random-uuid failed"
    [[ -n $CLUSTER_ID ]] || die "StorageTool random-uuid printed nothing"
    SCRAM_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    local per_node=5 ports n
    mapfile -t ports < <(free_ports $((nodes * per_node)))
    ((${#ports[@]} == nodes * per_node)) || die "could not find $((nodes * per_node)) free loopback ports"
    {
        printf 'NODES=%q\nSECURITY=%q\nCLUSTER_ID=%q\nSCRAM_PASSWORD=%q\n' \
            "$NODES" "$SECURITY" "$CLUSTER_ID" "$SCRAM_PASSWORD"
        for ((n = 1; n <= nodes; n++)); do
            local i=$(((n - 1) * per_node)) plain=${ports[$(((n - 1) * per_node))]}
            if ((n == 1)) && [[ -n ${KAFTOP_BROKER_PORT:-} ]]; then
                plain=$KAFTOP_BROKER_PORT
            fi
            printf 'PORT_PLAIN_%s=%s\nPORT_CTRL_%s=%s\nPORT_SASL_%s=%s\nPORT_TLS_%s=%s\n' \
                "$n" "$plain" "$n" "${ports[$((i + 1))]}" "$n" "${ports[$((i + 2))]}" \
                "$n" "${ports[$((i + 3))]}"
            printf 'PORT_OAUTH_%s=%s\n' "$n" "${ports[$((i + 4))]}"
        done
    } >"$ENV_FILE"
    load_env
    write_log4j
    [[ $SECURITY == *tls* ]] && make_tls

    log "starting Apache Kafka $KAFKA_VERSION: $NODES node(s), security '${SECURITY:-none}', in $STATE_DIR"
    # Interrupted while starting: stop what was started so far.
    trap 'cmd_stop; exit 130' INT TERM
    for ((n = 1; n <= NODES; n++)); do
        write_node_config "$n"
        format_node "$n"
    done
    for ((n = 1; n <= NODES; n++)); do
        launch_node "$n"
    done
    for ((n = 1; n <= NODES; n++)); do
        wait_node "$n" "$NODES" || {
            cmd_stop
            exit 1
        }
    done
    wait_node 1 "$NODES" groups || {
        cmd_stop
        exit 1
    }
    trap - INT TERM
    log "ready ($(bootstrap_of PLAIN))"
    print_lines
}

cmd_stop() {
    load_env 2>/dev/null || {
        log "no cluster in $STATE_DIR"
        return
    }
    local n pids=()
    for ((n = 1; n <= NODES; n++)); do
        if node_running "$n"; then
            pids+=("$(<"$(node_dir "$n")/pid")")
            kill -TERM "${pids[-1]}" 2>/dev/null || true
        fi
    done
    for pid in "${pids[@]}"; do
        stop_pid "$pid" 15
    done
    for ((n = 1; n <= NODES; n++)); do
        rm -f "$(node_dir "$n")/pid"
    done
    log "stopped"
}

node_arg() {
    load_env || die "no cluster in $STATE_DIR"
    [[ ${1:-} =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= NODES)) || die "node must be 1..$NODES, not '${1:-}'"
}

cmd_stop_node() {
    node_arg "${1:-}"
    local n=$1
    if ! node_running "$n"; then
        log "node $n is not running"
        return
    fi
    log "stopping node $n"
    stop_pid "$(<"$(node_dir "$n")/pid")" 30
    rm -f "$(node_dir "$n")/pid"
}

cmd_start_node() {
    node_arg "${1:-}"
    local n=$1
    if node_running "$n"; then
        log "node $n is already running"
        return
    fi
    log "starting node $n"
    launch_node "$n"
    # Back once it answers and the others see it again.
    local others=0 m
    for ((m = 1; m <= NODES; m++)); do
        node_running "$m" && others=$((others + 1))
    done
    wait_node "$n" "$others" || exit 1
    log "node $n is back"
}

cmd_status() {
    if cluster_running; then
        local n
        for ((n = 1; n <= NODES; n++)); do
            if node_running "$n"; then
                log "node $n: running (pid $(<"$(node_dir "$n")/pid"))"
            else
                log "node $n: stopped"
            fi
        done
        print_lines
    else
        echo "not running"
        exit 1
    fi
}

cmd_tool() {
    local name=${1:-} main
    shift || true
    case $name in
        kafka-consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
        kafka-topics) main=org.apache.kafka.tools.TopicCommand ;;
        kafka-configs)
            # Moved from the broker's Scala code to kafka-tools in 4.0.
            if [[ $KAFKA_VERSION == 3.* ]]; then
                main=kafka.admin.ConfigCommand
            else
                main=org.apache.kafka.tools.ConfigCommand
            fi
            ;;
        kafka-console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
        kafka-get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
        kafka-delete-records) main=org.apache.kafka.tools.DeleteRecordsCommand ;;
        kafka-share-groups) main=org.apache.kafka.tools.consumer.group.ShareGroupCommand ;;
        kafka-streams-groups) main=org.apache.kafka.tools.streams.StreamsGroupCommand ;;
        kafka-groups) main=org.apache.kafka.tools.GroupsCommand ;;
        kafka-features) main=org.apache.kafka.tools.FeatureCommand ;;
        *) die "unknown tool '$name' (kafka-consumer-groups, kafka-share-groups, kafka-streams-groups, kafka-groups, kafka-features, kafka-topics, kafka-configs, kafka-console-consumer, kafka-get-offsets, kafka-delete-records)" ;;
    esac
    exec java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$TOOLS_LOG4J" \
        -cp "$(classpath)" "$main" "$@"
}

case ${1:-} in
    start)
        shift
        cmd_start "$@"
        ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    stop-node) cmd_stop_node "${2:-}" ;;
    start-node) cmd_start_node "${2:-}" ;;
    tool)
        shift
        cmd_tool "$@"
        ;;
    classpath) classpath ;;
    *)
        echo "usage: $0 start [--nodes N] [--security sasl-scram,tls,oauthbearer] | stop | status | stop-node N | start-node N | tool NAME ARGS... | classpath" >&2
        exit 2
        ;;
esac
