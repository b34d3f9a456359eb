#!/usr/bin/env bash
# Pack what a lent GPU machine lacks for scripts/gpu_checks.sh into one folder, on a machine that
# reaches PyPI (the GPU machine reaches nothing):
#   wheels/   newsie's dependencies that its image does not have (datasets and what it needs,
#             seqeval) and the transformers, tokenizers and huggingface-hub releases (with the
#             hub's own new dependencies) newsie is tested with (with
#             the image's tokenizers 0.23.2, transformers 5.24's pipeline silently drops the
#             overflowing windows of long texts); installed there with --no-deps next to the
#             image's CUDA torch, huggingface-hub, numpy, pyarrow and pandas
#   model/    the trained default model (MODEL, default models/newsie-default: run
#             scripts/quickstart.sh first) in bfloat16, its weights xz-compressed: about 33 MB
#             instead of 93, which would not fit the 64 MiB a call may carry; its encoder is
#             what the HF pipeline and bare-encoder rows run
#
#   bash scripts/gpu_bundle.sh [OUTPUT_DIR] [PYTHON_VERSION]   # default: .gpu 3.12
#
# The device tool then carries it: run `bash scripts/gpu_checks.sh $OUT` with carry [".gpu"].
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.gpu}
python_version=${2:-3.12}
python=${PYTHON:-.venv/bin/python}
model=${MODEL:-models/newsie-default}
if [[ ! -f $model/config.json ]]; then
    echo "no trained model in $model: run scripts/quickstart.sh, or set MODEL" >&2
    exit 1
fi
# The versions the project runs with here.
wheels=(
    "transformers==$("$python" -c 'import transformers; print(transformers.__version__)')"
    "tokenizers==$("$python" -c 'import tokenizers; print(tokenizers.__version__)')"
    "datasets==$("$python" -c 'import datasets; print(datasets.__version__)')"
    "dill==$("$python" -c 'import dill; print(dill.__version__)')"
    "multiprocess==$("$python" -c 'import multiprocess; print(multiprocess.__version__)')"
)
# transformers 5.25 needs huggingface-hub 2.4 (the image has 1.33), which needs these.
for package in huggingface-hub httpx2 httpcore2 truststore hf-xet click; do
    wheels+=("$package==$("$python" -m pip show "$package" | sed -n 's/^Version: //p')")
done
rm -rf "$out"
mkdir -p "$out/wheels"
"$python" -m pip download -q --no-deps --only-binary=:all: --python-version "$python_version" \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$out/wheels" "${wheels[@]}"
# seqeval is published as source only: build its (pure-Python) wheel here.
"$python" -m pip wheel -q --no-deps -w "$out/wheels" "seqeval==$("$python" -m pip show seqeval |
    sed -n 's/^Version: //p')"
"$python" - "$model" "$out/model" <<'PY'
import sys

import torch

from newsie.models import load_model_folder, save_model_folder

model, tokenizer = load_model_folder(sys.argv[1])
save_model_folder(model.to(torch.bfloat16), tokenizer, sys.argv[2])
PY
xz -T2 -6 "$out/model/model.safetensors"  # gpu_checks.sh unpacks it with Python's lzma
ls -l "$out/wheels" "$out/model"
bundle_kib=$(du -sk "$out" | cut -f1)
tree_kib=$(git ls-files -z | du -ck --files0-from=- | tail -1 | cut -f1)
echo "$out: $((bundle_kib / 1024)) MiB, with the tracked files $(((bundle_kib + tree_kib) / 1024)) MiB" \
    "of the 64 MiB a device call carries"
if ((bundle_kib + tree_kib > 62 * 1024)); then
    echo "too close to the device's 64 MiB: the call may be refused" >&2
    exit 1
fi
