"""The model on a tiny encoder: loss, masking of unannotated types, relation pairs, and the model
folder (save, load, and the folders it refuses)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from newsie.data import Annotated
from newsie.models import NewsieModel, load_model_folder, save_model_folder
from newsie.schema import DEFAULT_SCHEMA
from newsie.training.features import NewsieCollator, build_features, unpack_row
from newsie.windows import IGNORE

SCHEMA = DEFAULT_SCHEMA
TYPES = list(SCHEMA.span_types)
RELATIONS = list(SCHEMA.relation_names)


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_model_dir):
    """A private copy of the tiny model: these tests change its weights."""
    model, tokenizer = load_model_folder(tiny_model_dir)
    return model.eval(), tokenizer


def features(documents, tokenizer, max_length: int = 64, stride: int = 16):
    return build_features(documents, tokenizer, SCHEMA, max_length=max_length, stride=stride,
                          use_casing=False)


def unpacked(documents, tokenizer, **settings) -> list[dict]:
    """The feature rows as Python lists of their shapes, easy to compare."""
    return [{name: array.tolist() for name, array in unpack_row(row).items()}
            for row in features(documents, tokenizer, **settings)]


def batch_of(documents, tokenizer, **settings) -> dict[str, torch.Tensor]:
    rows = list(features(documents, tokenizer, **settings))
    return NewsieCollator(tokenizer.pad_token_id)(rows)


def head_rows(label: str) -> slice:
    """The tagger's output rows (O, B, I) of one span type."""
    k = TYPES.index(label)
    return slice(3 * k, 3 * k + 3)


def test_forward_returns_a_loss_and_logits(model_and_tokenizer, documents):
    model, tokenizer = model_and_tokenizer
    batch = batch_of(documents, tokenizer)
    output = model(**batch)
    n, length = batch["input_ids"].shape
    assert output.tag_logits.shape == (n, length, len(TYPES), 3)
    assert output.pair_logits.shape == (len(batch["pair_index"]), len(RELATIONS))
    assert output.loss.ndim == 0 and torch.isfinite(output.loss) and output.loss > 0
    output.loss.backward()
    assert model.relation_scorer[-1].weight.grad.abs().sum() > 0  # gold pairs train the head
    model.zero_grad()


def test_window_weights_scale_each_windows_part_of_the_loss(model_and_tokenizer, documents):
    model, tokenizer = model_and_tokenizer
    batch = batch_of(documents, tokenizer)
    n = len(batch["input_ids"])
    assert batch["window_weights"].tolist() == [1.0] * n  # build_features' default
    assert len(batch["pair_index"])  # the relation loss is weighted too

    def loss(weights: list[float]) -> torch.Tensor:
        with torch.no_grad():
            return model(**{**batch, "window_weights": torch.tensor(weights)}).loss

    unweighted = {k: v for k, v in batch.items() if k != "window_weights"}
    with torch.no_grad():
        assert torch.equal(model(**unweighted).loss, loss([1.0] * n))
    # each window's part is linear in its weight, the divisor unchanged
    alone = [loss([float(i == j) for j in range(n)]) for i in range(n)]
    weights = [2.0, *[1.0] * (n - 1)]
    parts = zip(weights, alone, strict=True)
    assert torch.allclose(loss(weights), sum(w * part for w, part in parts))
    assert loss(weights) > loss([1.0] * n)


def test_a_documents_weight_reaches_its_windows(documents, model_and_tokenizer):
    _, tokenizer = model_and_tokenizer
    rows = build_features(documents, tokenizer, SCHEMA, max_length=64, stride=16,
                          use_casing=False, weights=[0.5, 2.0, 1.0])
    per_document = {}
    for row, doc in zip(rows, _window_documents(documents, tokenizer), strict=True):
        per_document.setdefault(doc, set()).add(row["weight"])
    assert per_document == {0: {0.5}, 1: {2.0}, 2: {1.0}}


def _window_documents(documents, tokenizer) -> list[int]:
    """The document index of each window `features` makes, in order."""
    return [i for i, doc in enumerate(documents) for _ in features([doc], tokenizer)]


def test_labels_of_unannotated_types_are_ignored(model_and_tokenizer, documents):
    _, tokenizer = model_and_tokenizer
    partial = documents[0]
    partial.annotated = Annotated(spans=("ACTOR", "LOCATION"), relations=())
    [row] = unpacked([partial], tokenizer)
    labels = torch.tensor(row["labels"])
    for label in ("CASUALTY", "QUOTE"):
        assert (labels[:, TYPES.index(label)] == IGNORE).all()
    actor = labels[1:-1, TYPES.index("ACTOR")]  # inside the special tokens
    assert (actor != IGNORE).all() and (actor > 0).any()
    assert row["pairs"] == []  # CASUALTY is not annotated: no PLACE/PERPETRATOR candidates
    assert all(span[2] in (TYPES.index("ACTOR"), TYPES.index("LOCATION")) for span in row["spans"])


