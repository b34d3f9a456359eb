"""A training recipe: the `model`, `data` and `training` sections of a YAML config.

- `model` (`ModelArguments`): the encoder to fine-tune and every field `NewsieConfig` declares;
- `data` (`DataArguments`): the corpora to train and choose the best epoch on;
- `training` (`NewsieTrainingArguments`): `transformers.TrainingArguments` plus newsie's few
  additions, so every Trainer option (gradient_accumulation_steps, dataloader_num_workers, ddp_*,
  ...) is a recipe key.

`HfArgumentParser.parse_dict` builds each section and refuses keys it does not know. It checks no
types, so values are checked against their field's type first. `section.key=value` overrides
(`training.num_train_epochs=3`) apply before either.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import yaml
from transformers import HfArgumentParser, TrainingArguments

from newsie.data import Document
from newsie.encoders import DEFAULT_ENCODER
from newsie.models.configuration import NewsieConfig
from newsie.sources import CorpusSource

BEST_METRIC = "micro_f1"  # newsie's dev evaluation reports scores, no loss

# NewsieConfig fields a recipe does not set: the encoder's own config comes from the checkpoint
# `model.encoder` names, the label schema from `train(schema=...)`.
DERIVED_CONFIG_FIELDS = ("encoder", "schema")

# The `training` keys newsie had before that section became TrainingArguments, for error hints.
FORMER_TRAINING_KEYS = {
    "epochs": "num_train_epochs",
    "batch_size": "per_device_train_batch_size",
    "eval_batch_size": "per_device_eval_batch_size",
    "warmup_ratio": "warmup_steps (a value below 1 is a fraction of all steps)",
    "precision": "bf16 or fp16 (unset: bf16 on a GPU that has it)",
}


@dataclass
class _ModelSection:
    """The `encoder` field and the checks of `ModelArguments`, which adds NewsieConfig's fields."""

    encoder: str = DEFAULT_ENCODER  # a name registered in newsie.encoders, a hub name or a folder

    def __post_init__(self) -> None:
        if not 16 <= self.max_length <= 8192:
            raise ValueError(f"model.max_length must lie in [16, 8192], got {self.max_length}")
        if not 0 <= self.stride < self.max_length // 2:
            raise ValueError(f"model.stride must lie in [0, max_length/2), got {self.stride}")
        if not 0.0 < self.relation_threshold < 1.0:
            raise ValueError("model.relation_threshold must lie strictly between 0 and 1")
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value < 1.0:
                raise ValueError(f"model.{name} must lie in [0, 1), got {value}")

    def config_settings(self) -> dict[str, Any]:
        """The NewsieConfig fields this section sets: all but the encoder's name."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "encoder"
        }


def _model_arguments() -> type:
    """`ModelArguments`: `encoder`, then every field NewsieConfig declares with its type and
    default, so that a field added to NewsieConfig is a recipe key at once."""
    declared = {f.name: f for f in dataclasses.fields(NewsieConfig)}
    config_fields = [
        (name, kind, field(default=declared[name].default))
        for name, kind in inspect.get_annotations(NewsieConfig, eval_str=True).items()
        if name not in DERIVED_CONFIG_FIELDS
    ]
    return dataclasses.make_dataclass(
        "ModelArguments",
        config_fields,
        bases=(_ModelSection,),
        namespace={"__module__": __name__},  # pickling and reprs name this module
    )


ModelArguments = _model_arguments()


@dataclass
class DataArguments:
    """Corpora to train and choose the best epoch on: paths or mappings, see `newsie.sources`."""

    train: list[CorpusSource] = field(default_factory=list)
    dev: list[CorpusSource] = field(default_factory=list)
    data_dir: str = "."  # relative to the config file; `--data-dir` replaces it
    config_dir: str = field(default=".", init=False)  # the config file's folder, set on loading

    def __post_init__(self) -> None:
        for split in ("train", "dev"):
            entries = getattr(self, split)
            if not entries:
                raise ValueError(f"data.{split} must name at least one corpus")
            setattr(self, split, [CorpusSource.parse(e) for e in entries])

    def load(self, split: str) -> list[Document]:
        return [doc for doc, _ in self.load_weighted(split)]

    def load_weighted(self, split: str) -> list[tuple[Document, float]]:
        """The split's documents, each with its corpus entry's `weight`."""
        return [
            (doc, source.weight)
            for source in getattr(self, split)
            for doc in source.load(self.data_dir, self.config_dir)
        ]


@dataclass
class NewsieTrainingArguments(TrainingArguments):
    """`transformers.TrainingArguments` with newsie's additions: a recipe's `training` section.

    `output_dir` is the model folder; checkpoints are written inside it while training. Defaults
    newsie changes: unset `bf16` and `use_cpu` follow the device; unset `per_device_eval_batch_size`
    is sized to it, as an Extractor's batch is; the best checkpoint is the one with the best dev
    `micro_f1`; every column of newsie's windows reaches its collator.
    """

    head_learning_rate: float = field(
        default=1e-3,
        metadata={
            "help": "Learning rate of the new span and relation heads; `learning_rate` is the "
            "pretrained encoder's."
        },
    )
    resume: Literal["auto", "never"] = field(
        default="auto",
        metadata={
            "help": "auto: continue an interrupted run from the last complete checkpoint in "
            "output_dir, if any; a checkpoint of a run with another recipe or other data is an "
            "error. never: start afresh, removing the checkpoints in output_dir. "
            "`resume_from_checkpoint` names one instead."
        },
    )
    freeze_word_embeddings: bool = field(
        default=False,
        metadata={
            "help": "Keep the encoder's word embeddings as pretrained: no gradient for the "
            "vocabulary's table, which is about half of a small encoder's weights."
        },
    )
    window_stride: int | None = field(
        default=None,
        metadata={
            "help": "Tokens shared by neighbouring training windows of a long document; unset: "
            "model.stride, the overlap the model reads with. Less overlap, fewer tokens an epoch."
        },
    )
    keep_checkpoints: bool = field(
        default=False,
        metadata={"help": "Keep the checkpoints in output_dir once the final model is saved."},
    )
    bf16: bool | None = field(
        default=None,
        metadata={"help": "bf16 mixed precision; unset: on a GPU that supports it, unless fp16."},
    )
    use_cpu: bool | None = field(
        default=None, metadata={"help": "Train on the CPU; unset: when there is no CUDA GPU."}
    )
    per_device_eval_batch_size: int | None = field(
        default=None,
        metadata={
            "help": "Windows per forward pass when scoring the dev documents; unset: sized to "
            "the device (newsie.inference.default_batch_size)."
        },
    )
    metric_for_best_model: str | None = field(
        default=BEST_METRIC,
        metadata={"help": "A dev score newsie reports (micro_f1, ACTOR_f1, relation_micro_f1...)."},
    )
    remove_unused_columns: bool = field(
        default=False,
        metadata={"help": "newsie's collator reads columns the model's forward does not name."},
    )

    def __post_init__(self) -> None:
        if self.use_cpu is None:
            self.use_cpu = not torch.cuda.is_available()
        if self.bf16 is None:
            self.bf16 = not (self.fp16 or self.use_cpu) and torch.cuda.is_bf16_supported()
        # Refused here, before any data is read, rather than an epoch into training.
        for name in ("per_device_train_batch_size", "per_device_eval_batch_size"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.num_train_epochs <= 0 and self.max_steps <= 0:
            raise ValueError("set num_train_epochs > 0 or max_steps > 0")
        if self.learning_rate <= 0 or self.head_learning_rate <= 0:
            raise ValueError("learning_rate and head_learning_rate must be positive")
        if self.window_stride is not None and self.window_stride < 0:
            raise ValueError(f"window_stride must be at least 0, got {self.window_stride}")
        super().__post_init__()


@dataclass
class Recipe:
    model: ModelArguments
    data: DataArguments
    training: NewsieTrainingArguments
    source: str = "<dict>"

    def __post_init__(self) -> None:
        stride = self.training.window_stride
        if stride is not None and stride >= self.model.max_length // 2:
            raise ValueError(
                f"training.window_stride must be below half of model.max_length "
                f"({self.model.max_length}), got {stride}"
            )

    @property
    def window_stride(self) -> int:
        """The overlap of training windows: `training.window_stride`, else `model.stride`."""
        stride = self.training.window_stride
        return self.model.stride if stride is None else stride


SECTIONS = {"model": ModelArguments, "data": DataArguments, "training": NewsieTrainingArguments}


def load_recipe(
    path: str | Path,
    overrides: list[str] | None = None,
    *,
    data_dir: str | None = None,
    output_dir: str | None = None,
) -> Recipe:
    """Read a YAML recipe, apply `section.key=value` overrides, and build its sections."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} does not exist (see configs/ for recipes)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping with sections {list(SECTIONS)}")
    for override in overrides or []:
        _apply_override(raw, override, path)
    if output_dir is not None:
        _section_values(raw, "training", path)["output_dir"] = output_dir
    unknown = set(raw) - set(SECTIONS)
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}; known: {list(SECTIONS)}")
    sections = {
        name: _build_section(cls, raw.get(name) or {}, f"{path}: {name}")
        for name, cls in SECTIONS.items()
    }
    data: DataArguments = sections["data"]
    data.data_dir = data_dir if data_dir is not None else str(path.parent / data.data_dir)
    data.config_dir = str(path.parent)
    return Recipe(source=str(path), **sections)


