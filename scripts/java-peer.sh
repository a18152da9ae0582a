#!/usr/bin/env bash
# Builds and runs the JVM test peer in tests/java-peer (the message service's own
# stack: Spring Kafka's JsonSerializer/JsonDeserializer and the seed's event classes).
#
#   scripts/java-peer.sh build        # resolve the jars (Maven, first use only) and compile
#   scripts/java-peer.sh run ARGS...  # build if needed, then run the peer with ARGS
#                                     # (produce|consume ...: see Peer.java)
#
# The build is cached under KAFTOP_JAVA_PEER_CACHE (default ~/.cache/kaftop/java-peer),
# keyed by the pom and the sources: a second build or run does not touch the network.
# Chatter goes to stderr; stdout carries only the peer's own output.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER=$ROOT/tests/java-peer
POM=$PEER/pom.xml
CACHE=${KAFTOP_JAVA_PEER_CACHE:-$HOME/.cache/kaftop/java-peer}
MAIN=dev.kaftop.peer.Peer

log() { printf 'java-peer: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# A digest of everything the build depends on (this script's javac flags included).
sources_sum() {
    (
        sha256sum <"${BASH_SOURCE[0]}"
        cd "$PEER"
        find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    ) | sha256sum | cut -d' ' -f1
}

# Prints the classpath of the pom's jars, resolving them with Maven when the pom is new
# to the cache (or a jar it names has gone). Call with the build lock held.
classpath() {
    local file
    file=$CACHE/classpath-$(sha256sum "$POM" | cut -d' ' -f1)
    if ! jars_exist "$file"; then
        command -v mvn >/dev/null || die "Maven (mvn) is needed once to resolve the peer's jars"
        log "resolving the peer's jars (Maven Central on first use)"
        mvn -q -B -Dstyle.color=never -f "$POM" dependency:build-classpath \
            -Dmdep.outputFile="$file.tmp" -Dmdep.includeScope=runtime >&2 ||
            die "mvn could not resolve $POM"
        mv "$file.tmp" "$file"
    fi
    cat "$file"
}

# True if FILE is a classpath whose jars all exist.
jars_exist() {
    local jar
    [[ -f $1 ]] || return 1
    while IFS= read -r jar; do
        [[ -f $jar ]] || return 1
    done < <(tr ':' '\n' <"$1")
}

# Prints the directory of an up-to-date build (classes/ and classpath), building it
# first if needed.
build() {
    local dir tmp
    dir=$CACHE/build-$(sources_sum)
    if [[ -d $dir/classes ]] && jars_exist "$dir/classpath"; then
        printf '%s\n' "$dir"
        return
    fi
    mkdir -p "$CACHE"
    # One build at a time (tests may run the peer from several threads).
    exec 9>"$CACHE/.lock"
    flock 9
    if ! [[ -d $dir/classes ]] || ! jars_exist "$dir/classpath"; then
        command -v javac >/dev/null || die "a JDK 17+ (javac) is needed to build the peer"
        tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
        classpath >"$tmp/classpath"
        find "$PEER/src/main/java" -name '*.java' >"$tmp/sources"
        log "compiling $PEER"
        javac -encoding UTF-8 --release 17 -Xlint:cast,divzero,empty,fallthrough,finally,overrides,rawtypes,unchecked,varargs -Werror \
            -cp "$(<"$tmp/classpath")" -d "$tmp/classes" @"$tmp/sources" >&2 ||
            die "javac failed"
        rm -rf "$dir"
        mv "$tmp" "$dir"
    fi
    flock -u 9
    printf '%s\n' "$dir"
}

case ${1:-} in
    build)
        build >/dev/null
        ;;
    run)
        shift
        dir=$(build)
        exec java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
            -Dorg.slf4j.simpleLogger.logFile=System.err \
            -cp "$dir/classes:$(<"$dir/classpath")" "$MAIN" "$@"
        ;;
    *)
        sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
