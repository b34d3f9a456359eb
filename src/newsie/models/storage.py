"""A model folder: `config.json`, `model.safetensors`, the tokenizer files, `schema.json` and
`manifest.json` (`newsie.models.manifest`).

Saving is atomic: the files are written into a new folder beside the target, which then takes
the target's place in one rename, so a kill at any moment leaves the previous model or the new
one, complete. Files the caller keeps in the folder (metrics, a model card, checkpoints) carry
over. Loading refuses a folder that would answer wrongly: files missing or changed since the save,
a schema that does not fit the heads, a tensor missing or of another shape (never a randomly
initialised weight), a tokenizer that is not the encoder's. Weights load from safetensors only.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch
from transformers import AutoTokenizer

from newsie.models.configuration import NewsieConfig
from newsie.models.manifest import (
    MANIFEST_NAME,
    WEIGHTS_NAME,
    manifest_files,
    tensor_shapes,
    verify_manifest,
    write_manifest,
)
from newsie.models.modeling import NewsieModel
from newsie.schema import LabelSchema

logger = logging.getLogger(__name__)

SCHEMA_NAME = "schema.json"
TOKENIZER_NAME = "tokenizer.json"
# Embedding matrices are often padded a little past the vocabulary (DeBERTa-v3: 128,001 tokens,
# 128,100 rows); another encoder's tokenizer, or one rebuilt without tokenizer.json, is far off.
_VOCABULARY_SLACK = 0.02
_SAVING = "newsie-saving-"  # a folder being written, or a replaced one not yet removed
_PREVIOUS = "newsie-previous-"  # the replaced folder, where folders cannot be swapped in one step
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def save_model_folder(
    model: NewsieModel, tokenizer, path: str | Path, extra_files: Mapping[str, str] | None = None
) -> Path:
    """Save the model, its tokenizer, schema and manifest to `path`, replacing a model saved
    there before; other files in the folder stay. `extra_files` (name -> text: metrics, a model
    card) are written with the model, in the same atomic step, and are not checked at load."""
    path = Path(path)
    target = path.resolve()  # a symbolic link keeps pointing at the folder
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder: save the model elsewhere")
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover_from_interrupted_saves(target)
    swap = _can_swap(target)
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{target.name}.{_SAVING}" if swap else f".{_SAVING}",
            dir=target.parent if swap else target,
        )
    )
    try:
        _write_model_files(model, tokenizer, staging)
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        _flush_to_disk([*staging.iterdir(), staging])
        if swap:
            _swap_in(staging, target)
        else:
            _move_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap, the previous folder
    return path


def load_model_folder(path: str | Path) -> tuple[NewsieModel, object]:
    """Load a saved model and its tokenizer, checking the folder first."""
    path = Path(path)
    weights = _check_files(path)
    config = NewsieConfig.from_pretrained(path)
    if config.model_type != "newsie" or not config.encoder:
        raise ValueError(
            f"{path}/config.json is not a newsie model config (model_type "
            f"{config.model_type!r}); to fine-tune a plain encoder, name it in a "
            "training config's model.encoder"
        )
    _check_schema(path, config, weights)
    verify_manifest(path, config)
    model = _load_weights(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    _check_vocabulary(path, model, tokenizer)
    return model, tokenizer


def _write_model_files(model: NewsieModel, tokenizer, folder: Path) -> None:
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    schema = model.config.label_schema.to_dict()
    (folder / SCHEMA_NAME).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    write_manifest(folder)


def _can_swap(target: Path) -> bool:
    """Whether a folder beside `target` can take its place by renaming: not where `target` is a
    mount point (a container's volume), nor this process's working folder, nor where its parent
    folder is read-only."""
    if not target.exists():
        return True
    cwd = Path.cwd().resolve()
    return not (
        os.path.ismount(target)
        or cwd == target
        or target in cwd.parents
        or not os.access(target.parent, os.W_OK)
    )


def _swap_in(staging: Path, target: Path) -> None:
    """Put `staging` in `target`'s place; the previous folder ends up in `staging`."""
    if not target.exists():
        os.rename(staging, target)
    else:
        _carry_over(target, staging)
        if not _exchange(staging, target):
            previous = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.{_PREVIOUS}", dir=target.parent)
            )
            os.replace(target, previous)  # a kill here leaves the previous model in `previous`
            os.rename(staging, target)
            os.rename(previous, staging)
    _flush_to_disk([target.parent])


def _move_in(staging: Path, target: Path) -> None:
    """Replace the model files in `target` one by one, where the folder cannot be swapped. The
    new manifest goes first, so that a folder with some files still old fails its checks at
    load rather than loading a mix."""
    logger.warning(
        "%s cannot be replaced in one step (a mount point, the working folder, or a read-only "
        "parent folder): writing the model files in place, so a kill during the save would "
        "leave a folder that loading refuses",
        target,
    )
    previous = manifest_files(target)
    written = {p.name for p in staging.iterdir()}
    os.replace(staging / MANIFEST_NAME, target / MANIFEST_NAME)
    for name in sorted(written - {MANIFEST_NAME}):
        os.replace(staging / name, target / name)
    for name in previous - written:
        (target / name).unlink(missing_ok=True)
    _flush_to_disk([target])


def _carry_over(previous: Path, staging: Path) -> None:
    """Link into `staging` what the caller keeps in the previous folder: everything but the
    previous model's files (those its manifest lists) and those the new save wrote."""
    skip = manifest_files(previous) | {p.name for p in staging.iterdir()}
    for entry in previous.iterdir():
        if entry.name in skip or entry.name.startswith(f".{_SAVING}"):
            continue
        destination = staging / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), destination)
        elif entry.is_dir():
            shutil.copytree(entry, destination, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, destination)


