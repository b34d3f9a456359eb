"""Extraction in worker processes (`Extractor.pipe(n_process=N)`, `newsie.parallel`): the same
Documents as one process, in input order, and clear errors."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
from unittest import mock

import pytest

from newsie.data import Document
from newsie.extractor import Extractor
from newsie.models import load_model_folder
from newsie.parallel import WorkerPool

SENTENCES = [
    "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.",
    '"We will not go to Lagos," Amina Bello told reporters in Abuja.',
    "A bus crash near Cusco left three tourists injured, police said.",
]


def outline(doc) -> tuple:
    """A Document's spans and relations by offsets. Scores are left out: workers run torch on
    fewer threads, which may change their last bits."""
    spans = [(s.label, s.start, s.end, s.text, s.attrs) for s in doc.spans]
    relations = [(r.label, r.head.start, r.tail.start) for r in doc.relations]
    return doc.text, spans, relations


def test_worker_processes_give_the_documents_of_one_process_in_order(tiny_model_dir):
    texts = [f"{SENTENCES[k % 3]} Item {k}." + " More words." * (k % 4) for k in range(40)]
    texts.insert(5, "")
    # Tasks of 2 windows x (64 - 2 - 16) tokens x 4 = 368 characters: more than are in flight.
    with Extractor.from_pretrained(tiny_model_dir, device="cpu", batch_size=2) as extractor:
        # A change made in memory reaches the workers: they load the model as it is now.
        extractor.model.config.relation_threshold = 1e-6
        expected = [outline(doc) for doc in extractor.pipe(texts)]
        assert any(relations for *_, relations in expected)
        for _ in range(2):  # the second call reuses the started workers
            found = [outline(doc) for doc in extractor.pipe(iter(texts), n_process=2)]
            assert found == expected
        stream = extractor.pipe(iter(texts), n_process=2)
        assert outline(next(stream)) == expected[0]
        stream.close()  # stopping early leaves the pool usable
        with pytest.raises(TypeError, match=r"\bint\b"):
            list(extractor.pipe([*texts, 12], n_process=2))
        assert [outline(doc) for doc in extractor.pipe(texts[:3], n_process=2)] == expected[:3]
        # A worker that dies (as under the out-of-memory killer) gives a clear error, and the
        # next call starts new workers.
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="worker process died"):
            list(extractor.pipe(texts, n_process=2))
        assert [outline(doc) for doc in extractor.pipe(texts, n_process=2)] == expected


def test_a_worker_that_cannot_load_the_model_raises_its_error(tmp_path):
    load = functools.partial(Extractor.from_pretrained, tmp_path / "missing", device="cpu")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        WorkerPool(load, 2)


def test_n_process_is_checked(tiny_model_dir):
    model, tokenizer = load_model_folder(tiny_model_dir)
    extractor = Extractor(model, tokenizer, device="cpu")
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="n_process"):
            extractor.pipe(SENTENCES, n_process=bad)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        extractor.pipe(SENTENCES, batch_size=0, n_process=2)
    quantized = Extractor(model, tokenizer, device="cpu", quantize="int8")
    with pytest.raises(ValueError, match="from_pretrained"):
        quantized.pipe(SENTENCES, n_process=2)
    with pytest.raises(ValueError, match="at least 2"):
        WorkerPool(lambda: extractor, 1)


def test_pipes_in_two_threads_with_different_batch_sizes_run_side_by_side(tiny_model_dir):
    texts = [f"{SENTENCES[k % 3]} Item {k}." for k in range(24)]
    # The first thread reads half its texts, then waits for the second to read from its workers.
    reading = {1: threading.Event(), 2: threading.Event()}
    found = {}

    def stream(batch_size: int):
        yield from texts[:12]
        reading[batch_size].set()
        assert reading[2].wait(timeout=240)
        yield from texts[12:]

    def read(batch_size: int) -> None:
        try:
            assert batch_size == 1 or reading[1].wait(timeout=240)
            documents = extractor.pipe(stream(batch_size), batch_size=batch_size, n_process=2)
            found[batch_size] = [outline(doc) for doc in documents]
        except BaseException as error:  # reported by the assertion below
            found[batch_size] = error
            reading[2].set()

    with Extractor.from_pretrained(tiny_model_dir, device="cpu") as extractor:
        expected = [outline(doc) for doc in extractor.pipe(texts)]
        threads = [threading.Thread(target=read, args=(size,)) for size in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == {1: expected, 2: expected}
        # The threads have ended, their workers have not: newsie started them from a thread of
        # its own, so the parent-death signal, which follows the starting thread, has not come.
        workers = {worker.pid for worker in multiprocessing.active_children()}
        assert len(workers) == 4
        again = extractor.pipe(texts, batch_size=1, n_process=2)
        assert [outline(doc) for doc in again] == expected
        assert {worker.pid for worker in multiprocessing.active_children()} == workers


class FakePool:
    """Stands for a WorkerPool: extracts nothing, starts no process."""

    def __init__(self) -> None:
        self.readers = 0
        self.broken = False
        self.closed = False

    def pipe(self, texts, chunk_chars):
        return (Document(text) for text in texts)

    def close(self, terminate=False):
        self.closed = True


def test_a_pool_is_kept_while_read_and_stopped_when_idle_and_other_settings_come(tiny_model_dir):
    extractor = Extractor.from_pretrained(tiny_model_dir, device="cpu")
    started = []

    def start_pool(batch_size, n_process):
        started.append(FakePool())
        return started[-1]

    with mock.patch.object(extractor, "_start_pool", side_effect=start_pool):
        reading = extractor.pipe(SENTENCES, batch_size=1, n_process=2)
        next(reading)
        assert len(list(extractor.pipe(SENTENCES, batch_size=2, n_process=2))) == 3
        assert len(started) == 2 and not started[0].closed  # in use: kept
        # Same settings: the same pool, however many times.
        assert len(list(extractor.pipe(SENTENCES, batch_size=2, n_process=2))) == 3
        assert len(started) == 2
        # Other settings while the first pipe still reads: only the idle pool is stopped.
        list(extractor.pipe(SENTENCES, batch_size=3, n_process=2))
        assert [pool.closed for pool in started] == [False, True, False]
        reading.close()
        list(extractor.pipe(SENTENCES, batch_size=3, n_process=3))
        assert [pool.closed for pool in started] == [True, True, True, False]
        # A pool whose worker died is replaced, even if a pipe reads from it.
        started[-1].broken = True
        list(extractor.pipe(SENTENCES, batch_size=3, n_process=3))
        assert [pool.closed for pool in started] == [True, True, True, True, False]
        extractor.close()
        assert all(pool.closed for pool in started)
