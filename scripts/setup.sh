#!/usr/bin/env bash
# Set up whatever is missing, idempotently: the .venv with its packages, and (with --test)
# the system packages the tests drive (Debian's chromium, nginx) and a running PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

PY=${PYTHON:-python3.11}

# pip, without the machine's notices about package-index folders that do not exist
# ("WARNING: Location 'file:///…' is ignored"): they say nothing about this project and would
# bury the lines a person needs. Every other line, and pip's exit status, comes through.
pip_install() {
    .venv/bin/pip install -q --disable-pip-version-check "$@" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PY" -m venv .venv
fi

# torch first, pinned to the CPU wheel on this machine's disk: a plain `torch` requirement
# would pull a multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    echo "setup: installing torch==2.13.0 (CPU; first run only, about a minute)"
    pip_install torch==2.13.0
fi

stamp=".venv/.setup-stamp"
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    echo "setup: installing the project and its dependencies (first run only, a few minutes)"
    pip_install -e '.[dev]'
    echo "$digest" > "$stamp"
fi

if [ "$want_test" = 1 ]; then
    missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -x /usr/sbin/nginx ] || missing+=(nginx)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "setup: installing ${missing[*]} from Debian's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # The tests use the local PostgreSQL server (trust auth, database `test`).
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        if command -v pg_ctlcluster >/dev/null 2>&1; then
            echo "setup: starting PostgreSQL"
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        fi
    fi
fi
