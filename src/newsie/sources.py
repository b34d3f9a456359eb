"""Corpus sources named in a recipe's `data.train` / `data.dev` lists.

An entry is either a JSON-lines path relative to `data_dir`, or a mapping:

    {path: re3d, format: re3d, silver: true, part: train}

- `format`: `jsonl` (default) or any registered converter (`newsie.converters.CONVERTERS`), so
  real corpora are read in their own format at run time and never copied into the project;
- `root`: `data_dir` (default) or `config`, the folder the path is relative to;
- `silver`: add rule-labelled layers for the types the corpus does not annotate (`newsie.rules`);
- `part`: `all` (default), `train` or `holdout`: a seeded split that keeps `holdout_fraction` of
  the documents aside, so the same held-out documents can be scored after training;
- `weight`: how much each of its training windows counts in the loss (default 1): 2 counts a
  corpus as if it were listed twice, at half the computation.

A stand-off corpus (`NAME.standoff.jsonl`, `newsie.standoff`) is a JSON-lines entry like any other;
its texts are read from `data_dir`, the data folder, so a recipe that lists one sets `data_dir` to
the data folder (`--data-dir` replaces it) and lists its own corpora with `root: config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsie.converters import CONVERTERS, convert
from newsie.corpus import read_jsonl
from newsie.data import Document
from newsie.markup import split_documents
from newsie.rules import add_silver_layers

PARTS = ("all", "train", "holdout")


@dataclass(frozen=True)
class CorpusSource:
    path: str
    format: str = "jsonl"
    root: str = "data_dir"
    silver: bool = False
    part: str = "all"
    holdout_fraction: float = 0.2
    seed: int = 13
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.weight, int | float) and self.weight > 0):
            raise ValueError(f"weight must be a positive number, got {self.weight!r}")
        if self.format != "jsonl":
            CONVERTERS[self.format]  # an unknown format: a ValueError naming the known ones
        if self.root not in ("data_dir", "config"):
            raise ValueError(f"root must be data_dir or config, got {self.root!r}")
        if self.part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {self.part!r}")

    @classmethod
    def parse(cls, entry: Any) -> CorpusSource:
        if isinstance(entry, str):
            return cls(path=entry)
        if isinstance(entry, dict):
            return cls(**entry)
        raise ValueError(f"a corpus entry is a path or a mapping, got {entry!r}")

    def resolve(self, data_dir: str | Path, config_dir: str | Path) -> Path:
        path = Path(config_dir if self.root == "config" else data_dir) / self.path
        if not path.exists():
            base = "the config file" if self.root == "config" else "data.data_dir or --data-dir"
            raise FileNotFoundError(
                f"corpus {self.path!r}: {path} does not exist (paths are relative to {base})"
            )
        return path

    def load(self, data_dir: str | Path, config_dir: str | Path) -> list[Document]:
        path = self.resolve(data_dir, config_dir)
        if self.format == "jsonl":
            documents = read_jsonl(path, data_dir=data_dir)
        else:
            documents = convert(self.format, [path]).documents
        if self.silver:
            documents = [add_silver_layers(doc) for doc in documents]
        return select_part(documents, self.part, self.holdout_fraction, self.seed)


def select_part(
    documents: list[Document], part: str, holdout_fraction: float = 0.2, seed: int = 13
) -> list[Document]:
    """All documents, or the seeded train or holdout part of them (the same every time)."""
    if part == "all":
        return documents
    halves = split_documents(documents, seed=seed, fractions=(0.0, holdout_fraction))
    return halves["test"] if part == "holdout" else halves["train"]
