"""The Extractor on a tiny random model: input checking, streaming, long texts, and exact
character offsets for any unicode text."""

from __future__ import annotations

import itertools
import unicodedata

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import BertConfig

from newsie.data import Document
from newsie.extractor import Extractor
from newsie.inference import GPU_BATCH_SIZE, Predictor, default_batch_size
from newsie.models import load_model_folder
from newsie.windows import O

SENTENCES = [
    "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.",
    '"We will not go to Lagos," Amina Bello told reporters in Abuja.',
    "A bus crash near Cusco left three tourists injured, police said.",
]


@pytest.fixture(scope="module")
def extractor(tiny_model) -> Extractor:
    model, tokenizer = tiny_model
    return Extractor(model, tokenizer, device="cpu")


@pytest.fixture(scope="module")
def eager_extractor(tiny_model_dir) -> Extractor:
    """Keeps every relation the random heads score at all, so that relations appear."""
    model, tokenizer = load_model_folder(tiny_model_dir)
    model.config.relation_threshold = 1e-6
    return Extractor(model, tokenizer, device="cpu")


@pytest.fixture(scope="module")
def sparse_extractor(tiny_model_dir) -> Extractor:
    """Tags a few percent of tokens, in windows of 64 tokens. (A random model tags nearly every
    token, and the relation pairs it scores grow with the square of the spans in a window.)"""
    model, tokenizer = load_model_folder(tiny_model_dir)
    with torch.no_grad():
        model.tagger.weight.mul_(10.0)
        model.tagger.bias.view(-1, 3)[:, O] += 2.0
    return Extractor(model, tokenizer, device="cpu", max_length=64, stride=16)


def check_document(doc: Document, text: str, schema) -> None:
    """The output contract: exact offsets, valid relations, a document the corpus reader takes."""
    assert doc.text == text
    for span in doc.spans:
        assert 0 <= span.start < span.end <= len(text), span
        assert text[span.start : span.end] == span.text, span
        assert span.label in schema.span_types
    ids = {id(span) for span in doc.spans}
    for rel in doc.relations:
        allowed = schema.relation_type(rel.label)
        assert id(rel.head) in ids and id(rel.tail) in ids, rel
        assert (rel.head.label, rel.tail.label) == (allowed.head, allowed.tail), rel
    data = doc.to_dict()
    assert Document.from_dict(data).to_dict() == data  # validates: the corpus format holds


def test_extractor_returns_spans_and_relations(extractor):
    doc = extractor(SENTENCES[0])
    assert isinstance(doc, Document) and doc.spans  # a random model tags nearly everything
    check_document(doc, SENTENCES[0], extractor.schema)
    assert doc.annotated.spans == extractor.schema.span_types
    assert all(0.0 < span.score <= 1.0 for span in doc.spans)
    for casualty in doc.spans_of("CASUALTY"):
        assert set(casualty.attrs) == {"count", "qualifier", "status"}


@pytest.mark.parametrize("value, name", [(b"bytes", "bytes"), (None, "NoneType"), (12, "int"),
                                         (["a list"], "list")])
def test_non_str_text_raises_type_error_naming_the_type(extractor, value, name):
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        extractor(value)
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        list(extractor.pipe(["fine", value]))


@pytest.mark.parametrize("texts", ["Rebels shelled Homs.", b"Rebels shelled Homs.",
                                   bytearray(b"Homs"), {"a": "Rebels shelled Homs."}])
@pytest.mark.parametrize("n_process", [1, 2])
def test_pipe_refuses_one_text_or_a_mapping_before_any_work(extractor, texts, n_process):
    """A str would be one document per character; a dict, one per key. Refused at the call, before
    a worker process starts or a Document is made."""
    with pytest.raises(TypeError, match=rf"got a {type(texts).__name__}, .*pass a list of texts, "
                                        "or call the extractor on one text"):
        extractor.pipe(texts, n_process=n_process)
    assert [d.text for d in extractor.pipe(["Rebels shelled Homs."])] == ["Rebels shelled Homs."]


