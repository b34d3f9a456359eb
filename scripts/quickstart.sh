#!/usr/bin/env bash
# The main job on a fresh machine: install, train the default model on the project's own corpus
# and its real-news annotations, whose texts it reads from ../shared/data (CPU, 13 to 16 minutes
# on 2 cores by the CPU; configs/original-only.yaml needs no data folder), then extract from seeds/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/train.py --config configs/default.yaml
.venv/bin/newsie extract seeds/*.txt --model models/newsie-default --format text