def _build_section(cls: type, values: Any, where: str) -> Any:
    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    typed = {
        key: _typed(value, hints[key], f"{where}.{key}") if key in known else value
        for key, value in values.items()
    }
    try:
        (section,) = HfArgumentParser(cls).parse_dict(typed)
    except ValueError as err:  # keys HfArgumentParser does not know, or values the class refuses
        hints_text = _key_hints(sorted(set(values) - known), known, cls)
        raise ValueError(f"{where}: {err}{hints_text}") from None
    return section


def _key_hints(unknown: list[str], known: set[str], cls: type) -> str:
    """' (epochs: did you mean num_train_epochs?)' for the unknown keys with a likely meaning."""
    former = FORMER_TRAINING_KEYS if cls is NewsieTrainingArguments else {}
    hints = []
    for key in unknown:
        matches = [former[key]] if key in former else difflib.get_close_matches(key, known)
        if matches:
            hints.append(f"{key}: did you mean {' or '.join(matches)}?")
    return f" ({'; '.join(hints)})" if hints else ""


_MISMATCH = object()


def _typed(value: Any, annotation: Any, where: str) -> Any:
    """`value` as a field declared `annotation` holds it. YAML reads `5e-5` and quoted words as
    strings, so a string becomes the number or boolean the field wants; any other mismatch is an
    error (a `"false"` must never reach a bool field as a truthy string)."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    options = typing.get_args(annotation) if union else (annotation,)
    for convert in (_as_declared, _from_string):
        for option in options:
            result = convert(value, option)
            if result is not _MISMATCH:
                return result
    name = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    # YAML 1.1 reads yes/no/on/off as booleans: `save_strategy: no` arrives as False.
    quote = " (quote it: YAML reads yes, no, on and off as booleans)"
    quote = quote if isinstance(value, bool) else ""
    raise ValueError(f"{where}: {value!r} is not of type {name.replace('typing.', '')}{quote}")


def _as_declared(value: Any, option: Any) -> Any:
    if option is Any:
        return value
    if typing.get_origin(option) is Literal:
        return value if value in typing.get_args(option) else _MISMATCH
    if option is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    kind = typing.get_origin(option) or option
    if not isinstance(kind, type):
        return value  # a typing construct left to the dataclass to check
    if isinstance(value, bool) and kind is not bool:
        return _MISMATCH  # bool is an int subclass: `true` is no batch size
    return value if isinstance(value, kind) else _MISMATCH


def _from_string(value: Any, option: Any) -> Any:
    if not isinstance(value, str):
        return _MISMATCH
    if option is bool:
        return {"true": True, "false": False}.get(value.strip().lower(), _MISMATCH)
    if option in (int, float):
        try:
            return option(value)
        except ValueError:
            return _MISMATCH
    return _MISMATCH


def _apply_override(raw: dict, override: str, path: Path) -> None:
    key, sep, value = override.partition("=")
    section, dot, name = key.partition(".")
    if not (sep and dot and name):
        raise ValueError(
            f"override {override!r} must look like section.key=value "
            "(e.g. training.num_train_epochs=3)"
        )
    _section_values(raw, section, path)[name] = yaml.safe_load(value)


def _section_values(raw: dict, section: str, path: Path) -> dict:
    if raw.get(section) is None:
        raw[section] = {}
    if not isinstance(raw[section], dict):
        raise ValueError(f"{path}: section {section!r} is not a mapping")
    return raw[section]
