#!/usr/bin/env bash
# The main job (for now): set up if needed, then check the sample messages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/veritext demo "$@"
