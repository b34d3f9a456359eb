"""`newsie.integrations.datasets`: `Dataset.map(extract(extractor), batched=True)` gives each row
what `Extractor.pipe` gives its text, across batches of any make-up; bad rows are named."""

from __future__ import annotations

import json

import pytest
from conftest import ARTICLES, make_document
from datasets import Dataset

from newsie.extractor import Extractor
from newsie.integrations.datasets import extract, to_document

TEXTS = [make_document(m, r).text for m, r in ARTICLES]
LONG_TEXT = " ".join(TEXTS * 6)  # many windows of the tiny model's 64 tokens


@pytest.fixture(scope="module")
def extractor(tiny_model_dir) -> Extractor:
    extractor = Extractor.from_pretrained(tiny_model_dir, device="cpu")
    extractor.model.config.relation_threshold = 1e-6  # random heads: keep relations, to compare
    return extractor


def test_mapped_rows_are_what_pipe_gives(extractor):
    texts = [*TEXTS, LONG_TEXT, "", "No news today."]
    dataset = Dataset.from_dict({"text": texts, "source": [f"wire-{i}" for i in range(len(texts))]})
    mapped = dataset.map(extract(extractor), batched=True, batch_size=2)  # batches differ in kind
    expected = [document.to_dict() for document in extractor.pipe(texts)]

    fields = [key for key in expected[0] if key not in ("text", "annotated")]
    assert fields[:2] == ["spans", "relations"]  # then the document-level fields, if any
    assert mapped.column_names == ["text", "source", *fields]
    for field in fields:
        assert [json.loads(value) for value in mapped[field]] == [e[field] for e in expected]
    assert mapped["source"] == dataset["source"]
    assert [to_document(row).to_dict() for row in mapped] == expected
    assert any(e["relations"] for e in expected)  # the comparison covers relations
    assert any("attrs" in span for e in expected for span in e["spans"])  # and casualties
    long_spans = json.loads(mapped[len(TEXTS)]["spans"])
    assert max(span["end"] for span in long_spans) > len(LONG_TEXT) // 2  # not cut at a window


def test_other_text_column_and_prefix_keep_gold_columns(extractor):
    gold = [json.dumps([])] * len(TEXTS)
    dataset = Dataset.from_dict({"body": TEXTS, "spans": gold})
    with pytest.raises(ValueError, match=r"already has the column\(s\) \['spans'\].*prefix"):
        dataset.map(extract(extractor, text_column="body"), batched=True)
    mapped = dataset.map(extract(extractor, text_column="body", prefix="predicted_"),
                         batched=True)
    assert mapped["spans"] == gold
    expected = [document.to_dict() for document in extractor.pipe(TEXTS)]
    assert [to_document(row, "body", "predicted_").to_dict() for row in mapped] == expected


def test_a_text_that_is_not_a_str_is_an_error_naming_its_row(extractor):
    dataset = Dataset.from_dict({"text": [TEXTS[0], TEXTS[1], TEXTS[2], None]})
    with pytest.raises(TypeError, match=r"^row 3: column 'text' holds NoneType None, not a str"):
        dataset.map(extract(extractor), batched=True, batch_size=2, with_indices=True)
    with pytest.raises(TypeError, match=r"^row 1 of this batch \(map with with_indices=True"):
        dataset.map(extract(extractor), batched=True, batch_size=2)


def test_a_missing_text_column_is_an_error_naming_the_columns(extractor):
    dataset = Dataset.from_dict({"body": TEXTS})
    with pytest.raises(KeyError, match=r"no column 'text' \(it has \['body'\]\).*text_column"):
        dataset.map(extract(extractor), batched=True)
