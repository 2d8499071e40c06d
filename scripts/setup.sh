#!/usr/bin/env bash
# Creates .venv (if missing) and installs the pinned dependencies and veritext itself.
# Idempotent: a second run only checks that the lock is satisfied.
# requirements.lock pins the core and the dev, train and spark extras (pyspark + py4j), so the
# tests can run Spark local[2]; the editable install below adds veritext itself without resolving.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.veritext-lock
if [ ! -f "$stamp" ] || ! cmp -s requirements.lock "$stamp"; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.lock
  cp requirements.lock "$stamp"
fi
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
  || .venv/bin/python -m pip install --quiet --no-deps -e .
