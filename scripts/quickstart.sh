#!/usr/bin/env bash
# The main job on a fresh machine: install, train the default model on the project's own corpus
# (CPU, about 10 minutes on 2 cores), then extract from the demo article in seeds/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/train.py --config configs/default.yaml
.venv/bin/newsie extract seeds/*.txt --model models/newsie-default --format text
