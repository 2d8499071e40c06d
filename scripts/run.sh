#!/usr/bin/env bash
# The main job: set up if needed, then start the web app and REST API on the embedded SQLite store.
# Extra arguments go to `veritext serve` (e.g. --port 8400 --db ./my.db).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/veritext serve "$@"
