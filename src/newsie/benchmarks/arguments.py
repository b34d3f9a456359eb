"""The benchmark's command line: one dataclass whose fields are its options.

Each field is an option `--name-with-dashes`; its metadata holds what `argparse.add_argument`
takes beside the name (help, type, choices, action). `transformers.HfArgumentParser` builds
parsers the same way but would change the command line: flags would take a value
(`--int8 [INT8]`), every option would gain an underscore spelling, and it has no mutually
exclusive options.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

import newsie.benchmarks
from newsie.benchmarks.systems import SYSTEMS
from newsie.encoders import DEFAULT_ENCODER

# Options of which a run takes at most one: each makes it a run of one kind only.
MODES = ("memory_1mb", "train")


def option(default: Any = None, help: str | None = None, **add_argument: Any) -> Any:
    """A dataclass field that is also the command-line option named after it."""
    return field(default=default, metadata={"help": help, **add_argument})


@dataclass
class BenchmarkArguments:
    model: Path | None = option(
        type=Path,
        help="a trained newsie model folder (default: an untrained model around --encoder)",
    )
    encoder: str = option(
        DEFAULT_ENCODER,
        help="without --model: the encoder of the untrained model, a registered name or any "
        f"AutoModel folder or name (default: {DEFAULT_ENCODER})",
    )
    data: Path | None = option(
        type=Path,
        help="a JSON-lines corpus to read texts from "
        "(default: generated documents of 100 to 3,000 words)",
    )
    docs: int = option(40, type=int, help="documents to time (with --data: its first N)")
    device: str = option("auto", choices=["auto", "cpu", "cuda"])
    dtype: str = option(
        "auto",
        choices=["auto", "float32", "bfloat16", "float16"],
        help="auto: bfloat16 on a GPU that has it, else float32",
    )
    batch_size: int | None = option(
        type=int,
        help="windows per forward pass, for every system (default: newsie's for the device and "
        "encoder, newsie.inference.default_batch_size)",
    )
    n_process: int = option(
        1, type=int, help="also time newsie in this many worker processes (the newsie-workers row)"
    )
    max_length: int = option(512, type=int, help="window length in tokens")
    stride: int = option(128, type=int, help="overlap of windows in tokens")
    warmup: int = option(4, type=int, help="documents run before timing")
    repeat: int = option(
        1,
        type=int,
        help="run every system this many times, round-robin, and report the median run",
    )
    seed: int = option(13, type=int)
    json: Path | None = option(type=Path, help="also write the results to this JSON file")
    int8: bool = option(
        False, action="store_true", help="add newsie and HF rows with int8 linear layers (CPU only)"
    )
    profile: bool = option(
        False,
        action="store_true",
        help="add newsie's time by part and its host-side cost alone (encoder outputs replayed)",
    )
    memory_1mb: bool = option(
        False, action="store_true", help="only: peak RSS of extracting one 1 MB document (CPU)"
    )
    train: bool = option(
        False,
        action="store_true",
        help="only: training samples/s of newsie's Trainer vs a plain HF one",
    )
    train_steps: int = option(12, type=int, help="optimiser steps per trainer")
    train_batch_size: int = option(8, type=int)
    # Given to the worker processes only (see newsie.benchmarks.harness).
    worker: str | None = option(choices=SYSTEMS.names(), help=argparse.SUPPRESS)
    workspace: Path | None = option(type=Path, help=argparse.SUPPRESS)

    def resolve(self) -> None:
        """Fill in the "auto" choices and refuse combinations that make no run (ValueError)."""
        if self.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError("--device cuda: torch sees no CUDA GPU")
        if self.memory_1mb:
            self.device = "cpu"
        if self.model and self.encoder != DEFAULT_ENCODER:
            raise ValueError(
                "--encoder builds an untrained model: a --model folder has its own encoder"
            )
        if self.dtype == "auto":
            bf16 = self.device == "cuda" and torch.cuda.is_bf16_supported()
            self.dtype = "bfloat16" if bf16 else "float32"
        self.check_combinations()

    def check_combinations(self) -> None:
        """Refuse options that do not go together (ValueError)."""
        only_one_kind = self.memory_1mb or self.train
        if (self.int8 or self.profile) and only_one_kind:
            raise ValueError(
                "--int8 and --profile add rows to the speed run, not to --memory-1mb or --train"
            )
        if self.int8 and (self.device != "cpu" or self.dtype != "float32"):
            raise ValueError("--int8 runs on CPU from float32 weights: add --device cpu")
        if self.docs < 1 or (self.batch_size or 1) < 1 or self.repeat < 1 or self.warmup < 0:
            raise ValueError(
                "--docs, --batch-size and --repeat must be at least 1, --warmup at least 0"
            )
        if self.n_process < 1 or (self.n_process > 1 and only_one_kind):
            raise ValueError("--n-process is at least 1 and adds a row to the speed run only")


def build_parser() -> argparse.ArgumentParser:
    """An option for every field of BenchmarkArguments, in their order."""
    description = newsie.benchmarks.__doc__.splitlines()[0]
    parser = argparse.ArgumentParser(description=description)
    modes = parser.add_mutually_exclusive_group()
    for spec in fields(BenchmarkArguments):
        settings = {key: value for key, value in spec.metadata.items() if value is not None}
        target = modes if spec.name in MODES else parser
        target.add_argument(f"--{spec.name.replace('_', '-')}", default=spec.default, **settings)
    return parser


def parse_arguments(argv: list[str] | None = None) -> BenchmarkArguments:
    """The options of `argv` (default: the command line's), resolved and checked; a worker
    process's are taken as they are (its parent resolved them)."""
    parser = build_parser()
    arguments = BenchmarkArguments(**vars(parser.parse_args(argv)))
    if arguments.worker:
        return arguments
    try:
        arguments.resolve()
    except ValueError as error:
        parser.error(str(error))
    return arguments
