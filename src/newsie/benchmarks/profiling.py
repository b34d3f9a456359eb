"""newsie-profile (--profile): where newsie's time goes, by part.

After a warm-up, one pass of `Extractor.pipe` with the PROFILE_PARTS wrapped in timers (each
part's total and own time, its own time leaving out the parts it calls), then one more under
cProfile for the functions of most own time.

PROFILE_PARTS names the stages of newsie's prediction pipeline (`newsie.inference`: the
scheduler's encoder and device stages, its collection, and post-processing with the text rules
it calls), each patched where the pipeline looks it up; it is the one place to change when those
functions move.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import pstats
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import torch

from newsie.benchmarks.harness import Job
from newsie.benchmarks.newsie_rows import count_predictions, load_extractor
from newsie.inference import postprocessing, predictor, scheduler, window_tables
from newsie.inference.outputs import DocumentOutputs
from newsie.models import NewsieModel

# (label, owner, attribute, runs GPU kernels) of the functions --profile times; helpers that a
# stage imports are replaced in the module that looks them up.
PROFILE_PARTS = [
    ("tokenize", scheduler, "tokenize", False),
    ("encoder forward", NewsieModel, "encode", True),
    ("device stages (tables)", scheduler, "window_tables", True),
    ("tags (decoding)", window_tables, "bio_tags", True),
    ("relation scorer", NewsieModel, "score_pairs", True),
    ("collection", scheduler.WindowScheduler, "collect", False),
    ("postprocess (Document)", predictor, "postprocess", False),
    ("spans joined", DocumentOutputs, "token_spans", False),
    ("trim_span", postprocessing, "trim_span", False),
    ("snap_span", postprocessing, "snap_span", False),
    ("casualty attributes", postprocessing, "casualty_attributes", False),
    ("relations", postprocessing, "_relations", False),
]
TOP_FUNCTIONS = 15  # cProfile's functions of most own time that are reported


class PartTimer:
    """Wall-clock seconds of the PROFILE_PARTS while installed. A part's own time leaves out the
    parts it calls; parts that launch GPU kernels wait for them, so the time lands on them."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.total, self.own, self.calls = Counter(), Counter(), Counter()
        self.inner: list[float] = []  # per open part: seconds spent in the parts it called

    def wrap(self, label: str, function: Callable, runs_kernels: bool) -> Callable:
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self.inner.append(0.0)
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                if runs_kernels and self.device == "cuda":
                    torch.cuda.synchronize()
                return result
            finally:
                elapsed = time.perf_counter() - start
                self.total[label] += elapsed
                self.own[label] += elapsed - self.inner.pop()
                self.calls[label] += 1
                if self.inner:
                    self.inner[-1] += elapsed

        return timed

    @contextlib.contextmanager
    def installed(self) -> Iterator[PartTimer]:
        with contextlib.ExitStack() as stack:
            for label, owner, name, runs_kernels in PROFILE_PARTS:
                if not hasattr(owner, name):
                    raise AttributeError(
                        f"PROFILE_PARTS: {owner.__name__} has no {name} any more; update the list"
                    )
                wrapped = self.wrap(label, getattr(owner, name), runs_kernels)
                stack.enter_context(mock.patch.object(owner, name, wrapped))
            yield self

    def parts(self) -> list[dict]:
        return [
            {
                "part": label,
                "calls": self.calls[label],
                "seconds": self.total[label],
                "own_seconds": self.own[label],
            }
            for label, *_ in PROFILE_PARTS
        ]


def top_own_time(run: Callable[[], object]) -> list[dict]:
    """The functions of most own time while `run` runs under cProfile."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    by_own_time = sorted(pstats.Stats(profiler).stats.items(), key=lambda item: -item[1][2])
    return [
        {"function": f"{Path(file).name}:{line} {name}", "seconds": row[2], "calls": row[1]}
        for (file, line, name), row in by_own_time[:TOP_FUNCTIONS]
    ]


def profile_newsie(job: Job) -> dict:
    extractor = load_extractor(job)
    texts = job.texts
    count_predictions(extractor.pipe(texts[: job.warmup]))
    with PartTimer(job.device).installed() as timer:
        start = time.perf_counter()
        count_predictions(extractor.pipe(texts))
        seconds = time.perf_counter() - start
    top = top_own_time(lambda: count_predictions(extractor.pipe(texts)))
    return {"seconds": seconds, "parts": timer.parts(), "top_own_time": top}