def _link_or_copy(source: str | Path, destination: str | Path) -> None:
    """A hard link (no copy of a checkpoint's gigabytes), a copy where links are not allowed."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2); False where the system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False  # an old kernel, or a file system without the exchange
        raise OSError(code, os.strerror(code), str(first), None, str(second))
    return True


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # Windows has no process-wide C library handle
        return None


def _recover_from_interrupted_saves(target: Path) -> None:
    """Put back the previous folder that a save killed between two renames set aside, and remove
    the folders that killed saves left half written beside or inside `target`."""
    set_aside = sorted(
        target.parent.glob(f".{target.name}.{_PREVIOUS}*"), key=lambda p: p.stat().st_mtime
    )
    if set_aside and not target.exists():
        logger.warning("putting back %s, set aside by an interrupted save", set_aside[-1])
        os.rename(set_aside[-1], target)
    leftovers = [*target.parent.glob(f".{target.name}.{_SAVING}*")]
    if target.is_dir():
        leftovers += target.glob(f".{_SAVING}*")
    for folder in leftovers:
        logger.info("removing %s, left by an interrupted save", folder)
        shutil.rmtree(folder, ignore_errors=True)


def _flush_to_disk(paths: list[Path]) -> None:
    """fsync, so that a power cut after the rename cannot leave the new names on empty files."""
    for path in paths:
        if os.name == "nt" and path.is_dir():  # Windows cannot open a folder to sync it
            continue
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _check_files(path: Path) -> Path:
    """The folder's weights file, once the folder, config.json, the weights and tokenizer.json are
    known to be there."""
    if not path.is_dir():
        previous = sorted(path.parent.glob(f".{path.name}.{_PREVIOUS}*"))
        hint = (
            f"; a save into it was interrupted, and the previous model is in {previous[-1]}: "
            f"rename that folder to {path}"
            if previous
            else "; train one with `python scripts/train.py --config configs/default.yaml` or "
            "give the folder's path"
        )
        raise FileNotFoundError(f"model folder {path} does not exist{hint}")
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} has no config.json: it is not a saved newsie model")
    weights = path / WEIGHTS_NAME
    if not weights.is_file():
        found = sorted(p.name for p in path.iterdir() if p.suffix in {".bin", ".pt", ".pth"})
        hint = f" (found {', '.join(found)}: newsie never loads pickled weights)" if found else ""
        raise FileNotFoundError(
            f"{path} has no {WEIGHTS_NAME}{hint}; save models with "
            "save_pretrained(safe_serialization=True)"
        )
    if not (path / TOKENIZER_NAME).is_file():
        raise FileNotFoundError(
            f"{path} has no {TOKENIZER_NAME}: without it the tokenizer would be rebuilt from the "
            "other files and split text unlike in training; copy the whole model folder again, "
            "or save the model again with its tokenizer"
        )
    return weights


def _check_schema(path: Path, config: NewsieConfig, weights: Path) -> None:
    schema = config.label_schema
    schema_file = path / SCHEMA_NAME
    if not schema_file.is_file():
        raise FileNotFoundError(
            f"{path} has no {SCHEMA_NAME}: cannot tell which labels the heads predict"
        )
    stored = LabelSchema.from_dict(json.loads(schema_file.read_text(encoding="utf-8")))
    if stored != schema:
        raise ValueError(
            f"{schema_file} ({stored.to_dict()}) disagrees with config.json's schema "
            f"({schema.to_dict()})"
        )
    shapes = tensor_shapes(weights)
    expected = {
        "tagger.weight": 3 * len(schema.span_types),
        "relation_scorer.3.weight": len(schema.relation_types),
    }
    for name, rows in expected.items():
        if name not in shapes:
            raise ValueError(f"{weights} lacks {name}: it is not a newsie model's weights")
        if shapes[name][0] != rows:
            raise ValueError(
                f"{weights}: {name} has {shapes[name][0]} outputs but the schema "
                f"({len(schema.span_types)} span types, {len(schema.relation_types)} relation "
                f"types) needs {rows}: the schema does not match the heads"
            )


def _load_weights(path: Path) -> NewsieModel:
    """The model, every tensor from the weights file: transformers would only warn, and
    initialise at random, where one is missing."""
    # float32 whatever the saved precision, as from_encoder; an Extractor casts to its own dtype.
    # ignore_mismatched_sizes: a wrong shape comes back in the report, refused below.
    model, report = NewsieModel.from_pretrained(
        path,
        use_safetensors=True,
        dtype=torch.float32,
        output_loading_info=True,
        ignore_mismatched_sizes=True,
    )
    problems = [f"{name} is missing" for name in sorted(report["missing_keys"])]
    problems += [
        f"{name} has shape {list(saved)} where config.json needs {list(needed)}"
        for name, saved, needed in sorted(report["mismatched_keys"])
    ]
    problems += [f"{name} is not part of this model" for name in sorted(report["unexpected_keys"])]
    problems += list(report["error_msgs"])
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        shown = "; ".join(problems[:5]) + more
        raise ValueError(
            f"{path / WEIGHTS_NAME} does not fit the model config.json describes ({shown}): "
            "newsie never runs with randomly initialised weights; copy the whole model folder "
            "again, or save the model again"
        )
    return model


def _check_vocabulary(path: Path, model: NewsieModel, tokenizer) -> None:
    rows = model.encoder.get_input_embeddings().num_embeddings
    size = len(tokenizer)
    if size > rows or size < rows * (1 - _VOCABULARY_SLACK):
        raise ValueError(
            f"{path / TOKENIZER_NAME}: the tokenizer has {size} tokens, but the encoder's "
            f"embedding has {rows} rows: these tokenizer files are not the encoder's; copy the "
            "whole model folder again, or save the model again with the tokenizer it was "
            "trained with"
        )
