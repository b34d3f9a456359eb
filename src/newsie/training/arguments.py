"""A training recipe: the `model`, `data` and `training` sections of a YAML config, as validated
dataclasses. `key=value` overrides (`training.epochs=3`) apply before validation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from newsie.data import Document
from newsie.encoders import DEFAULT_ENCODER
from newsie.sources import CorpusSource


@dataclass
class ModelArguments:
    encoder: str = DEFAULT_ENCODER  # a registered name (newsie.encoders), a hub name or a path
    use_casing: bool = False
    max_length: int = 256
    stride: int = 64
    dropout: float = 0.1
    relation_hidden: int = 256
    relation_threshold: float = 0.5
    one_tail_per_head: bool = True
    trim_boundaries: bool = True
    snap_boundaries: bool = True

    def __post_init__(self) -> None:
        if not 16 <= self.max_length <= 8192:
            raise ValueError(f"model.max_length must lie in [16, 8192], got {self.max_length}")
        if not 0 <= self.stride < self.max_length // 2:
            raise ValueError(f"model.stride must lie in [0, max_length/2), got {self.stride}")
        if not 0.0 < self.relation_threshold < 1.0:
            raise ValueError("model.relation_threshold must lie strictly between 0 and 1")

    def head_settings(self) -> dict[str, Any]:
        """The NewsieConfig fields this section sets (everything but the encoder's name)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "encoder"}


@dataclass
class DataArguments:
    """Corpora to train and choose the best epoch on: see `newsie.sources`."""

    train: list[CorpusSource] = field(default_factory=list)
    dev: list[CorpusSource] = field(default_factory=list)
    data_dir: str = "."  # relative to the config file; `--data-dir` replaces it
    config_dir: str = "."  # set to the config file's folder when a recipe is loaded

    def __post_init__(self) -> None:
        for split in ("train", "dev"):
            entries = getattr(self, split)
            entries = [entries] if isinstance(entries, (str, dict)) else entries
            if not entries:
                raise ValueError(f"data.{split} must name at least one corpus")
            setattr(self, split, [CorpusSource.parse(e) for e in entries])

    def load(self, split: str) -> list[Document]:
        return [
            doc
            for source in getattr(self, split)
            for doc in source.load(self.data_dir, self.config_dir)
        ]


@dataclass
class TrainingSettings:
    output_dir: str = "models/newsie-default"  # relative to the working directory
    seed: int = 13
    epochs: float = 10.0
    max_steps: int = -1  # > 0 overrides epochs (quick runs, tests)
    learning_rate: float = 5e-5  # the pretrained encoder's
    head_learning_rate: float = 1e-3  # the new span and relation heads'
    batch_size: int = 8
    eval_batch_size: int | None = None  # windows per dev forward pass; None: sized to the device
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    precision: str = "auto"  # auto (bf16 on a GPU that has it, else fp32) | fp32 | bf16 | fp16
    resume: str = "auto"  # auto (latest checkpoint in output_dir if any) | never | a checkpoint
    keep_checkpoints: bool = False  # checkpoints are deleted once the final model is saved
    logging_steps: int = 20

    def __post_init__(self) -> None:
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            raise ValueError(
                f"training.precision must be auto, fp32, bf16 or fp16, got {self.precision!r}"
            )
        if self.batch_size < 1 or (self.eval_batch_size is not None and self.eval_batch_size < 1):
            raise ValueError("training.batch_size and training.eval_batch_size must be >= 1")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ValueError("set training.epochs > 0 or training.max_steps > 0")
        if self.learning_rate <= 0 or self.head_learning_rate <= 0:
            raise ValueError(
                "training.learning_rate and training.head_learning_rate must be positive"
            )


@dataclass
class Recipe:
    model: ModelArguments
    data: DataArguments
    training: TrainingSettings
    source: str = "<dict>"


_SECTIONS = {"model": ModelArguments, "data": DataArguments, "training": TrainingSettings}


def load_recipe(
    path: str | Path,
    overrides: list[str] | None = None,
    *,
    data_dir: str | None = None,
    output_dir: str | None = None,
) -> Recipe:
    """Read a YAML recipe, apply `section.key=value` overrides, and validate it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} does not exist (see configs/ for recipes)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping with sections {list(_SECTIONS)}")
    for override in overrides or []:
        _apply_override(raw, override, path)
    unknown = set(raw) - set(_SECTIONS)
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}; known: {list(_SECTIONS)}")
    sections = {
        name: _build(cls, raw.get(name) or {}, f"{path}: {name}") for name, cls in _SECTIONS.items()
    }
    data: DataArguments = sections["data"]
    data.data_dir = data_dir if data_dir is not None else str(path.parent / data.data_dir)
    data.config_dir = str(path.parent)
    if output_dir is not None:
        sections["training"].output_dir = output_dir
    return Recipe(source=str(path), **sections)


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(values).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    try:
        return cls(**{k: _coerce(known[k], v) for k, v in values.items()})
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _coerce(spec: dataclasses.Field, value: Any) -> Any:
    """YAML reads `5e-5` as a string; turn scalars into the field's declared type."""
    kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", "")
    try:
        if kind == "float" and isinstance(value, (str, int)):
            return float(value)
        if kind == "int" and isinstance(value, str):
            return int(value)
    except ValueError:
        raise ValueError(f"{spec.name}: {value!r} is not of type {kind}") from None
    return value


def _apply_override(raw: dict, override: str, path: Path) -> None:
    key, sep, value = override.partition("=")
    if not sep or "." not in key:
        raise ValueError(
            f"override {override!r} must look like section.key=value (e.g. training.epochs=3)"
        )
    section, name = key.split(".", 1)
    raw.setdefault(section, {})
    if not isinstance(raw[section], dict):
        raise ValueError(f"{path}: section {section!r} is not a mapping")
    raw[section][name] = yaml.safe_load(value)
