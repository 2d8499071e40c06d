#!/usr/bin/env bash
# The whole test suite: set up if needed, lint and type-check src/, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh   # Debian chromium + a CJK font for the browser and report tests
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/mypy --strict src
exec .venv/bin/pytest -p no:cacheprovider "$@"
