#!/usr/bin/env bash
# Install (if needed) and run the whole test suite, offline, on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest -q "$@"
