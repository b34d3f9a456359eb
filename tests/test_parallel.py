"""Extraction in worker processes (`Extractor.pipe(n_process=N)`, `newsie.parallel`): the same
Documents as one process, in input order, and clear errors."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal

import pytest

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
