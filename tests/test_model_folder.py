"""Model folders under faults. Folders broken by a fixture (a file missing, a tensor removed or
reshaped, a byte altered, labels swapped, another tokenizer) are refused at load, naming the file;
a save killed at any step leaves the previous model loadable, and the files the caller keeps in
the folder (metrics, checkpoints) stay."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import newsie
from newsie.models import load_model_folder, save_model_folder, storage

WEIGHTS = "model.safetensors"
TENSOR = "encoder.encoder.layer.1.output.dense.weight"  # (hidden 32, intermediate 64)
CALLER_FILES = {"metrics.json": '{"dev": {}}\n', "README.md": "# a model card\n",
                "checkpoint-3/trainer_state.json": '{"global_step": 3}\n'}


@pytest.fixture
def folder(tiny_model_dir, tmp_path: Path) -> Path:
    """A private copy of the tiny model folder, beside nothing else in `tmp_path`."""
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


def rewrite_weights(folder: Path, change: Callable[[dict], None]) -> None:
    tensors = load_file(folder / WEIGHTS)
    change(tensors)
    save_file(tensors, folder / WEIGHTS, metadata={"format": "pt"})


def remove_tokenizer(folder: Path) -> None:
    (folder / "tokenizer.json").unlink()


def remove_tensor(folder: Path) -> None:
    rewrite_weights(folder, lambda tensors: tensors.pop(TENSOR))


def reshape_tensor(folder: Path) -> None:
    def narrow(tensors: dict) -> None:
        tensors[TENSOR] = tensors[TENSOR][:, :-1].contiguous()
    rewrite_weights(folder, narrow)


def alter_one_byte(folder: Path) -> None:
    weights = folder / WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # the last tensor's last value: the header still reads
    weights.write_bytes(bytes(data))


def swap_actor_and_location(folder: Path) -> None:
    """The same swap in config.json and schema.json: the two agree, and the heads fit."""
    def swap(schema: dict) -> None:
        types = schema["span_types"]
        a, b = types.index("ACTOR"), types.index("LOCATION")
        types[a], types[b] = types[b], types[a]
    for name, schema_of in (("config.json", lambda c: c["schema"]), ("schema.json", lambda s: s)):
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        swap(schema_of(data))
        (folder / name).write_text(json.dumps(data), encoding="utf-8")


def other_tokenizer(folder: Path) -> None:
    """A tokenizer of another vocabulary: the first 1,000 word pieces of the model's."""
    path = folder / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model"]["vocab"] = {t: i for t, i in data["model"]["vocab"].items() if i < 1000}
    path.write_text(json.dumps(data), encoding="utf-8")


def remove_manifest(folder: Path) -> None:
    (folder / "manifest.json").unlink()


