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

# The browser test (tests/api/test_browser.py) drives Debian's chromium through Playwright's Python
# package; nothing is downloaded by Playwright. Installed once, from the distribution's archive.
setup_chromium() {
    if [ -x /usr/bin/chromium ] || ! command -v apt-get >/dev/null 2>&1; then
        return
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "dev.sh: /usr/bin/chromium missing and not root: the browser test needs it" >&2
            return
        fi
        sudo="sudo"
    fi
    echo "dev.sh: installing Debian's chromium for the browser test" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
        # A stale package list is the usual reason; a failure here leaves the browser test to say so.
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium; } \
            >/dev/null || echo "dev.sh: could not install chromium (apt-get failed)" >&2
    fi
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
        setup_chromium
        # Two processes, one test file each at a time (module fixtures stay in one process): most
        # tests are single-threaded Python, so the second core is otherwise idle. -n 0 runs serially.
        exec "$VENV/bin/python" -m pytest -n "${PASSGENAU_TEST_WORKERS:-2}" --dist loadfile "$@"
        ;;
    setup)
        setup_python
        setup_chromium
        ;;
    *)
        echo "usage: ./dev.sh demo|test|setup [args...]" >&2
        exit 2
        ;;
esac
