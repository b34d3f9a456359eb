#!/usr/bin/env bash
# The GPU rows of docs/performance.md, at bf16 on one CUDA GPU, with the trained default model at
# its own windows (128 tokens, stride 32) on DOCS (default 400) generated documents:
#   speed      speed-256, then speed-64
#   speed-256  newsie (one process, and 8 worker processes), the HF pipeline and the bare
#              encoder, each as tokens/s and docs/s, at 256 windows a batch, with --profile:
#              newsie's time by part, its host side with the encoder replayed, the tokenizer alone
#   speed-64   the same at 64 windows a batch, without --profile
#   train      training throughput against a plain Trainer
# On an H200 with 800 documents speed-256 took about 5 minutes; with 400, speed takes about as
# long in all.
#
#   bash scripts/gpu_checks.sh [OUTPUT_DIR] [speed|speed-256|speed-64|train|all]
#   (default: runs/gpu speed)
#
# It needs a Python with a CUDA build of torch (PYTHON, default python3); newsie itself is read
# from src/. No network is used. On a lent device machine, which lacks some of newsie's
# dependencies and the model, first pack them here with `bash scripts/gpu_bundle.sh` and carry
# the folder it writes (.gpu, or NEWSIE_GPU_BUNDLE): its wheels are installed into a temporary
# folder and its model is the one timed. Without a bundle, MODEL (default models/newsie-default).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/gpu}
part=${2:-speed}
case "$part" in
    all|speed) batches=(256 64) ;;
    speed-256) batches=(256) ;;
    speed-64) batches=(64) ;;
    train) batches=() ;;
    *) echo "unknown part '$part': speed, speed-256, speed-64, train or all" >&2; exit 2 ;;
esac
python=${PYTHON:-python3}
bundle=${NEWSIE_GPU_BUNDLE:-.gpu}
model=${MODEL:-models/newsie-default}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
# transformers 5.25 turns Hub kernels on by default and fails without the `kernels` package
# (the image lacks it; they would be downloaded from the Hub, which the machine cannot reach).
export USE_HUB_KERNELS=0
if [[ -d $bundle ]]; then
    site=$(mktemp -d)
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" \
        "$bundle"/wheels/*.whl
    export PYTHONPATH="$PYTHONPATH:$site"  # after src/, before the image's own packages
    "$python" - "$bundle/model" "$site/model" <<'PY'
import lzma, shutil, sys
from pathlib import Path

packed, unpacked = Path(sys.argv[1]), Path(sys.argv[2])
shutil.copytree(packed, unpacked, ignore=shutil.ignore_patterns("*.xz"))
with lzma.open(packed / "model.safetensors.xz") as source:
    with open(unpacked / "model.safetensors", "wb") as target:
        shutil.copyfileobj(source, target)
PY
    model=$site/model
fi
mkdir -p "$out"
"$python" - <<'PY'
import datasets, seqeval, torch, transformers  # noqa: E401, F401  fail here, early

assert torch.cuda.is_available(), f"torch {torch.__version__} sees no CUDA GPU"
print(f"torch {torch.__version__}, transformers {transformers.__version__}, datasets "
      f"{datasets.__version__}, {torch.cuda.get_device_name()}", flush=True)
PY
common=(--device cuda --model "$model" --max-length 128 --stride 32 --docs "${DOCS:-400}")
for batch in "${batches[@]}"; do
    profile=()
    [[ $batch == 256 ]] && profile=(--profile)
    "$python" scripts/benchmark.py "${common[@]}" --batch-size "$batch" --n-process 8 \
        "${profile[@]}" --json "$out/speed-$batch.json" | tee "$out/speed-$batch.txt"
done
if [[ $part == train || $part == all ]]; then
    "$python" scripts/benchmark.py --device cuda --train --train-steps 40 --train-batch-size 32 \
        --model "$model" --json "$out/train.json" | tee "$out/train.txt"
fi
