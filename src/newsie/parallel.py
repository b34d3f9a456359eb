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

A worker ends with its parent, however the parent ends (SIGKILL included): a worker left behind
would hold a copy of the model and the parent's standard output, so `newsie extract | grep`
would never end. On Linux the kernel kills it (`prctl(PR_SET_PDEATHSIG)`); everywhere a thread
in it exits once the parent is gone (`_end_with_parent`). The workers ignore SIGINT, which a
terminal sends to the whole process group: the parent stops them (`WorkerPool.close`).
multiprocessing's resource tracker needs nothing of its own: it exits when the last process
holding its pipe (the parent and the workers) has ended.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection
from typing import Protocol, TypeVar

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
# How often a worker checks that it has not been re-parented, between waits on its parent's pipe.
PARENT_CHECK_S = 1.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

T = TypeVar("T")


class DocumentPipe(Protocol):
    def pipe(self, texts: Iterable[str]) -> Iterator[Document]: ...


class WorkerPool:
    """`n_process` worker processes, each with the pipe that `load` returns (`load`: a picklable
    callable, such as a `functools.partial` of `Extractor.from_pretrained`). All of them have
    loaded it when the constructor returns; a worker that failed to raises its error here. A pool
    whose worker died (killed, out of memory) is `broken`: start a new one. `readers` counts the
    pipes reading from the pool now; its owner (an `Extractor`) keeps the count."""

    def __init__(self, load: Callable[[], DocumentPipe], n_process: int) -> None:
        if n_process < 2:
            raise ValueError(f"a WorkerPool needs at least 2 processes, got {n_process}")
        self.n_process = n_process
        self.broken = False
        self.readers = 0
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
        # They are submitted from the starter thread: see `_StarterThread`.
        try:
            waits = _STARTER.run(
                lambda: [self._executor.submit(_wait_for_the_others) for _ in range(n_process)]
            )
            for future in waits:
                future.result()
        except BaseException:
            started.abort()  # release the workers that wait for one that will not come
            self.close(terminate=True)
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

    def close(self, terminate: bool = False) -> None:
        """Stop the workers once their current tasks are done, or at once (SIGTERM) if
        `terminate`; tasks not yet begun are cancelled. A pipe still reading gets an error."""
        if terminate:
            # ProcessPoolExecutor.terminate_workers() does this from Python 3.14 on.
            for process in list((self._executor._processes or {}).values()):
                process.terminate()
        self._executor.shutdown(wait=True, cancel_futures=True)


def task_chars(predictor: Predictor) -> int:
    """Characters of text per task: one full batch of `predictor`'s windows, each of which adds
    its content length less the overlap in new tokens."""
    window_step = predictor.scheduler.content_length - predictor.scheduler.stride
    return predictor.batch_size * window_step * CHARS_PER_TOKEN


class _StarterThread:
    """Runs the calls that start worker processes in one daemon thread, which lives as long as
    this process and has SIGINT blocked.

    Why: the parent-death signal is sent when the *thread* that started a worker ends, not its
    process (prctl(2)), and `pipe` may be called from a thread that ends before the pool does. A
    blocked signal is inherited, so a worker ignores Ctrl-C from its start, torch's import
    included (`_start_worker` ignores it for good).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._calls: queue.SimpleQueue | None = None  # the thread's, made with it

    def run(self, function: Callable[[], T]) -> T:
        """`function()`, called in the starter thread."""
        result: Future = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # first call, or forked
                self._calls = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=_run_calls, args=(self._calls,), name="newsie-starter", daemon=True
                )
                self._thread.start()
            self._calls.put((function, result))
        return result.result()


def _run_calls(calls: queue.SimpleQueue) -> None:
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    while True:
        function, result = calls.get()
        try:
            result.set_result(function())
        except BaseException as error:  # the caller's to handle, whatever it is
            result.set_exception(error)


_STARTER = _StarterThread()

# Set in each worker process by `_start_worker`.
_worker_pipe: DocumentPipe | None = None
_worker_error: Exception | None = None
_started = None


def _start_worker(
    load: Callable[[], DocumentPipe], threads: int, started, keep_memory: bool
) -> None:
    global _worker_pipe, _worker_error, _started
    _end_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when its workers stop
    torch.set_num_threads(threads)
    if keep_memory:  # the parent opted in to the allocator settings: so do its workers
        keep_freed_memory()
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar from each worker
    _started = started
    try:
        _worker_pipe = load()
    except Exception as error:  # raised again by the worker's tasks, so the parent sees why
        _worker_error = error


def _end_with_parent() -> None:
    """Make this worker end when its parent process does, however the parent ends."""
    parent = multiprocessing.parent_process()
    if sys.platform.startswith("linux"):
        # The kernel's own check, which acts even while this process is busy in C code. The
        # thread it follows, the starter thread, lives as long as the parent process.
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # Elsewhere, and for a parent that ended before the line above: a thread that waits for it.
    threading.Thread(
        target=_exit_when_parent_ends,
        args=(parent.pid, parent.sentinel),
        name="newsie-parent-watch",
        daemon=True,
    ).start()


def _exit_when_parent_ends(parent_pid: int, parent_sentinel: int) -> None:
    # The sentinel (the parent's end of the spawn pipe) closes when the parent ends. A process
    # the parent forked may keep it open; this one is then re-parented, which getppid shows.
    while os.getppid() == parent_pid and not connection.wait([parent_sentinel], PARENT_CHECK_S):
        pass
    os._exit(1)  # no one is left to read the status


def _wait_for_the_others() -> None:
    _started.wait()
    if _worker_error is not None:
        raise _worker_error


def _extract(texts: list[str]) -> list[Document]:
    if _worker_error is not None:
        raise _worker_error
    return list(_worker_pipe.pipe(texts))
