"""int8 dynamic quantization: valid Documents, tag log-probs near float32, clear refusals."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from newsie import Extractor
from newsie.quantization import QUANTIZERS, quantize_dynamic_int8, quantize_model

TEXTS = [
    "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.",
    '"We will not go to Lagos," Amina Bello told reporters in Abuja.',
    "Über 40 Menschen — selon l'ONU — ont fui Kraków après l'attaque 🚒 de mardi.",
    " ".join(f"Police in Cusco said {n} tourists were hurt on day {n}." for n in range(1, 30)),
]


@pytest.fixture(scope="module")
def sharp_model(tiny_model):
    """The tiny model with a confident tagger, so that it predicts spans and the log-probs it
    gives are far from uniform (a random head's near-uniform output would hide any error)."""
    model = copy.deepcopy(tiny_model[0])
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.tagger.weight.copy_(torch.randn(model.tagger.weight.shape, generator=generator))
    return model.eval()


def tag_log_probs(model, tokenizer, texts: list[str]) -> torch.Tensor:
    batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=64)
    with torch.inference_mode():
        hidden = model.encode(batch["input_ids"], batch["attention_mask"])
        log_probs = torch.log_softmax(model.tag(hidden).float(), dim=-1)
    return log_probs[batch["attention_mask"].bool()]


def test_int8_extractor_returns_valid_documents(sharp_model, tiny_model):
    extractor = Extractor(sharp_model, tiny_model[1], device="cpu", quantize="int8")
    docs = list(extractor.pipe(TEXTS, batch_size=3))
    assert [doc.text for doc in docs] == TEXTS
    assert sum(len(doc.spans) for doc in docs) > 0
    for doc in docs:
        for span in doc.spans:
            assert doc.text[span.start : span.end] == span.text
            assert span.label in extractor.schema.span_types
        for relation in doc.relations:
            assert relation.head in doc.spans and relation.tail in doc.spans


def test_int8_tag_log_probs_are_close_to_float32(sharp_model, tiny_model):
    quantized = quantize_dynamic_int8(sharp_model)
    reference = tag_log_probs(sharp_model, tiny_model[1], TEXTS)
    approximate = tag_log_probs(quantized, tiny_model[1], TEXTS)
    assert reference.exp().max(-1).values.mean() > 0.6  # confident, not uniform
    # Compared as probabilities: log-probs of near-impossible tags (-12 or so) move by tenths
    # under int8 and matter to nobody.
    gap = (approximate.exp() - reference.exp()).abs()
    assert gap.mean() < 0.02 and gap.max() < 0.15
    assert (approximate.argmax(-1) == reference.argmax(-1)).float().mean() > 0.95


def test_first_position_gets_its_own_input_scale():
    # A first token 50 times larger than the rest (as [CLS] is in BERT-like encoders) must not
    # coarsen the others: quantized on one shared scale, their error grows by about as much.
    generator = torch.Generator().manual_seed(0)
    linear = nn.Linear(64, 32)
    x = torch.randn(4, 24, 64, generator=generator)
    x[:, 0] *= 50
    original = x.clone()
    with torch.inference_mode():
        reference = linear(x)
        out = quantize_dynamic_int8(linear)(x)
        shared_scale = torch.ops.quantized.linear_dynamic(
            x, quantize_dynamic_int8(linear)._packed, reduce_range=True
        )
    assert torch.equal(x, original)  # the input is restored
    error = (out - reference)[:, 1:].abs().mean()
    assert error < 0.03 * reference[:, 1:].abs().mean()
    assert error * 5 < (shared_scale - reference)[:, 1:].abs().mean()
    assert torch.allclose(out[:, 0], reference[:, 0], rtol=0.05, atol=0.05 * 50)


def test_quantization_replaces_linear_layers_of_a_copy_only(sharp_model):
    quantized = quantize_model(sharp_model, "int8")
    from newsie.quantization import Int8Linear as quantized_linear
    assert any(isinstance(m, quantized_linear) for m in quantized.modules())
    assert not any(isinstance(m, nn.Linear) for m in quantized.modules())
    assert not any(isinstance(m, quantized_linear) for m in sharp_model.modules())


def test_from_pretrained_int8_loads_and_refuses_to_save(tiny_model_dir, tmp_path):
    extractor = Extractor.from_pretrained(tiny_model_dir, device="cpu", quantize="int8")
    doc = extractor(TEXTS[0])
    assert all(doc.text[s.start : s.end] == s.text for s in doc.spans)
    with pytest.raises(ValueError, match="cannot be saved"):
        extractor.save_pretrained(tmp_path / "quantized")


def test_unknown_method_names_the_known_ones(tiny_model):
    with pytest.raises(ValueError, match="unknown quantization 'int4'.*int8"):
        Extractor(copy.deepcopy(tiny_model[0]), tiny_model[1], device="cpu", quantize="int4")
    assert "int8" in QUANTIZERS


def test_int8_refuses_other_float_types(tiny_model):
    with pytest.raises(ValueError, match="starts from float32 weights"):
        Extractor(
            copy.deepcopy(tiny_model[0]),
            tiny_model[1],
            device="cpu",
            dtype="bfloat16",
            quantize="int8",
        )


def test_int8_refuses_a_model_off_the_cpu():
    # A meta tensor stands in for a GPU here: tests run on CPU, and the check is the same.
    layer = nn.Linear(4, 4, device="meta")
    with pytest.raises(ValueError, match="CPU only.*device='cpu'"):
        quantize_dynamic_int8(layer)
