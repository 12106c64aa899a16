#!/usr/bin/env bash
# Installs alliance_lens and starts the facilitator's dashboard on a temporary copy of the sample data.
# Usage: bash scripts/demo.sh [serve args, e.g. --port 8866 --no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ALLIANCE_LENS_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e .
# Bytecode for our modules (pip writes it for installed packages, not for an editable source tree): each
# dashboard kernel then starts without compiling them, even where PYTHONDONTWRITEBYTECODE is set.
"$VENV/bin/python" -m compileall -q src >/dev/null
exec "$VENV/bin/alliance-lens" serve --demo "$@"