def test_an_unannotated_type_cannot_change_the_loss(model_and_tokenizer, documents):
    model, tokenizer = model_and_tokenizer
    for doc in documents:
        doc.annotated = Annotated(spans=("ACTOR", "LOCATION"), relations=())
    batch = batch_of(documents, tokenizer)
    model.zero_grad()
    loss = model(**batch).loss
    loss.backward()
    weight_grad, bias_grad = model.tagger.weight.grad, model.tagger.bias.grad
    for label in ("CASUALTY", "QUOTE"):
        assert (weight_grad[head_rows(label)] == 0).all(), label
        assert (bias_grad[head_rows(label)] == 0).all(), label
    for label in ("ACTOR", "LOCATION"):
        assert weight_grad[head_rows(label)].abs().sum() > 0, label
    model.zero_grad()

    original = model.tagger.weight.detach().clone()
    original_bias = model.tagger.bias.detach().clone()
    try:
        with torch.no_grad():
            for label in ("CASUALTY", "QUOTE"):
                model.tagger.weight[head_rows(label)] += 5 * torch.randn_like(
                    model.tagger.weight[head_rows(label)])
            assert torch.equal(model(**batch).loss, loss.detach())
            # Raise ACTOR's B logit alone, through the bias: the encoder's output is layer-normed,
            # so adding a constant to a weight row would add (almost) nothing to the logit.
            model.tagger.bias[head_rows("ACTOR").start + 1] += 1.0
            assert not torch.equal(model(**batch).loss, loss.detach())  # the check can fail
    finally:
        with torch.no_grad():
            model.tagger.weight.copy_(original)
            model.tagger.bias.copy_(original_bias)


def test_a_batch_with_no_annotated_type_gives_a_zero_loss(model_and_tokenizer, documents):
    model, tokenizer = model_and_tokenizer
    documents[0].annotated = Annotated(spans=(), relations=())
    output = model(**batch_of(documents[:1], tokenizer))
    assert output.loss.item() == 0.0 and output.loss.requires_grad


def labelled_pairs(doc, tokenizer) -> set[tuple[str, str, tuple[int, ...]]]:
    """(head text, tail text, label per relation type) of the one window of `doc`."""
    [row] = unpacked([doc], tokenizer)
    texts = [span.text for span in doc.spans]  # the window holds every span, in document order
    assert [TYPES[t] for _, _, t in row["spans"]] == [span.label for span in doc.spans]
    return {(texts[h], texts[t], tuple(labels))
            for (h, t), labels in zip(row["pairs"], row["pair_labels"], strict=True)}


def test_relation_pairs_are_allowed_type_pairs_labelled_by_gold(model_and_tokenizer, documents):
    _, tokenizer = model_and_tokenizer
    doc = documents[0]  # PLACE(12 people -> Homs), PERPETRATOR(12 people -> Rebels)
    no = IGNORE  # a relation the schema does not allow for the pair's types
    assert labelled_pairs(doc, tokenizer) == {
        ("at least 12 people", "Homs", (no, 1, no)),
        ("at least 12 people", "Rebels", (no, no, 1)),
        ("at least 12 people", "Omar Haddad", (no, no, 0)),
    }
    doc.annotated = Annotated(spans=tuple(TYPES), relations=("PLACE",))
    assert labelled_pairs(doc, tokenizer) == {  # PERPETRATOR is unknown, not absent
        ("at least 12 people", "Homs", (no, 1, no)),
        ("at least 12 people", "Rebels", (no, no, no)),
        ("at least 12 people", "Omar Haddad", (no, no, no)),
    }
    quote_doc = documents[1]  # SPEAKER(quote -> Amina Bello); reporters is another actor
    assert labelled_pairs(quote_doc, tokenizer) == {
        ("We will not go to Lagos,", "Amina Bello", (1, no, no)),
        ("We will not go to Lagos,", "reporters", (0, no, no)),
    }


def test_relation_pairs_only_join_spans_inside_one_window(model_and_tokenizer, documents):
    _, tokenizer = model_and_tokenizer
    rows = unpacked(documents[:1], tokenizer, max_length=12, stride=4)
    assert len(rows) > 1
    for row in rows:
        n = len(row["input_ids"])
        assert all(1 <= first <= last < n - 1 for first, last, _ in row["spans"])
        for h, t in row["pairs"]:
            assert SCHEMA.relations_between(TYPES[row["spans"][h][2]], TYPES[row["spans"][t][2]])


