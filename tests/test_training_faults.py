"""Fault injection in training: SIGKILL while a checkpoint is saved, checkpoints broken by a
fixture, a second run with another recipe or other data in the same folder, empty splits."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARTICLES, make_document
from safetensors.torch import load_file

import newsie
from newsie.cli import main
from newsie.corpus import write_jsonl
from newsie.data import Document
from newsie.schema import DEFAULT_SCHEMA
from newsie.training import Recipe, load_recipe, train
from newsie.training.checkpoints import (
    RUN_RECORD,
    STAGING_FOLDER,
    ResumeMismatch,
    resume_point,
    run_settings,
)

DOCUMENTS = [make_document(m, r, f"doc-{i}") for i, (m, r) in enumerate(ARTICLES)]

RECIPE = """\
model:
  encoder: {encoder}
  max_length: 64
  stride: 16
data:
  data_dir: data
  train: [train.jsonl]
  dev: [dev.jsonl]
training:
  output_dir: {output_dir}
  max_steps: 4
  per_device_train_batch_size: 1
  logging_steps: 1
  eval_strategy: steps
  save_strategy: steps
  eval_steps: 2
  save_steps: 2
  load_best_model_at_end: true
  keep_checkpoints: true
  disable_tqdm: true
"""

# Run in a child process: SIGKILL once checkpoint-4's weights, optimizer and scheduler are
# written, before its RNG state and trainer_state.json are.
KILL_WHILE_SAVING = """
import os, signal, sys
from newsie.training import load_recipe, train
from newsie.training.trainer import NewsieTrainer

save_rng_state = NewsieTrainer._save_rng_state

def killed_at_step_4(self, output_dir):
    if self.state.global_step == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    save_rng_state(self, output_dir)

NewsieTrainer._save_rng_state = killed_at_step_4
train(load_recipe(sys.argv[1]))
"""


def write_run(root: Path, encoder: Path, train_docs: list[Document], dev_docs: list[Document]):
    """A recipe training into root/model on train_docs and dev_docs (in root/data)."""
    write_jsonl(train_docs, root / "data" / "train.jsonl")
    write_jsonl(dev_docs, root / "data" / "dev.jsonl")
    path = root / "recipe.yaml"
    path.write_text(RECIPE.format(encoder=encoder, output_dir=root / "model"), encoding="utf-8")
    return path


@dataclass
class KilledRun:
    recipe: Path
    output_dir: Path
    complete: Path  # a copy of checkpoint-2, whole, taken right after the kill


@pytest.fixture(scope="module")
def killed(tmp_path_factory, tiny_encoder_dir) -> KilledRun:
    root = tmp_path_factory.mktemp("killed")
    recipe = write_run(root, tiny_encoder_dir, DOCUMENTS, DOCUMENTS)
    src = str(Path(newsie.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", KILL_WHILE_SAVING, str(recipe)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]
    complete = shutil.copytree(root / "model" / "checkpoint-2", root / "complete")
    return KilledRun(recipe, root / "model", complete)


def settings_of(recipe: Recipe) -> dict:
    return run_settings(recipe, DEFAULT_SCHEMA, recipe.data.load("train"),
                        recipe.data.load("dev"))


def folder_with_checkpoint(killed: KilledRun, folder: Path, step: int = 2) -> Path:
    """`folder` holding the killed run's complete checkpoint-2 as checkpoint-`step`."""
    shutil.copytree(killed.complete, folder / f"checkpoint-{step}")
    return folder


def logged_steps(checkpoint: Path) -> list[int]:
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    return [entry["step"] for entry in state["log_history"] if "loss" in entry]


# --- a kill while a checkpoint is saved --------------------------------------------------------


def test_a_kill_while_saving_leaves_no_partial_checkpoint_and_the_rerun_finishes(killed, caplog):
    out = killed.output_dir
    # What the kill left: checkpoint-2 whole; checkpoint-4 half written, in the staging folder.
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2"]
    assert (out / "checkpoint-2" / "trainer_state.json").is_file()
    assert (out / "checkpoint-2" / RUN_RECORD).is_file()
    state = json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())
    assert state["best_model_checkpoint"] == str(out / "checkpoint-2")  # not the staging path
    unfinished = out / STAGING_FOLDER / "checkpoint-4"
    assert (unfinished / "model.safetensors").is_file()
    assert not (unfinished / "trainer_state.json").exists()
    # A partial checkpoint beside the complete one, as a kill in an older newsie left them.
    partial = out / "checkpoint-3"
    partial.mkdir()
    shutil.copy(out / "checkpoint-2" / "model.safetensors", partial)

    rerun = load_recipe(killed.recipe, ["training.logging_steps=2"])  # may differ on resume
    with caplog.at_level(logging.WARNING, logger="newsie"):
        run = train(rerun)

    assert f"removing {out / STAGING_FOLDER}: a checkpoint save was interrupted" in caplog.text
    assert (f"skipping {partial}: incomplete (no trainer_state.json), left by an interrupted "
            "save; removing it") in caplog.text
    assert f"resuming from {out / 'checkpoint-2'}" in caplog.text
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["checkpoint-2", "checkpoint-4"]
    assert logged_steps(out / "checkpoint-4") == [1, 2, 3, 4]  # 1-2 before the kill, 3-4 after
    assert (out / "model.safetensors").is_file() and run.metrics["micro_f1"] >= 0.0


