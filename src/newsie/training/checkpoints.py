"""Checkpoints a run can trust: each one is written whole or not at all, and says which recipe and
data wrote it, so that a run resumes only the run it continues.

- Writing: `NewsieTrainer` has transformers write `checkpoint-N` inside
  `output_dir/tmp-checkpoint/`; `commit_checkpoint` adds `newsie_run.json` (the run's settings,
  their fingerprint, and the size of every file of the checkpoint) and renames the folder to
  `output_dir/checkpoint-N`. A kill before the rename leaves `tmp-checkpoint/`, never a partial
  `checkpoint-N`.
- Resuming: `resume_point` removes what an interrupted save left (`tmp-checkpoint/`, or a
  `checkpoint-N` without `trainer_state.json` or missing a file its `newsie_run.json` lists) with
  a warning, and resumes from the last complete checkpoint only if its settings are this run's.

The settings (`run_settings`) are everything that decides the model a run trains: the model
section, the label schema, the content of the train and dev documents (not their paths), and
every training argument except those in `MAY_DIFFER_ON_RESUME`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from newsie.data import Document
from newsie.schema import LabelSchema
from newsie.training.arguments import NewsieTrainingArguments, Recipe

logger = logging.getLogger(__name__)

RUN_RECORD = "newsie_run.json"
STAGING_FOLDER = "tmp-checkpoint"  # not `checkpoint-*`: transformers' globs never see it
_CHECKPOINT_NAME = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")

# Training arguments that may differ between an interrupted run and the run resuming it: what it
# logs and reports, where and how many checkpoints it keeps, how fast it loads data and scores
# the dev documents, how processes talk. None of them changes the weights trained.
MAY_DIFFER_ON_RESUME = frozenset(
    {
        "output_dir", "run_name", "project", "report_to", "disable_tqdm", "skip_memory_metrics",
        "include_num_input_tokens_seen", "debug", "local_rank", "do_train", "do_eval",
        "do_predict", "resume", "resume_from_checkpoint", "keep_checkpoints", "save_total_limit",
        "save_on_each_node", "enable_jit_checkpoint", "torch_empty_cache_steps",
        "dataloader_num_workers", "dataloader_pin_memory", "dataloader_persistent_workers",
        "dataloader_prefetch_factor", "dataloader_multiprocessing_context",
        "per_device_eval_batch_size", "eval_accumulation_steps", "eval_do_concat_batches",
        "eval_use_gather_object",
    }
)  # fmt: skip
MAY_DIFFER_PREFIXES = ("log", "hub_", "push_to_hub", "trackio_", "ddp_")


class ResumeMismatch(ValueError):
    """A checkpoint in output_dir was written by a run with other settings than this one's."""


def run_settings(
    recipe: Recipe, schema: LabelSchema, train_docs: list[Document], dev_docs: list[Document]
) -> dict[str, dict[str, Any]]:
    """What decides the model a run trains, as JSON values: `model`, `schema`, `data` (each
    split's document count and content hash, the train entries' weights) and `training` (all
    but `MAY_DIFFER_ON_RESUME`)."""
    args = recipe.training
    training = {
        key: value
        for key, value in args.to_dict().items()
        if key not in MAY_DIFFER_ON_RESUME and not key.startswith(MAY_DIFFER_PREFIXES)
    }
    training["world_size"] = args.world_size  # the batch each step averages over
    settings = {
        "model": dataclasses.asdict(recipe.model),
        "schema": schema.to_dict(),
        "data": {
            "train": _content_hash(train_docs),
            "dev": _content_hash(dev_docs),
            "train_weights": [source.weight for source in recipe.data.train],
        },
        "training": training,
    }
    return json.loads(json.dumps(settings, default=str))  # as newsie_run.json gives them back


