"""newsie's host side alone (--profile): how fast this CPU can feed an accelerator.

    newsie-host          one pass of `Extractor.pipe` records the encoder's outputs per window,
                         a second, timed, replays them: everything but the encoder. Of its time,
                         device_s is spent in the stages that run on the model's device
                         (`window_tables`: tagger, decoding, spans, pairs, relation scorer; and
                         the replayed encoder), on this CPU in turn with the rest; on a GPU
                         they run behind the host's work. The rest, host_s, is the host side:
                         its tokens/s (host_tokens_per_s) bound what any accelerator can reach
                         with one process on this CPU.
    newsie-host-workers  with --n-process N: the same host side in N worker processes, through
                         `newsie.parallel.WorkerPool` as `Extractor.pipe(n_process=N)` uses it:
                         what N cores of this CPU can feed an accelerator.

The replayed pass must find what the recording one found, or the row fails.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import torch
from safetensors.torch import load_file, save_file

from newsie import inference
from newsie.benchmarks.harness import Job, synchronize, time_inference
from newsie.benchmarks.newsie_rows import count_predictions, counting, load_extractor
from newsie.extractor import Extractor
from newsie.inference import scheduler
from newsie.models import NewsieModel
from newsie.parallel import WorkerPool, task_chars


class EncoderReplay:
    """The encoder's outputs recorded per window (its token ids, padding left out), so that a
    later pass, batched or chunked in any way, can replay them instead of running the encoder."""

    def __init__(self, windows: dict[str, torch.Tensor] | None = None) -> None:
        self.windows = windows if windows is not None else {}

    @staticmethod
    def keys(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> list[tuple[str, int]]:
        lengths = attention_mask.sum(-1).tolist()
        ids = input_ids.cpu().numpy()
        return [
            (hashlib.sha1(row[:length].tobytes()).hexdigest(), length)
            for row, length in zip(ids, lengths, strict=True)
        ]

    def recording(self, encode: Callable) -> Callable:
        """`encode` (NewsieModel.encode) keeping each window's output."""

        def record(model, input_ids, attention_mask, *args, **kwargs):
            hidden = encode(model, input_ids, attention_mask, *args, **kwargs)
            keys = self.keys(input_ids, attention_mask)
            for row, (key, length) in zip(hidden, keys, strict=True):
                self.windows[key] = row[:length].clone()
            return hidden

        return record

    def replaying(self) -> Callable:
        """A stand-in for `NewsieModel.encode` (padding positions are zeros: nothing reads them)."""

        def replay(model, input_ids, attention_mask, *args, **kwargs) -> torch.Tensor:
            rows = [self.windows[key] for key, _ in self.keys(input_ids, attention_mask)]
            hidden = rows[0].new_zeros((*input_ids.shape, rows[0].shape[-1]))
            for i, row in enumerate(rows):
                hidden[i, : len(row)] = row
            return hidden

        return replay

    def save(self, path: Path) -> None:
        save_file({key: row.cpu() for key, row in self.windows.items()}, str(path))

    @classmethod
    def load(cls, path: Path, device: str) -> EncoderReplay:
        return cls(load_file(str(path), device=device))


def record_encoder(extractor: Extractor, texts: list[str]) -> tuple[EncoderReplay, dict]:
    """One pass of `pipe` that records the encoder's outputs; returns them and what it found."""
    replay = EncoderReplay()
    with mock.patch.object(NewsieModel, "encode", replay.recording(NewsieModel.encode)):
        return replay, count_predictions(extractor.pipe(texts))


def time_replayed(job: Job, pipe: Callable, expected: dict, timer=contextlib.nullcontext) -> dict:
    """`pipe` warmed up and then timed (inside `timer`) on the whole corpus; it must find what
    the recording found."""
    count_predictions(pipe(job.texts))
    with timer():
        result = time_inference(job, counting(pipe), [], job.texts)
    if {key: result[key] for key in expected} != expected:
        raise RuntimeError(f"replayed encoder outputs gave {result}, not {expected}")
    return result


def device_stages_timed(job: Job, spent: list[float]) -> Callable:
    """A context manager: while open, the seconds spent in the device's stages (the encoder,
    replayed or not, and `window_tables`) add up in `spent[0]`, each call waited for on a GPU."""
    spent[:] = [0.0]

    def timed(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            start = time.perf_counter()
            result = function(*args, **kwargs)
            synchronize(job)
            spent[0] += time.perf_counter() - start
            return result

        return run

    @contextlib.contextmanager
    def timing() -> Iterator[None]:
        with (
            mock.patch.object(NewsieModel, "encode", timed(NewsieModel.encode)),
            mock.patch.object(scheduler, "window_tables", timed(scheduler.window_tables)),
        ):
            yield

    return timing


def time_newsie_host(job: Job) -> dict:
    extractor = load_extractor(job)
    replay, expected = record_encoder(extractor, job.texts)
    spent: list[float] = []
    with mock.patch.object(NewsieModel, "encode", replay.replaying()):
        result = time_replayed(job, extractor.pipe, expected, device_stages_timed(job, spent))
    return {**result, "device_s": spent[0], "host_s": result["seconds"] - spent[0]}


def replaying_extractor(job: Job, replay_path: Path) -> Extractor:
    """In a worker process: the job's Extractor, its encoder replaced by recorded outputs."""
    replay = EncoderReplay.load(replay_path, job.device)
    mock.patch.object(NewsieModel, "encode", replay.replaying()).start()  # for the worker's life
    return load_extractor(job)


def time_newsie_host_workers(job: Job) -> dict:
    extractor = load_extractor(job)
    replay, expected = record_encoder(extractor, job.texts)
    replay_path = Path(job.workspace) / "encoder-replay.safetensors"
    replay.save(replay_path)
    chunk_chars = task_chars(
        inference.Predictor(
            extractor.model,
            extractor.tokenizer,
            batch_size=job.batch_size,
            max_length=job.max_length,
            stride=job.stride,
        )
    )
    pool = WorkerPool(functools.partial(replaying_extractor, job, replay_path), job.n_process)
    try:
        return time_replayed(job, lambda texts: pool.pipe(texts, chunk_chars), expected)
    finally:
        pool.close()