@pytest.mark.parametrize("damage, reason", [
    (lambda c: (c / "trainer_state.json").unlink(), "no trainer_state.json"),
    (lambda c: (c / "model.safetensors").unlink(), "model.safetensors missing or cut short"),
    (lambda c: os.truncate(c / "optimizer.pt", 100), "optimizer.pt missing or cut short"),
    (lambda c: (c / RUN_RECORD).write_text("{"), f"{RUN_RECORD} unreadable"),
])
def test_a_damaged_checkpoint_is_skipped_for_the_last_whole_one(killed, tmp_path, caplog, damage,
                                                                  reason):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    damaged = folder_with_checkpoint(killed, out, step=6) / "checkpoint-6"
    damage(damaged)
    recipe = load_recipe(killed.recipe, output_dir=str(out))
    with caplog.at_level(logging.WARNING, logger="newsie"):
        assert resume_point(recipe.training, settings_of(recipe)) == str(out / "checkpoint-2")
    assert f"skipping {damaged}: incomplete ({reason})" in caplog.text
    assert not damaged.exists()


def test_with_no_whole_checkpoint_training_starts_afresh(killed, tmp_path, caplog):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    (out / "checkpoint-2" / "trainer_state.json").unlink()
    recipe = load_recipe(killed.recipe, output_dir=str(out))
    with caplog.at_level(logging.WARNING, logger="newsie"):
        assert resume_point(recipe.training, settings_of(recipe)) is None
    assert f"no complete checkpoint in {out}: training starts afresh" in caplog.text


def test_a_checkpoint_without_a_run_record_is_resumed_only_when_named(killed, tmp_path, caplog):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    (out / "checkpoint-2" / RUN_RECORD).unlink()  # as an earlier newsie wrote checkpoints
    recipe = load_recipe(killed.recipe, output_dir=str(out))
    with pytest.raises(ResumeMismatch, match=rf"has no {RUN_RECORD}.*cannot be checked.*"
                       r"training.resume=never.*training.resume_from_checkpoint="):
        resume_point(recipe.training, settings_of(recipe))
    named = load_recipe(killed.recipe, [f"training.resume_from_checkpoint={out / 'checkpoint-2'}"],
                        output_dir=str(out))
    with caplog.at_level(logging.WARNING, logger="newsie"):
        assert resume_point(named.training, settings_of(named)) == str(out / "checkpoint-2")
    assert "is not checked" in caplog.text


def test_a_named_incomplete_checkpoint_is_an_error(killed, tmp_path):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    (out / "checkpoint-2" / "trainer_state.json").unlink()
    named = load_recipe(killed.recipe, [f"training.resume_from_checkpoint={out / 'checkpoint-2'}"],
                        output_dir=str(out))
    with pytest.raises(ValueError, match=r"resume_from_checkpoint: .*checkpoint-2 cannot be "
                       r"resumed from \(no trainer_state.json\)"):
        resume_point(named.training, settings_of(named))


# --- a second run with another recipe or other data --------------------------------------------


@pytest.mark.parametrize("overrides, differs", [
    (["training.seed=7"], "training.seed: 42 in checkpoint-2, 7 now"),
    (["training.learning_rate=1e-4"], "training.learning_rate: 5e-05 in checkpoint-2, 0.0001 now"),
    (["training.head_learning_rate=0.01"], "training.head_learning_rate: 0.001 in checkpoint-2"),
    (["training.max_steps=6"], "training.max_steps: 4 in checkpoint-2, 6 now"),
    (["training.per_device_train_batch_size=2"], "per_device_train_batch_size: 1 in checkpoint-2"),
    (["model.stride=8"], "model.stride: 16 in checkpoint-2, 8 now"),
])
def test_another_recipe_is_not_resumed(killed, tmp_path, overrides, differs):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    with pytest.raises(ResumeMismatch) as caught:
        train(load_recipe(killed.recipe, overrides, output_dir=str(out)))
    message = str(caught.value)
    assert f"{out / 'checkpoint-2'} is a checkpoint of another run" in message
    assert differs in message and message.count(" now\n") == 1  # only what differs
    assert "training.resume=never" in message and "another output_dir" in message
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint-2"]  # nothing trained or saved


