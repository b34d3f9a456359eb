"""Behaviour pinned by saved output: what the model pipeline, the rule baseline and the corpus
converters produce on fixed input, compared span for span and relation for relation.

The saved files were written by the code before a refactor and must not change with one. Only
offsets, labels, CASUALTY attributes and relations are compared, never scores. Rewrite them,
deliberately, when a change is meant to alter output:

    NEWSIE_WRITE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_saved_predictions.py

The model is a tiny random encoder with seeded weights in float64, so that its tags do not flip
between CPUs on ties in the last float32 bit; its output is noise, but it is noise that passes
through every decoding, trimming, snapping, overlap and relation step of the real pipeline.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, SHARED_DATA

from newsie.corpus import read_jsonl
from newsie.data import Document

SNAPSHOTS = Path(__file__).parent / "snapshots"
TEST_SPLIT = REPO / "corpus" / "newsie-news" / "test.jsonl"
WRITE = os.environ.get("NEWSIE_WRITE_SNAPSHOTS") == "1"


def standoff(doc: Document) -> dict:
    """A document's spans and relations by offsets: what is compared, nothing else."""
    key = {id(s): [s.label, s.start, s.end] for s in doc.spans}
    spans = sorted(
        [*key[id(s)], {k: v for k, v in sorted(s.attrs.items())}] for s in doc.spans
    )
    relations = sorted([r.label, key[id(r.head)], key[id(r.tail)]] for r in doc.relations)
    return {"spans": spans, "relations": relations}


def check_snapshot(name: str, documents: list[Document]) -> None:
    got = [{"id": doc.id or str(i), **standoff(doc)} for i, doc in enumerate(documents)]
    path = SNAPSHOTS / f"{name}.json.gz"
    if WRITE:
        SNAPSHOTS.mkdir(exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as f:
            json.dump(got, f, separators=(",", ":"))
    with gzip.open(path, "rt", encoding="utf-8") as f:
        saved = json.load(f)
    assert len(got) == len(saved)
    assert sum(len(d["spans"]) for d in saved) > 0, "a snapshot with no spans pins nothing"
    for new, old in zip(got, saved, strict=True):
        assert new == old, f"{name}: document {old['id']} changed"


@pytest.fixture(scope="module")
def test_split() -> list[Document]:
    return read_jsonl(TEST_SPLIT)


@pytest.fixture(scope="module")
def seeded_extractor(tiny_encoder_dir):
    """A tiny model whose every weight comes from a seeded numpy generator, run in float64."""
    import torch
    from transformers import AutoTokenizer

    from newsie import Extractor
    from newsie.models import NewsieModel
    from newsie.schema import DEFAULT_SCHEMA

    model = NewsieModel.from_encoder(str(tiny_encoder_dir), DEFAULT_SCHEMA, max_length=64,
                                     stride=16, relation_threshold=0.5)
    # Layer norms stay at 1 and 0 and the encoder's matrices small, so that every token keeps its
    # own hidden state (larger weights give every token the same tags); the heads' weights and
    # biases are drawn too, so that every span type and relation type occurs.
    rng = np.random.default_rng(2026)
    with torch.no_grad():
        for name, param in sorted(model.named_parameters()):
            in_head = not name.startswith("encoder.")
            if "LayerNorm" in name or (param.ndim < 2 and not in_head):
                continue
            scale = 1.0 if "embeddings" in name else 0.5 if in_head else 0.2
            param.copy_(torch.from_numpy(rng.normal(0.0, scale, tuple(param.shape))))
        # A QUOTE survives snapping only inside quotation marks: a likelier O keeps noise quotes
        # short enough for that.
        model.tagger.bias.view(-1, 3)[DEFAULT_SCHEMA.span_types.index("QUOTE"), 0] += 2.0
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    return Extractor(model, tokenizer, device="cpu", dtype=torch.float64, batch_size=7)


def test_model_pipeline_output_is_unchanged(seeded_extractor, test_split):
    predicted = list(seeded_extractor.pipe(doc.text for doc in test_split))
    for doc, gold in zip(predicted, test_split, strict=True):
        doc.id = gold.id
    check_snapshot("tiny-model-test-split", predicted)


def test_rule_baseline_output_is_unchanged(test_split):
    from newsie.rules import RuleExtractor

    predicted = list(RuleExtractor().pipe(doc.text for doc in test_split))
    for doc, gold in zip(predicted, test_split, strict=True):
        doc.id = gold.id
    check_snapshot("rules-test-split", predicted)


def test_silver_layers_are_unchanged(test_split):
    """Silver QUOTE/CASUALTY layers and their relations on documents stripped to ACTOR and
    LOCATION, as the recipes add them to re3d and GUM."""
    from newsie.data import Annotated
    from newsie.rules import add_silver_layers

    stripped = [
        Document(text=d.text, id=d.id,
                 spans=[s for s in d.spans if s.label in ("ACTOR", "LOCATION")],
                 annotated=Annotated(spans=("ACTOR", "LOCATION"), relations=()))
        for d in test_split
    ]
    check_snapshot("silver-test-split", [add_silver_layers(d) for d in stripped])


@pytest.mark.parametrize("corpus", ["re3d", "gum"])
def test_converter_output_is_unchanged(corpus):
    if not (SHARED_DATA / corpus).is_dir():
        pytest.skip(f"{SHARED_DATA / corpus} is not here")
    from newsie.converters import convert

    result = convert(corpus, [SHARED_DATA / corpus])
    check_snapshot(f"converted-{corpus}", result.documents)
