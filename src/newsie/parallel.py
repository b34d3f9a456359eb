"""Extraction in worker processes: `Extractor.pipe(texts, n_process=N)`.

A `WorkerPool` starts N processes, each of which loads its own copy of the model once and runs
the ordinary pipeline (`newsie.inference.Predictor`) over chunks of documents. The parent reads
the texts lazily, keeps at most `IN_FLIGHT_PER_WORKER` chunks per worker in flight and yields the
Documents in input order, so memory stays bounded however many texts stream through. The pool
outlives a `pipe` call: starting the workers (torch's import and the model load) costs seconds.

Why: the host side of extraction (Viterbi, spans, boundary rules, relations) is Python on one
core per process. On a GPU it, not the encoder, sets a process's pace (`docs/performance.md`);
N processes feeding one GPU spread it over N cores. On a CPU the encoder already uses every
core, so there one process is as fast.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

import torch
from transformers.utils import logging as transformers_logging

from newsie.allocator import keep_freed_memory, keeps_freed_memory
from newsie.data import Document
from newsie.inference import Predictor, text_chunks

# A task carries about one full batch of text (at CHARS_PER_TOKEN): enough to fill the device's
# batch, little enough that every worker gets some of a modest input. One worker's host work
# overlaps the others' encoder work, and two tasks in flight per worker keep each one busy.
CHARS_PER_TOKEN = 4
IN_FLIGHT_PER_WORKER = 2
# How long the pool waits for every worker to have loaded the model.
START_TIMEOUT_S = 600


class DocumentPipe(Protocol):
    def pipe(self, texts: Iterable[str]) -> Iterator[Document]: ...


class WorkerPool:
    """`n_process` worker processes, each with the pipe that `load` returns (`load`: a picklable
    callable, such as a `functools.partial` of `Extractor.from_pretrained`). All of them have
    loaded it when the constructor returns; a worker that failed to raises its error here. A pool
    whose worker died (killed, out of memory) is `broken`: start a new one."""

    def __init__(self, load: Callable[[], DocumentPipe], n_process: int) -> None:
        if n_process < 2:
            raise ValueError(f"a WorkerPool needs at least 2 processes, got {n_process}")
        self.n_process = n_process
        self.broken = False
        # spawn, not fork: a forked child cannot use CUDA, and forking a process whose torch
        # threads hold locks can hang the child.
        context = multiprocessing.get_context("spawn")
        started = context.Barrier(n_process, timeout=START_TIMEOUT_S)
        threads = max(1, torch.get_num_threads() // n_process)  # the workers share the cores
        self._executor = ProcessPoolExecutor(
            n_process,
            mp_context=context,
            initializer=_start_worker,
            initargs=(load, threads, started, keeps_freed_memory()),
        )
        # Workers start on demand: n tasks submitted at once start n workers, and a worker
        # that waits at the barrier takes no other task, so all n have loaded when these return.
        try:
            for future in [self._executor.submit(_wait_for_the_others) for _ in range(n_process)]:
                future.result()
        except BaseException:
            started.abort()  # release the workers that wait for one that will not come
            self.close()
            raise

    def pipe(self, texts: Iterable[str], chunk_chars: int) -> Iterator[Document]:
        """Documents for `texts`, in input order; each task is a chunk of about `chunk_chars`
        characters (see `task_chars`)."""
        pending: deque[Future] = deque()
        try:
            for chunk in text_chunks(texts, chunk_chars):
                pending.append(self._executor.submit(_extract, chunk))
                if len(pending) >= IN_FLIGHT_PER_WORKER * self.n_process:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        except BrokenProcessPool as error:
            self.broken = True
            raise RuntimeError(
                "a newsie worker process died (killed, or out of memory?): the documents from "
                "here on were not extracted; the next pipe call starts new workers"
            ) from error
        finally:  # the caller stopped reading early: drop the chunks no worker has begun
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def task_chars(predictor: Predictor) -> int:
    """Characters of text per task: one full batch of `predictor`'s windows, each of which adds
    its content length less the overlap in new tokens."""
    window_step = predictor.scheduler.content_length - predictor.scheduler.stride
    return predictor.batch_size * window_step * CHARS_PER_TOKEN


# Set in each worker process by `_start_worker`.
_worker_pipe: DocumentPipe | None = None
_worker_error: Exception | None = None
_started = None


def _start_worker(
    load: Callable[[], DocumentPipe], threads: int, started, keep_memory: bool
) -> None:
    global _worker_pipe, _worker_error, _started
    torch.set_num_threads(threads)
    if keep_memory:  # the parent opted in to the allocator settings: so do its workers
        keep_freed_memory()
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar from each worker
    _started = started
    try:
        _worker_pipe = load()
    except Exception as error:  # raised again by the worker's tasks, so the parent sees why
        _worker_error = error


def _wait_for_the_others() -> None:
    _started.wait()
    if _worker_error is not None:
        raise _worker_error


def _extract(texts: list[str]) -> list[Document]:
    if _worker_error is not None:
        raise _worker_error
    return list(_worker_pipe.pipe(texts))