@pytest.mark.parametrize("value, hint", [(["a", "b"], r"for many texts, use extractor\.pipe"),
                                         (b"bytes", r"decode it first")])
def test_calling_with_something_other_than_one_text_says_what_to_do(extractor, value, hint):
    with pytest.raises(TypeError, match=hint):
        extractor(value)


@pytest.mark.parametrize("text", ["", " ", "\n\r\n\t  ", "\u200b\u200b", "\x00\x01"])
def test_empty_or_blank_text_gives_an_empty_document(extractor, text):
    doc = extractor(text)
    assert doc.text == text and doc.spans == [] and doc.relations == []


def test_pipe_keeps_input_order_across_chunks_and_batches(tiny_model):
    model, tokenizer = tiny_model
    texts = [f"{SENTENCES[k % 3]} Item {k}." + " More words." * (k % 3) for k in range(8)]
    texts.insert(5, "")
    predictor = Predictor(model, tokenizer, batch_size=3, chunk_chars=120)  # many chunks
    docs = list(predictor.predict(iter(texts)))
    assert [d.text for d in docs] == texts
    one_by_one = Extractor(model, tokenizer, device="cpu")
    for text, doc in zip(texts, docs, strict=True):
        expected = [(s.label, s.start, s.end) for s in one_by_one(text).spans]
        assert [(s.label, s.start, s.end) for s in doc.spans] == expected


def test_pipe_accepts_a_generator_and_is_lazy(extractor):
    consumed = []

    def texts():
        for text in SENTENCES:
            consumed.append(text)
            yield text

    stream = extractor.pipe(texts(), batch_size=2)
    assert consumed == []  # nothing is read before the first document is asked for
    docs = list(stream)
    assert [d.text for d in docs] == SENTENCES == consumed


def test_pipe_streams_an_endless_generator(tiny_model):
    model, tokenizer = tiny_model
    consumed = itertools.count()

    def endless():
        for k in consumed:
            yield f"{SENTENCES[k % 3]} ({k})"

    predictor = Predictor(model, tokenizer, chunk_chars=500)
    first = list(itertools.islice(predictor.predict(endless()), 4))
    assert [d.text for d in first] == [f"{SENTENCES[k % 3]} ({k})" for k in range(4)]
    assert next(consumed) < 20  # it read one chunk ahead, not the whole stream


def test_long_text_is_covered_by_windows_with_offsets_in_bounds(sparse_extractor):
    rng = np.random.default_rng(7)
    words = " ".join(SENTENCES).split()
    text = " ".join(rng.choice(words, size=20_000))
    doc = sparse_extractor(text)
    check_document(doc, text, sparse_extractor.schema)
    assert len(doc.spans) > 100
    assert max(span.end for span in doc.spans) > 0.95 * len(text)  # the last windows count too
    assert doc.relations


UNICODE_TEXTS = [
    "Rebels\x00 shelled\x07 Homs\x1b[0m on Monday,\x7f killing 12\u0085 people.",
    "Rebels 🚀🇸🇾 shelled Homs 👩‍👩‍👧, killing 👍🏽 12 people said Omar.",
    "Zoe\u0308 and Jose\u0301 met Ame\u0301lie in Zu\u0308rich; ﬁnal ｗｉｄｅ Ⅻ text.",
    "قال المتحدث باسم الجيش إن 12 شخصا قتلوا في حمص. Rebels said \u202bשלום\u202c here.",
    "Line one.\r\nAmina Bello said\r\n\r\n\"We will go to Lagos.\"\r\n",
    "İstanbul ẞtraße ǅemal ΣΊΣΥΦΟΣ ﬀ straße killed 12 people \U0001d54f\U0001d546.",
    "\ufeffBOM first, then tabs\tand\u00a0no-break\u2028separators\u2029here.",
    unicodedata.normalize("NFC", "Zoe\u0308 Ame\u0301lie shelled Zu\u0308rich."),
    unicodedata.normalize("NFD", "Zoë Amélie shelled Zürich."),
]


@pytest.mark.parametrize("text", UNICODE_TEXTS)
def test_unicode_and_control_characters_keep_offsets_exact(eager_extractor, text):
    doc = eager_extractor(text)
    check_document(doc, text, eager_extractor.schema)
    assert doc.spans


