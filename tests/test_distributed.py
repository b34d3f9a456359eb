"""Training with DDP: `torchrun --nproc_per_node 2 scripts/train.py` on CPU (gloo) trains one
model, saved once, in the same model folder as one process would write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed
from safetensors.torch import load_file
from test_training_faults import DOCUMENTS, write_run

import newsie
from newsie.extractor import Extractor
from newsie.training.checkpoints import RUN_RECORD

REPO = Path(__file__).resolve().parents[1]


def torchrun(recipe: Path, *arguments: str) -> subprocess.CompletedProcess:
    """`torchrun --nproc_per_node 2 scripts/train.py --config recipe ...arguments`, finished."""
    src = str(Path(newsie.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",  # the processes share the CPU
    }
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--standalone", str(REPO / "scripts" / "train.py"), "--config", str(recipe),
               *arguments]
    child = subprocess.run(command, env=env, cwd=recipe.parent, capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    return child


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_encoder_dir) -> tuple[Path, subprocess.CompletedProcess]:
    """A recipe (4 steps, checkpoints every 2, kept) trained by 2 processes; its model folder."""
    root = tmp_path_factory.mktemp("ddp")
    recipe = write_run(root, tiny_encoder_dir, DOCUMENTS, DOCUMENTS)
    assert torch.distributed.is_gloo_available()
    return recipe, torchrun(recipe)


def test_two_processes_train_one_model_folder(trained):
    recipe, child = trained
    assert child.stdout.count("saved model to") == 1  # one process reports, as it alone saved
    # Every process loads the committed best checkpoint at the end, not the staging folder.
    assert "Could not locate the best model" not in child.stderr

    model_dir = recipe.parent / "model"
    last = model_dir / "checkpoint-4"
    record = json.loads((last / RUN_RECORD).read_text(encoding="utf-8"))
    assert record["settings"]["training"]["world_size"] == 2
    assert {"rng_state_0.pth", "rng_state_1.pth"} <= set(record["files"])  # both ranks saved
    assert not (model_dir / "tmp-checkpoint").exists()
    state = json.loads((last / "trainer_state.json").read_text(encoding="utf-8"))
    assert Path(state["best_model_checkpoint"]).parent == model_dir

    metrics = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"dev"} and "micro_f1" in metrics["dev"]
    extractor = Extractor.from_pretrained(model_dir)
    document = extractor(DOCUMENTS[0].text)
    assert document.text == DOCUMENTS[0].text
    assert "max_steps: 4" in (model_dir / "README.md").read_text(encoding="utf-8")  # the card


def test_two_processes_resume_to_the_same_weights(trained, tmp_path):
    recipe, _ = trained
    root = Path(shutil.copytree(recipe.parent, tmp_path / "run"))
    model_dir = root / "model"
    uninterrupted = load_file(model_dir / "checkpoint-4" / "model.safetensors")
    shutil.rmtree(model_dir / "checkpoint-4")  # as if killed after step 2's checkpoint
    child = torchrun(root / "recipe.yaml", "--output-dir", str(model_dir))
    assert child.stderr.count(f"resuming from {model_dir / 'checkpoint-2'}") == 2  # each process
    resumed = load_file(model_dir / "checkpoint-4" / "model.safetensors")
    assert resumed.keys() == uninterrupted.keys()
    assert all(torch.equal(resumed[name], uninterrupted[name]) for name in uninterrupted)
