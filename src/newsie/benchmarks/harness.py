"""Running one system: in a fresh Python process, warmed up, timed, its peak memory measured.

The parent writes a `Job` (the settings and folders every system reads) into a workspace folder
and starts `python -m newsie.benchmarks --worker NAME --workspace FOLDER` for each system, so that
each one's peak memory (CPU: peak RSS; CUDA: peak allocated) is its own, loading included. The
worker writes what the system measured to `result-NAME.json` there; its output is shown only if
it fails.

A system runs its inference once untimed on the first --warmup documents (kernels chosen, caches
filled, worker processes started) and once timed on all of them. With --repeat N every system
runs N times, round-robin, so that a slow spell of a shared machine hits every system, and each
system's run of median time is reported with every run's seconds beside it.
"""

from __future__ import annotations

import functools
import json
import logging
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from newsie.corpus import read_jsonl
from newsie.data import Document

logger = logging.getLogger(__name__)


@dataclass
class Job:
    """What every worker process reads from the workspace."""

    workspace: str
    model_dir: str
    encoder_dir: str
    device: str
    dtype: str
    batch_size: int
    n_process: int
    max_length: int
    stride: int
    warmup: int
    train_steps: int
    train_batch_size: int
    seed: int

    @functools.cached_property
    def documents(self) -> list[Document]:
        return read_jsonl(Path(self.workspace) / "corpus.jsonl")

    @property
    def texts(self) -> list[str]:
        return [doc.text for doc in self.documents]

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)

    def save(self) -> None:
        (Path(self.workspace) / "job.json").write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, workspace: Path) -> Job:
        return cls(**json.loads((workspace / "job.json").read_text()))


# A system: runs in its worker process and returns what it measured (its "seconds" at least).
SystemRun = Callable[[Job], dict]


def synchronize(job: Job) -> None:
    if job.device == "cuda":
        torch.cuda.synchronize()


def time_inference(
    job: Job, infer: Callable[[Any], dict], warmup_input: Any, timed_input: Any
) -> dict:
    """Run `infer` once untimed (warm-up) and once timed; its dict joins the result, with the
    timed run's minor page faults (memory the process touched afresh)."""
    if job.warmup:
        infer(warmup_input)
    synchronize(job)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    found = infer(timed_input)
    synchronize(job)
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return {"seconds": seconds, "page_faults": faults, **found}


def time_on_corpus(job: Job, infer: Callable[[list[str]], dict]) -> dict:
    """`time_inference` warmed up on the first --warmup documents, timed on all of them."""
    texts = job.texts
    return time_inference(job, infer, texts[: job.warmup], texts)


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux, VmHWM: getrusage's ru_maxrss would carry
    over the parent's resident size at the fork that started this process."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, KiB here


def run_in_worker(name: str, run: SystemRun, workspace: Path) -> None:
    """In the worker process: run one system on the workspace's job and write its result."""
    job = Job.load(workspace)
    torch.manual_seed(job.seed)  # a new random head's entities, and their decoding work, repeat
    if job.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    result = {"system": name, **run(job), "peak_rss_mb": peak_rss_mb()}
    if job.device == "cuda":
        result["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
    (workspace / f"result-{name}.json").write_text(json.dumps(result))


def spawn(name: str, workspace: Path) -> dict:
    """Run one system in a fresh interpreter; its output is shown only if it fails."""
    logger.info("  running %s ...", name)
    command = [
        sys.executable,
        "-m",
        "newsie.benchmarks",
        "--worker",
        name,
        "--workspace",
        str(workspace),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"system {name} failed (exit {done.returncode}):\n"
            f"{done.stdout[-4000:]}{done.stderr[-8000:]}"
        )
    return json.loads((workspace / f"result-{name}.json").read_text())


def run_round_robin(names: list[str], workspace: Path, repeat: int) -> dict[str, list[dict]]:
    """Every system `repeat` times, one round after another; each system's results in order."""
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            runs[name].append(spawn(name, workspace))
    return runs


def median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's seconds beside it."""
    middle = sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]
    return {**middle, "runs_s": [run["seconds"] for run in runs]}