def test_relations_appear_and_join_allowed_types(eager_extractor):
    doc = eager_extractor(" ".join(SENTENCES))
    check_document(doc, doc.text, eager_extractor.schema)
    assert {rel.label for rel in doc.relations} == {"SPEAKER", "PLACE", "PERPETRATOR"}
    heads = [(rel.label, id(rel.head)) for rel in doc.relations]
    assert len(heads) == len(set(heads))  # one tail per head and relation (the config's default)


def test_relations_do_not_depend_on_how_windows_are_batched(sparse_extractor):
    # Prediction runs batches as a pipeline (decode one while the next computes); each batch's
    # spans and relation scores must still land in the right documents, in the same order.
    texts = [" ".join(SENTENCES[k % 3 :] + SENTENCES[: k % 3]) * (1 + k % 4) for k in range(9)]

    def triples(batch_size: int) -> list[list[tuple]]:
        return [
            [(r.label, r.head.start, r.tail.start) for r in doc.relations]
            + [(s.label, s.start, s.end) for s in doc.spans]
            for doc in sparse_extractor.pipe(texts, batch_size=batch_size)
        ]

    one_at_a_time = triples(1)
    relation_labels = set(sparse_extractor.schema.relation_names)
    assert sum(t[0] in relation_labels for doc in one_at_a_time for t in doc) > 10
    assert triples(2) == one_at_a_time
    assert triples(64) == one_at_a_time


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200))
def test_any_unicode_text_gives_exact_spans_and_valid_relations(eager_extractor, text):
    doc = eager_extractor(text)
    check_document(doc, text, eager_extractor.schema)


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.sampled_from(" ".join(SENTENCES).split() + ["\r\n", "é", "👍"]),
                      min_size=1, max_size=120))
def test_word_soup_across_window_boundaries(eager_extractor, words):
    text = " ".join(words)
    doc = eager_extractor(text)
    check_document(doc, text, eager_extractor.schema)


def test_from_pretrained_gives_what_the_model_in_memory_gives(tiny_model, tiny_model_dir):
    model, tokenizer = tiny_model
    loaded = Extractor.from_pretrained(tiny_model_dir, device="cpu")
    in_memory = Extractor(model, tokenizer, device="cpu")
    for text in SENTENCES:
        assert loaded(text).to_dict() == in_memory(text).to_dict()


def test_settings_are_checked(tiny_model, monkeypatch):
    model, tokenizer = tiny_model
    with pytest.raises(ValueError, match="unknown dtype"):
        Extractor(model, tokenizer, device="cpu", dtype="float8")
    with pytest.raises(ValueError, match="stride"):
        Extractor(model, tokenizer, device="cpu", stride=62)
    with pytest.raises(ValueError, match="batch_size"):
        Extractor(model, tokenizer, device="cpu", batch_size=0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        Extractor(model, tokenizer, device="cuda")
    assert Extractor(model, tokenizer, device="auto").device.type == "cpu"


def test_default_batch_size_keeps_cpu_activations_under_budget(tiny_model):
    minilm = BertConfig(hidden_size=384, intermediate_size=1536)
    assert default_batch_size(minilm, 512, torch.device("cpu")) == 5  # 5 x 3 MB under 16 MB
    assert default_batch_size(minilm, 128, torch.device("cpu")) == 21
    large = BertConfig(hidden_size=1024, intermediate_size=4096)
    assert default_batch_size(large, 512, torch.device("cpu")) == 2
    assert default_batch_size(large, 4096, torch.device("cpu")) == 1  # never 0
    assert default_batch_size(large, 512, torch.device("cuda")) == GPU_BATCH_SIZE
    model, tokenizer = tiny_model
    extractor = Extractor(model, tokenizer, device="cpu")
    expected = default_batch_size(model.encoder.config, 64, torch.device("cpu"))
    assert extractor.batch_size == expected
    assert Extractor(model, tokenizer, device="cpu", batch_size=3).batch_size == 3
