#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it, browser tests included.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# Debian's Chromium for the browser tests (never `playwright install`: it cannot download here).
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# PostgreSQL's server programs: tests/test_store_postgres.py starts a private throw-away cluster with them.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  apt_install postgresql
fi

# The tests get their own environment: the test extra (e.g. jupytext's labextension) must not land in the demo's
# .venv, where it changes what every dashboard page loads (a console error on each page, round 1).
VENV="${ALLIANCE_LENS_TEST_VENV:-.venv-test}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[test]"
# Bytecode for our modules, as pip writes it for every installed package: with PYTHONDONTWRITEBYTECODE (set
# below, and by some shells) each kernel and command the tests start would compile them from source again.
"$VENV/bin/python" -m compileall -q src >/dev/null

export PYTHONDONTWRITEBYTECODE=1
"$VENV/bin/python" -m ruff check src tests bench
"$VENV/bin/python" -m ruff format --check src tests bench
"$VENV/bin/python" -m mypy
# One worker per core, up to 4, each taking whole test files, and all browser tests on one of them, one after
# the other (tests/conftest.py): the suite waits on servers and browsers as much as it computes. `-n 0` runs it
# in one process; ALLIANCE_LENS_TEST_WORKERS sets the count.
CORES="$(nproc 2>/dev/null || echo 1)"
WORKERS="${ALLIANCE_LENS_TEST_WORKERS:-$(( CORES < 2 ? 0 : (CORES > 4 ? 4 : CORES) ))}"
exec "$VENV/bin/python" -m pytest -n "$WORKERS" --dist loadgroup "$@"
