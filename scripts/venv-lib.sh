# Sourced by scripts/*-venv.sh: creates a Python virtualenv once, whatever runs at once.
#   venv_ensure NAME DIR READY PIP_ARG...
# Unless the command READY succeeds, creates the venv DIR and pip-installs PIP_ARG...
# into it. One creator at a time, under a lock beside DIR: tests run these scripts
# from several threads, and each `python3 -m venv` (re)installs pip, so a creator
# beside another can find bin/pip gone for a moment ("bin/pip: No such file or
# directory"), or a reader a venv half built.
venv_ensure() {
    local name=$1 dir=$2 ready=$3
    shift 3
    "$ready" && return
    mkdir -p "$(dirname "$dir")"
    exec 9>"$dir.lock"
    flock 9
    if ! "$ready"; then
        if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
            printf '%s: python3-venv is missing: run scripts/setup.sh\n' "$name" >&2
            exit 1
        fi
        printf '%s: creating %s with %s\n' "$name" "$dir" "$*" >&2
        python3 -m venv "$dir" >&2
        "$dir/bin/pip" install -q --disable-pip-version-check "$@" >&2
    fi
    flock -u 9
}