def _content_hash(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for document in documents:  # in order: the order is part of what a run trains on
        digest.update(json.dumps(document.to_dict(), sort_keys=True).encode("utf-8") + b"\n")
    return f"{len(documents)} documents, sha256 {digest.hexdigest()[:16]}"


def _fingerprint(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8")).hexdigest()


def commit_checkpoint(staging: Path, final: Path, settings: dict[str, Any]) -> None:
    """Make the whole checkpoint written in `staging` the checkpoint `final`: its record written
    last inside it, then one rename."""
    files = {
        path.relative_to(staging).as_posix(): path.stat().st_size
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    record = {"fingerprint": _fingerprint(settings), "settings": settings, "files": files}
    (staging / RUN_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if final.exists():  # this step's, by the run before a resume from an earlier checkpoint
        shutil.rmtree(final)
    os.replace(staging, final)
    with contextlib.suppress(OSError):  # not empty: what else is in it is not ours to remove
        staging.parent.rmdir()


def resume_point(args: NewsieTrainingArguments, settings: dict[str, Any]) -> str | None:
    """The checkpoint to resume from: `resume_from_checkpoint` if set; else, with `resume: auto`,
    the last complete checkpoint in output_dir (what interrupted saves left is removed, with a
    warning), provided the run that wrote it had these `settings` (`ResumeMismatch` if not).
    With `resume: never` the checkpoints of an earlier run in output_dir are removed."""
    output_dir = Path(args.output_dir)
    if args.should_save:
        _remove_interrupted_save(output_dir / STAGING_FOLDER)
    if args.resume_from_checkpoint is not None:
        return _named_checkpoint(Path(args.resume_from_checkpoint), settings)
    if not output_dir.is_dir():
        return None
    if args.resume == "never":
        removed = remove_checkpoints(output_dir) if args.should_save else 0
        if removed:
            logger.warning(
                "training.resume=never: removed %d checkpoint(s) of an earlier run from %s",
                removed,
                output_dir,
            )
        return None
    last = _last_complete_checkpoint(output_dir, remove_incomplete=args.should_save)
    if last is None:
        return None
    if not (last / RUN_RECORD).is_file():
        raise ResumeMismatch(
            f"{last} has no {RUN_RECORD}: an earlier newsie or another program wrote it, so "
            f"whether its run had this recipe and data cannot be checked. {_fresh_start(last)} To "
            f"resume from it anyway, name it: training.resume_from_checkpoint={last}"
        )
    check_same_run(last, settings)
    logger.warning("resuming from %s (training.resume=never starts afresh)", last)
    return str(last)


def check_same_run(checkpoint: Path, settings: dict[str, Any]) -> None:
    """`ResumeMismatch`, saying what differs, unless `checkpoint`'s run had these settings."""
    recorded = _read_record(checkpoint)["settings"]
    changes = [
        f"  {section}.{key}: {before!r} in {checkpoint.name}, {now!r} now"
        for section in sorted(set(recorded) | set(settings))
        for key, before, now in _differences(recorded.get(section, {}), settings.get(section, {}))
    ]
    if changes:
        raise ResumeMismatch(
            f"{checkpoint} is a checkpoint of another run: resuming it would not train this "
            "recipe on this data, and the model card would say it did. What differs:\n"
            + "\n".join(changes)
            + f"\n{_fresh_start(checkpoint)} Only settings that do not change the weights may "
            "differ on resume: logging and reporting (logging_steps, report_to, ...), paths "
            "(output_dir, data paths if the documents are the same), save_total_limit, "
            "dataloader_num_workers, per_device_eval_batch_size."
        )


def _differences(before: dict[str, Any], now: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    absent = "(not set)"
    return [
        (key, before.get(key, absent), now.get(key, absent))
        for key in sorted(set(before) | set(now))
        if before.get(key, absent) != now.get(key, absent)
    ]


def _fresh_start(checkpoint: Path) -> str:
    return (
        "To start afresh, set training.resume=never (the checkpoints in "
        f"{checkpoint.parent} are removed) or train into another output_dir."
    )


def _named_checkpoint(checkpoint: Path, settings: dict[str, Any]) -> str:
    reason = incomplete_reason(checkpoint)
    if reason is not None:
        raise ValueError(
            f"training.resume_from_checkpoint: {checkpoint} cannot be resumed from ({reason}); "
            "name a complete checkpoint, or unset it"
        )
    if (checkpoint / RUN_RECORD).is_file():
        check_same_run(checkpoint, settings)
    else:
        logger.warning(
            "%s has no %s: whether its run had this recipe and data is not checked",
            checkpoint,
            RUN_RECORD,
        )
    return str(checkpoint)


def incomplete_reason(checkpoint: Path) -> str | None:
    """Why `checkpoint` is not a whole checkpoint on disk (a save or a removal was
    interrupted), or None if it is."""
    if not (checkpoint / TRAINER_STATE_NAME).is_file():
        return f"no {TRAINER_STATE_NAME}"
    if not (checkpoint / RUN_RECORD).is_file():
        return None  # written before newsie recorded its runs: complete as far as one can tell
    # OSError too: under torchrun another process may be removing this very checkpoint.
    try:
        files = _read_record(checkpoint)["files"]
    except (OSError, ValueError, KeyError):
        return f"{RUN_RECORD} unreadable"
    damaged = [name for name, size in files.items() if _file_size(checkpoint / name) != size]
    return f"{', '.join(damaged)} missing or cut short" if damaged else None


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _read_record(checkpoint: Path) -> dict[str, Any]:
    return json.loads((checkpoint / RUN_RECORD).read_text(encoding="utf-8"))


def _last_complete_checkpoint(output_dir: Path, *, remove_incomplete: bool) -> Path | None:
    """The complete checkpoint of the highest step; incomplete ones above it are skipped, with a
    warning, and removed if `remove_incomplete`: a later save of their step would meet them."""
    skipped = False
    for checkpoint in sorted(_checkpoints(output_dir), key=_step, reverse=True):
        reason = incomplete_reason(checkpoint)
        if reason is None:
            return checkpoint
        logger.warning(
            "skipping %s: incomplete (%s), left by an interrupted save%s",
            checkpoint,
            reason,
            "; removing it" if remove_incomplete else "",
        )
        if remove_incomplete:
            shutil.rmtree(checkpoint, ignore_errors=True)
        skipped = True
    if skipped:
        logger.warning("no complete checkpoint in %s: training starts afresh", output_dir)
    return None


def _remove_interrupted_save(staging_folder: Path) -> None:
    if staging_folder.exists():
        logger.warning("removing %s: a checkpoint save was interrupted there", staging_folder)
        shutil.rmtree(staging_folder, ignore_errors=True)


def _checkpoints(output_dir: Path) -> list[Path]:
    return [p for p in output_dir.iterdir() if p.is_dir() and _CHECKPOINT_NAME.match(p.name)]


def _step(checkpoint: Path) -> int:
    return int(_CHECKPOINT_NAME.match(checkpoint.name).group(1))


def remove_checkpoints(output_dir: Path) -> int:
    """Remove the checkpoints in `output_dir`, and an interrupted save's folder; how many."""
    checkpoints = _checkpoints(output_dir)
    for folder in [*checkpoints, output_dir / STAGING_FOLDER]:
        shutil.rmtree(folder, ignore_errors=True)
    return len(checkpoints)