def test_other_data_is_not_resumed(killed, tmp_path, capsys):
    out = folder_with_checkpoint(killed, tmp_path / "model")
    write_jsonl(DOCUMENTS[:2], tmp_path / "other" / "train.jsonl")
    write_jsonl(DOCUMENTS, tmp_path / "other" / "dev.jsonl")
    code = main(["train", "--config", str(killed.recipe), "--output-dir", str(out),
                 "--data-dir", str(tmp_path / "other")])
    err = capsys.readouterr().err
    assert code == 2 and "newsie train: error: " in err and "Traceback" not in err
    assert "data.train: '3 documents, sha256 " in err and "'2 documents, sha256 " in err
    assert "data.dev" not in err  # the same documents, in another folder


def test_settings_that_do_not_change_the_weights_may_differ(killed, tmp_path):
    out = folder_with_checkpoint(killed, tmp_path / "elsewhere")
    moved = shutil.copytree(killed.recipe.parent / "data", tmp_path / "moved-data")
    recipe = load_recipe(killed.recipe, [
        "training.logging_steps=7", "training.save_total_limit=3", "training.report_to=none",
        "training.dataloader_num_workers=2", "training.per_device_eval_batch_size=4",
        "training.keep_checkpoints=false", "training.disable_tqdm=false",
    ], output_dir=str(out), data_dir=str(moved))
    assert resume_point(recipe.training, settings_of(recipe)) == str(out / "checkpoint-2")


def test_resume_never_starts_afresh_where_another_run_left_checkpoints(killed, tmp_path, caplog):
    out = folder_with_checkpoint(killed, tmp_path / "model", step=6)
    recipe = load_recipe(killed.recipe, ["training.seed=7", "training.resume=never"],
                         output_dir=str(out))
    with caplog.at_level(logging.WARNING, logger="newsie"):
        train(recipe)
    assert f"removed 1 checkpoint(s) of an earlier run from {out}" in caplog.text
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]
    record = json.loads((out / "checkpoint-4" / RUN_RECORD).read_text())
    assert record["settings"]["training"]["seed"] == 7
    assert logged_steps(out / "checkpoint-4") == [1, 2, 3, 4]


# --- empty splits ------------------------------------------------------------------------------


def test_an_empty_train_split_is_an_error_naming_its_corpora(tmp_path, tiny_encoder_dir):
    recipe = write_run(tmp_path, tiny_encoder_dir, [], DOCUMENTS)
    with pytest.raises(ValueError, match=rf"{recipe}: data.train \('train.jsonl' at "
                       rf"{tmp_path / 'data' / 'train.jsonl'}\) holds no documents"):
        train(load_recipe(recipe))
    assert not (tmp_path / "model").exists()


def test_an_empty_dev_split_saves_the_last_steps_model_and_says_so(tmp_path, tiny_encoder_dir,
                                                                   caplog):
    recipe = write_run(tmp_path, tiny_encoder_dir, DOCUMENTS, [])
    with caplog.at_level(logging.WARNING, logger="newsie"):
        run = train(load_recipe(recipe))
    assert ("data.dev ('dev.jsonl' at " f"{tmp_path / 'data' / 'dev.jsonl'}) holds no documents: "
            "no dev score (metric_for_best_model 'micro_f1') chooses the model, so the model "
            "saved is the one after the last training step") in caplog.text
    out = tmp_path / "model"
    assert run.metrics == {} and json.loads((out / "metrics.json").read_text()) == {"dev": {}}
    final, first, last = (load_file(folder / "model.safetensors") for folder in
                          (out, out / "checkpoint-2", out / "checkpoint-4"))
    assert all(final[name].equal(last[name]) for name in last)
    assert not all(final[name].equal(first[name]) for name in first)  # not the first checkpoint


def test_save_strategy_best_needs_dev_documents(tmp_path, tiny_encoder_dir):
    recipe = write_run(tmp_path, tiny_encoder_dir, DOCUMENTS, [])
    with pytest.raises(ValueError, match="save_strategy=best .* data.dev holds no documents"):
        train(load_recipe(recipe, ["training.save_strategy=best",
                                   "training.load_best_model_at_end=false"]))
