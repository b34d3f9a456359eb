"""hf-pipeline: `transformers.pipeline("token-classification", aggregation_strategy="simple")`,
batched, on the same encoder with a head of 3 x (span types) labels, the same window length and
stride (tokenizer.model_max_length = --max-length); hf-pipeline-int8: the same with int8 linear
layers (CPU only).

The head is newsie's own tagger where the shapes match (a model without casing features), so
that both pipelines find about as many entities and do comparable work decoding them. The
windows the pipeline forwards are counted: the report warns if it read fewer than the encoder.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import safe_open
from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

from newsie.benchmarks.harness import Job, time_on_corpus
from newsie.models.storage import WEIGHTS_NAME
from newsie.quantization import quantize_model
from newsie.schema import DEFAULT_SCHEMA
from newsie.windows import TAGS, O


def newsie_tagger(job: Job) -> dict[str, torch.Tensor]:
    """newsie's tagger as one softmax over the HF head's 3 x (span types) labels, in the same
    order. newsie scores O, B and I per span type; each type's B and I less its own O (its O rows
    zero) tag the same tokens wherever one type at a time is tagged, so both pipelines find about
    as many entities (a random head tags far more) and do comparable work decoding them."""
    with safe_open(Path(job.model_dir) / WEIGHTS_NAME, "pt") as weights:
        tagger = {name: weights.get_tensor(f"tagger.{name}") for name in ("weight", "bias")}
    by_type = {name: rows.unflatten(0, (-1, len(TAGS))) for name, rows in tagger.items()}
    return {name: (rows - rows[:, O : O + 1]).flatten(0, 1) for name, rows in by_type.items()}


def token_classifier(job: Job, quantize: str | None) -> torch.nn.Module:
    """The encoder with a token-classification head, newsie's tagger where the shapes match."""
    types = DEFAULT_SCHEMA.span_types
    labels = [tag if tag == "O" else f"{tag}-{t}" for t in types for tag in ("O", "B", "I")]
    model = AutoModelForTokenClassification.from_pretrained(
        job.encoder_dir, num_labels=len(labels), id2label=dict(enumerate(labels))
    )
    tagger_weights = newsie_tagger(job)
    if tagger_weights["weight"].shape == model.classifier.weight.shape:  # no casing features
        model.classifier.load_state_dict(tagger_weights)
    model = model.to(job.device, dtype=job.torch_dtype).eval()
    return quantize_model(model, quantize) if quantize else model


def time_hf_pipeline(job: Job, quantize: str | None) -> dict:
    tokenizer = AutoTokenizer.from_pretrained(job.encoder_dir)
    tokenizer.model_max_length = job.max_length
    model = token_classifier(job, quantize)
    windows: list[int] = []  # rows of each forward pass: how much text the pipeline really read
    model.register_forward_hook(
        lambda _module, _args, kwargs, _output: windows.append(len(kwargs["input_ids"])),
        with_kwargs=True,
    )
    tagger = pipeline(
        "token-classification",
        model=model,
        tokenizer=tokenizer,
        aggregation_strategy="simple",
        stride=job.stride,
        device=job.device,
    )

    def infer(texts: list[str]) -> dict:
        windows.clear()
        entities = sum(len(found) for found in tagger(texts, batch_size=job.batch_size))
        return {"entities": entities, "windows": sum(windows)}

    return time_on_corpus(job, infer)
