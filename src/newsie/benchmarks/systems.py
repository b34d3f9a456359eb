"""The systems the benchmark can time, by name (each one's module says what it measures), and
which of them a run picks from its options.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from newsie.benchmarks.encoder_rows import time_encoder
from newsie.benchmarks.harness import SystemRun
from newsie.benchmarks.hf_rows import time_hf_pipeline
from newsie.benchmarks.host_replay import time_newsie_host, time_newsie_host_workers
from newsie.benchmarks.newsie_rows import (
    time_newsie,
    time_newsie_workers,
    time_one_megabyte_document,
)
from newsie.benchmarks.profiling import profile_newsie
from newsie.benchmarks.tokenizer_rows import time_tokenizer
from newsie.benchmarks.training_rows import time_newsie_training, time_plain_training
from newsie.registry import Registry

if TYPE_CHECKING:  # the arguments module reads this one's names for --worker
    from newsie.benchmarks.arguments import BenchmarkArguments


def system_table() -> Registry[SystemRun]:
    systems: Registry[SystemRun] = Registry("benchmark system")
    systems.add("newsie", functools.partial(time_newsie, quantize=None))
    systems.add("newsie-int8", functools.partial(time_newsie, quantize="int8"))
    systems.add("newsie-workers", time_newsie_workers)
    systems.add("hf-pipeline", functools.partial(time_hf_pipeline, quantize=None))
    systems.add("hf-pipeline-int8", functools.partial(time_hf_pipeline, quantize="int8"))
    systems.add("encoder", time_encoder)
    systems.add("newsie-1mb", time_one_megabyte_document)
    systems.add("newsie-profile", profile_newsie)
    systems.add("newsie-host", time_newsie_host)
    systems.add("newsie-host-workers", time_newsie_host_workers)
    systems.add("tokenizer", time_tokenizer)
    systems.add("train-newsie", time_newsie_training)
    systems.add("train-hf", time_plain_training)
    return systems


SYSTEMS = system_table()


def chosen_systems(args: BenchmarkArguments) -> list[str]:
    """The systems a run times, in the order it runs them and reports them."""
    if args.memory_1mb:
        return ["newsie-1mb"]
    if args.train:
        return ["train-newsie", "train-hf"]
    names = ["newsie", "hf-pipeline", "encoder"]
    if args.int8:
        names += ["newsie-int8", "hf-pipeline-int8"]
    if args.n_process > 1:
        names.append("newsie-workers")
    if args.profile:
        names += ["newsie-profile", "newsie-host", "tokenizer"]
    if args.profile and args.n_process > 1:
        names.append("newsie-host-workers")
    return names
