#!/usr/bin/env bash
# The project's set-up and its two everyday commands (see README.md):
#   ./dev.sh demo   build the demo region and run passgenau on it end to end
#   ./dev.sh test   run the test suite (what .ci/run calls)
# Everything the project needs is installed here, into .venv, from the project's own files:
# pyproject.toml for the dependencies, constraints.txt to keep torch on the CPU build.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${PASSGENAU_VENV:-.venv}
PY=${PYTHON:-python3}

setup_python() {
    local stamp
    stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
    if [ -f "$stamp" ]; then
        return
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        echo "dev.sh: creating $VENV with $($PY --version)" >&2
        "$PY" -m venv "$VENV"
    fi
    echo "dev.sh: installing passgenau and its dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[dev]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
    demo)
        setup_python
        exec "$VENV/bin/passgenau" demo "$@"
        ;;
    test)
        setup_python
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    setup)
        setup_python
        ;;
    *)
        echo "usage: ./dev.sh demo|test|setup [args...]" >&2
        exit 2
        ;;
esac