# fault -> (error, message) with a manifest, and without one (None where nothing can tell)
FAULTS = {
    "tokenizer.json removed": (
        remove_tokenizer,
        (FileNotFoundError, r"model has no tokenizer\.json: without it the tokenizer"),
        (FileNotFoundError, r"model has no tokenizer\.json: without it the tokenizer"),
    ),
    "a tensor removed": (
        remove_tensor,
        (ValueError, rf"model\.safetensors has no tensor {TENSOR} \(manifest\.json lists it, "
                     r"shape \[32, 64\]\): the weights were altered or damaged; copy"),
        (ValueError, rf"model\.safetensors does not fit .*\({TENSOR} is missing\): newsie never "
                     "runs with randomly initialised weights"),
    ),
    "a tensor reshaped": (
        reshape_tensor,
        (ValueError, rf"model\.safetensors holds {TENSOR} in shape \[32, 63\], saved as "
                     r"\[32, 64\]"),
        (ValueError, rf"{TENSOR} has shape \[32, 63\] where config\.json needs \[32, 64\]"),
    ),
    "one byte of the weights altered": (
        alter_one_byte,
        (ValueError, r"model\.safetensors is not the file that was saved .* altered or damaged "
                     "after saving; copy the whole model folder again"),
        None,
    ),
    "ACTOR and LOCATION swapped in config.json and schema.json": (
        swap_actor_and_location,
        (ValueError, r"schema\.json is not the file that was saved"),
        None,
    ),
    "another tokenizer": (
        other_tokenizer,
        (ValueError, r"tokenizer\.json is not the file that was saved"),
        (ValueError, r"tokenizer\.json: the tokenizer has 1000 tokens, but the encoder's "
                     "embedding has 30522 rows"),
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_broken_folder_is_refused_naming_the_file(folder: Path, fault: str):
    damage, (error, message), _ = FAULTS[fault]
    load_model_folder(folder)  # the copy loads before the fault
    damage(folder)
    with pytest.raises(error, match=message):
        load_model_folder(folder)


@pytest.mark.parametrize("fault", [f for f, (*_, unverified) in FAULTS.items() if unverified])
def test_without_a_manifest_the_tensor_and_tokenizer_checks_still_refuse(
        folder: Path, fault: str):
    damage, _, (error, message) = FAULTS[fault]
    damage(folder)
    remove_manifest(folder)
    with pytest.raises(error, match=message):
        load_model_folder(folder)


def test_a_folder_without_a_manifest_loads_with_a_warning(folder: Path, tiny_model, caplog):
    remove_manifest(folder)
    with caplog.at_level(logging.WARNING, logger="newsie"):
        model, _ = load_model_folder(folder)
    assert "has no manifest.json" in caplog.text and "cannot be checked" in caplog.text
    assert torch.equal(model.tagger.weight, tiny_model[0].tagger.weight)


def test_a_folder_with_a_manifest_loads_without_a_warning(folder: Path, caplog):
    with caplog.at_level(logging.WARNING, logger="newsie"):
        load_model_folder(folder)
    assert "manifest" not in caplog.text


def test_the_manifest_lists_what_the_save_wrote(folder: Path, tiny_model):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["newsie_version"] == newsie.__version__
    assert {WEIGHTS, "schema.json", "tokenizer.json"} <= set(manifest["files"])
    for name, entry in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}, name
    state = tiny_model[0].state_dict()
    assert manifest["tensors"] == {name: list(state[name].shape) for name in state}


def edit_config(folder: Path, change: Callable[[dict], None]) -> None:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    change(config)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def test_decoding_settings_in_config_json_stay_editable(folder: Path):
    edit_config(folder, lambda config: config.update(relation_threshold=0.8))
    model, _ = load_model_folder(folder)
    assert model.config.relation_threshold == 0.8


def test_an_edit_to_what_the_weights_mean_is_refused(folder: Path):
    edit_config(folder, lambda config: config["encoder"].update(hidden_act="relu"))
    with pytest.raises(ValueError, match=r"config\.json: encoder, schema, use_casing, casing_dim, "
                                         "relation_hidden differ from what was saved"):
        load_model_folder(folder)


# Saving over a model.

def add_caller_files(folder: Path) -> None:
    for name, text in CALLER_FILES.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def assert_caller_files_intact(folder: Path) -> None:
    for name, text in CALLER_FILES.items():
        assert (folder / name).read_text(encoding="utf-8") == text, name


def another_model(tiny_model):
    """The tiny model with its tagger's bias raised by one: tells the new save from the old."""
    model, tokenizer = tiny_model
    model = copy.deepcopy(model)
    with torch.no_grad():
        model.tagger.bias += 1.0
    return model, tokenizer


def saved_bias_shift(folder: Path, tiny_model) -> float:
    """How far the saved tagger bias lies from the tiny model's: 0 for the old model, 1 for the
    new one."""
    model, _ = load_model_folder(folder)
    return round((model.tagger.bias - tiny_model[0].tagger.bias).mean().item(), 4)


def leftovers(folder: Path) -> list[str]:
    """Whatever a save left beside or inside `folder` besides the model and the caller's files."""
    beside = [p.name for p in folder.parent.iterdir() if p != folder]
    inside = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    return beside + inside


def test_saving_over_a_model_keeps_the_callers_files_and_drops_the_old_model_files(
        folder: Path, tiny_model):
    add_caller_files(folder)
    # A tokenizer file of the previous model, which the new tokenizer does not write.
    (folder / "vocab.txt").write_text("[PAD]\n", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["vocab.txt"] = {"bytes": 6, "sha256": hashlib.sha256(b"[PAD]\n").hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert saved_bias_shift(folder, tiny_model) == 0.0

    assert save_model_folder(*another_model(tiny_model), folder) == folder
    assert saved_bias_shift(folder, tiny_model) == 1.0
    assert_caller_files_intact(folder)
    assert not (folder / "vocab.txt").exists()
    assert leftovers(folder) == []


KILLED_SAVE = """
import os, signal, sys
import torch
from newsie.models import load_model_folder, save_model_folder, storage

folder, function, when = sys.argv[1:]
model, tokenizer = load_model_folder(folder)
with torch.no_grad():
    model.tagger.bias += 1.0
original = getattr(storage, function)

def killed(*args, **kwargs):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

setattr(storage, function, killed)
save_model_folder(model, tokenizer, folder)
"""


@pytest.mark.parametrize(("function", "when", "shift"), [
    ("write_manifest", "before", 0.0),  # the new files half written
    ("_link_or_copy", "before", 0.0),  # the caller's files half carried over
    ("_exchange", "before", 0.0),  # the new folder complete, not yet in place
    ("_exchange", "after", 1.0),  # swapped; the previous folder not yet removed
])
def test_a_save_killed_at_any_step_leaves_a_complete_model(
        folder: Path, tiny_model, function: str, when: str, shift: float):
    add_caller_files(folder)
    done = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(folder), function, when],
                          capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert saved_bias_shift(folder, tiny_model) == shift
    assert_caller_files_intact(folder)
    assert leftovers(folder)  # the killed save's folder, which the next save removes
    save_model_folder(*tiny_model, folder)
    assert leftovers(folder) == [] and saved_bias_shift(folder, tiny_model) == 0.0
    assert_caller_files_intact(folder)


def test_a_save_that_fails_leaves_the_previous_model_and_nothing_else(
        folder: Path, tiny_model, monkeypatch):
    add_caller_files(folder)

    def fail(*_):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(storage, "_exchange", fail)
    with pytest.raises(OSError, match="No space left"):
        save_model_folder(*another_model(tiny_model), folder)
    assert saved_bias_shift(folder, tiny_model) == 0.0
    assert_caller_files_intact(folder)
    assert leftovers(folder) == []


def test_a_new_folder_is_created_whole(tmp_path: Path, tiny_model):
    folder = tmp_path / "models" / "new"
    save_model_folder(*another_model(tiny_model), folder)
    assert saved_bias_shift(folder, tiny_model) == 1.0
    assert leftovers(folder) == []


def fail_on(monkeypatch, name: str, hits: Callable[[Path, Path], bool]) -> None:
    """Make `os.NAME` raise on every call whose (source, destination) `hits` picks."""
    original = getattr(os, name)

    def failing(source, destination, *args, **kwargs):
        if hits(Path(source), Path(destination)):
            raise OSError(5, "Input/output error")
        return original(source, destination, *args, **kwargs)
    monkeypatch.setattr(os, name, failing)


def test_where_folders_cannot_be_swapped_the_previous_one_is_set_aside_and_recovered(
        folder: Path, tiny_model, monkeypatch):
    add_caller_files(folder)
    monkeypatch.setattr(storage, "_exchange", lambda *_: False)
    save_model_folder(*another_model(tiny_model), folder)
    assert saved_bias_shift(folder, tiny_model) == 1.0
    assert_caller_files_intact(folder)
    assert leftovers(folder) == []

    # Interrupted between setting the previous folder aside and moving the new one in.
    fail_on(monkeypatch, "rename", lambda source, destination: destination == folder)
    with pytest.raises(OSError, match="Input/output error"):
        save_model_folder(*tiny_model, folder)
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match=r"a save into it was interrupted, and the previous "
                                                r"model is in .*\.model\.newsie-previous-\w+: "
                                                "rename that folder to"):
        load_model_folder(folder)
    save_model_folder(*tiny_model, folder)  # puts the previous folder back first
    assert saved_bias_shift(folder, tiny_model) == 0.0
    assert_caller_files_intact(folder)
    assert leftovers(folder) == []


def test_a_folder_saved_in_place_keeps_the_callers_files(folder: Path, tiny_model, monkeypatch,
                                                        caplog):
    add_caller_files(folder)
    monkeypatch.setattr(storage, "_can_swap", lambda _: False)
    with caplog.at_level(logging.WARNING, logger="newsie"):
        save_model_folder(*another_model(tiny_model), folder)
    assert "cannot be replaced in one step" in caplog.text
    assert saved_bias_shift(folder, tiny_model) == 1.0
    assert_caller_files_intact(folder)
    assert leftovers(folder) == []


@pytest.mark.parametrize("with_manifest", [True, False])
def test_an_in_place_save_interrupted_half_way_is_refused_not_mixed(
        folder: Path, tiny_model, monkeypatch, with_manifest: bool):
    if not with_manifest:  # a folder saved by an older newsie
        remove_manifest(folder)
    monkeypatch.setattr(storage, "_can_swap", lambda _: False)
    # The new manifest and config.json are in place, the new weights not yet.
    fail_on(monkeypatch, "replace", lambda source, destination: destination.name == WEIGHTS)
    with pytest.raises(OSError, match="Input/output error"):
        save_model_folder(*another_model(tiny_model), folder)
    monkeypatch.undo()
    with pytest.raises(ValueError, match=r"model\.safetensors is not the file that was saved"):
        load_model_folder(folder)


def test_a_path_that_is_a_file_is_refused(tmp_path: Path, tiny_model):
    (tmp_path / "model").write_text("not a folder", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="model exists and is not a folder"):
        save_model_folder(*tiny_model, tmp_path / "model")


def test_extra_files_are_saved_with_the_model_and_stay_editable(folder: Path, tiny_model):
    add_caller_files(folder)
    card = "# the new model's card\n"
    save_model_folder(*another_model(tiny_model), folder, extra_files={"README.md": card})
    assert (folder / "README.md").read_text(encoding="utf-8") == card  # not the carried-over one
    assert (folder / "metrics.json").read_text(encoding="utf-8") == CALLER_FILES["metrics.json"]
    (folder / "README.md").write_text("# edited by hand\n", encoding="utf-8")
    assert saved_bias_shift(folder, tiny_model) == 1.0