def test_score_pairs_masks_relations_the_schema_does_not_allow(model_and_tokenizer, documents):
    model, tokenizer = model_and_tokenizer
    batch = batch_of(documents[:1], tokenizer)
    types = [TYPES.index(t) for t in ("QUOTE", "ACTOR", "CASUALTY", "LOCATION")]
    span_index = torch.tensor([[0, 1 + k, 1 + k, t] for k, t in enumerate(types)])
    pair_index = torch.tensor([[0, 1], [1, 0], [2, 3], [2, 1], [3, 2], [1, 3]])
    with torch.no_grad():
        hidden = model.encode(batch["input_ids"], batch["attention_mask"])
        logits = model.score_pairs(hidden, span_index, pair_index)
    allowed = {0: {"SPEAKER"}, 2: {"PLACE"}, 3: {"PERPETRATOR"}}  # rows of pair_index
    for row in range(len(pair_index)):
        for r, name in enumerate(RELATIONS):
            masked = bool(logits[row, r] <= -1e4)
            assert masked != (name in allowed.get(row, set())), (row, name)


def test_save_and_load_give_identical_outputs(model_and_tokenizer, documents, tmp_path: Path):
    model, tokenizer = model_and_tokenizer
    model.config.relation_threshold = 0.3
    try:
        folder = save_model_folder(model, tokenizer, tmp_path / "model")
    finally:
        model.config.relation_threshold = 0.5
    for name in ("config.json", "model.safetensors", "schema.json", "tokenizer.json"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "schema.json").read_text()) == SCHEMA.to_dict()
    loaded, loaded_tokenizer = load_model_folder(folder)
    assert isinstance(loaded, NewsieModel) and loaded_tokenizer.is_fast
    assert loaded.config.relation_threshold == 0.3
    assert (loaded.config.max_length, loaded.config.stride) == (64, 16)
    assert loaded.config.label_schema == SCHEMA
    assert torch.equal(loaded.allowed_relations, model.allowed_relations)
    batch = batch_of(documents, tokenizer)
    with torch.no_grad():
        before, after = model.eval()(**batch), loaded.eval()(**batch)
    assert torch.equal(before.tag_logits, after.tag_logits)
    assert torch.equal(before.pair_logits, after.pair_logits)
    assert torch.equal(before.loss, after.loss)


def test_half_precision_checkpoints_load_in_float32(tiny_encoder_dir, documents, tmp_path: Path):
    """The heads are float32: an encoder saved in bfloat16 must not leave a mixed-dtype model."""
    from transformers import AutoModel, AutoTokenizer

    encoder_dir = tmp_path / "encoder-bf16"
    AutoModel.from_pretrained(tiny_encoder_dir).to(torch.bfloat16).save_pretrained(encoder_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    model = NewsieModel.from_encoder(str(encoder_dir), SCHEMA)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    with torch.no_grad():
        assert torch.isfinite(model(**batch_of(documents, tokenizer)).loss)

    folder = save_model_folder(model.to(torch.bfloat16), tokenizer, tmp_path / "model-bf16")
    loaded, _ = load_model_folder(folder)
    assert {p.dtype for p in loaded.parameters()} == {torch.float32}


@pytest.fixture
def folder_copy(tiny_model_dir, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


def test_a_folder_without_safetensors_is_refused(folder_copy: Path):
    (folder_copy / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="no model.safetensors") as caught:
        load_model_folder(folder_copy)
    assert ".bin" not in str(caught.value)
    (folder_copy / "pytorch_model.bin").write_bytes(b"pickled weights")
    with pytest.raises(FileNotFoundError, match="model.safetensors.*pytorch_model.bin"):
        load_model_folder(folder_copy)


def test_a_missing_folder_or_config_is_refused(folder_copy: Path, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model_folder(tmp_path / "nowhere")
    (folder_copy / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="no config.json"):
        load_model_folder(folder_copy)


def test_a_plain_encoder_folder_is_refused(tiny_encoder_dir):
    with pytest.raises(ValueError, match="not a newsie model config"):
        load_model_folder(tiny_encoder_dir)


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def drop_quote(schema: dict) -> None:
    schema["span_types"].remove("QUOTE")
    schema["relation_types"] = [r for r in schema["relation_types"] if r["name"] != "SPEAKER"]


def test_a_schema_json_that_disagrees_with_the_config_is_refused(folder_copy: Path):
    edit_json(folder_copy / "schema.json", drop_quote)
    with pytest.raises(ValueError, match="schema.json .* disagrees with config.json"):
        load_model_folder(folder_copy)


def test_a_schema_that_does_not_fit_the_heads_is_refused(folder_copy: Path):
    edit_json(folder_copy / "schema.json", drop_quote)
    edit_json(folder_copy / "config.json", lambda config: drop_quote(config["schema"]))
    with pytest.raises(ValueError, match="tagger.weight has 12 outputs .* needs 9: the schema "
                                         "does not match the heads"):
        load_model_folder(folder_copy)


def test_a_folder_without_schema_json_is_refused(folder_copy: Path):
    (folder_copy / "schema.json").unlink()
    with pytest.raises(FileNotFoundError, match="no schema.json"):
        load_model_folder(folder_copy)
