"""The workspace every system's process reads: the corpus, the newsie model folder, its encoder's
folder and the `Job`; and the counts of the work (documents, words, tokens) rates are taken on.

Without --model the newsie model is an untrained NewsieModel around --encoder. The encoder's
cost does not depend on the weights, but decoding and relation scoring grow with the spans the
heads predict (relation pairs with their square), so the untrained tagger's O logits are first
shifted until it predicts about as many spans as the corpus annotates.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from newsie import inference
from newsie.benchmarks.arguments import BenchmarkArguments
from newsie.benchmarks.corpus import make_corpus, make_long_text
from newsie.benchmarks.harness import Job
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Document
from newsie.encoders import resolve_encoder
from newsie.extractor import Extractor
from newsie.models import NewsieModel, load_model_folder, save_model_folder
from newsie.schema import DEFAULT_SCHEMA
from newsie.windows import TAGS, O, tokenize

logger = logging.getLogger(__name__)

CALIBRATION_WORDS = 1000  # words of the corpus an untrained model's tagger is calibrated on
ONE_MEGABYTE = 1_000_000  # bytes of the --memory-1mb document


def calibrate_untrained_tagger(
    model: NewsieModel,
    tokenizer: PreTrainedTokenizerBase,
    documents: list[Document],
    args: BenchmarkArguments,
) -> tuple[int, int]:
    """Shift each span type's O logit until the model predicts about as many spans of that type
    as the first documents annotate; returns (predicted, gold) span counts on them.

    Random heads tag most tokens as spans, and relation scoring grows with the square of the
    spans in a window: uncalibrated, the timing would measure a model no one would ship.
    """
    words = np.cumsum([len(doc.text.split()) for doc in documents])
    sample = documents[: int(np.searchsorted(words, CALIBRATION_WORDS)) + 1]
    types = model.config.label_schema.span_types
    gold = Counter(span.label for doc in sample for span in doc.spans)
    extractor = Extractor(
        model, tokenizer, device="cpu", max_length=args.max_length, stride=args.stride
    )
    texts = [doc.text for doc in sample]
    low, high = np.full(len(types), -4.0), np.full(len(types), 12.0)
    for _ in range(10):  # bisection, every type at once
        middle = (low + high) / 2
        with torch.no_grad():
            model.tagger.bias[O :: len(TAGS)] = torch.from_numpy(middle).float()
        found = Counter(span.label for doc in extractor.pipe(texts) for span in doc.spans)
        too_many = np.array([found[label] > gold[label] for label in types])
        low, high = np.where(too_many, middle, low), np.where(too_many, high, middle)
    return sum(found.values()), sum(gold.values())


def newsie_model(
    args: BenchmarkArguments, documents: list[Document], workspace: Path
) -> tuple[NewsieModel, PreTrainedTokenizerBase, str, str]:
    """The model to time, its tokenizer, its folder and a note on what it is."""
    if args.model:
        model, tokenizer = load_model_folder(args.model)
        return model, tokenizer, str(args.model), str(args.model)
    torch.manual_seed(args.seed)
    encoder_path = resolve_encoder(args.encoder)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    model = NewsieModel.from_encoder(encoder_path, DEFAULT_SCHEMA)
    predicted, gold = calibrate_untrained_tagger(model, tokenizer, documents, args)
    model_dir = str(save_model_folder(model, tokenizer, workspace / "newsie"))
    note = (
        f"untrained NewsieModel around {args.encoder} (speed, not accuracy: the encoder's "
        "cost does not depend on the weights); its O logits are shifted so that it predicts "
        f"about as many spans as the corpus annotates ({predicted} against {gold} on a sample)"
    )
    return model, tokenizer, model_dir, note


def newsie_batch_size(
    model: NewsieModel, tokenizer: PreTrainedTokenizerBase, args: BenchmarkArguments
) -> int:
    """--batch-size, else newsie's own choice for this device and window length; every system
    runs this many windows a forward pass."""
    return inference.Predictor(
        model,
        tokenizer,
        device=args.device,
        batch_size=args.batch_size,
        max_length=args.max_length,
        stride=args.stride,
    ).batch_size


def count_corpus(
    documents: list[Document], tokenizer: PreTrainedTokenizerBase, source: str
) -> dict:
    """The work every rate is taken on: tokens are counted once per document (the encoder
    tokenizer's, no special tokens, no window overlap)."""
    texts = [doc.text for doc in documents]
    words = [len(text.split()) for text in texts]
    return {
        "source": source,
        "documents": len(texts),
        "words": sum(words),
        "tokens": sum(len(tokens) for tokens in tokenize(tokenizer, texts)),
        "min_words": min(words),
        "max_words": max(words),
    }


def prepare_workspace(args: BenchmarkArguments, workspace: Path) -> tuple[Job, dict, str]:
    """Write the corpus, the newsie model folder, its encoder folder and the job; returns the
    job, the corpus counts and a note on the model."""
    if args.data:
        documents = read_jsonl(args.data)[: args.docs]
    else:
        documents = make_corpus(args.docs, args.seed)
    write_jsonl(documents, workspace / "corpus.jsonl")
    model, tokenizer, model_dir, note = newsie_model(args, documents, workspace)
    encoder_dir = workspace / "encoder"
    model.encoder.save_pretrained(encoder_dir)
    tokenizer.save_pretrained(encoder_dir)
    if args.memory_1mb:
        (workspace / "one-megabyte.txt").write_text(
            make_long_text(ONE_MEGABYTE, args.seed), encoding="utf-8"
        )
    job = Job(
        workspace=str(workspace),
        model_dir=model_dir,
        encoder_dir=str(encoder_dir),
        device=args.device,
        dtype=args.dtype,
        batch_size=newsie_batch_size(model, tokenizer, args),
        n_process=args.n_process,
        max_length=args.max_length,
        stride=args.stride,
        warmup=args.warmup,
        train_steps=args.train_steps,
        train_batch_size=args.train_batch_size,
        seed=args.seed,
    )
    job.save()
    source = str(args.data) if args.data else f"generated (seed {args.seed})"
    return job, count_corpus(documents, tokenizer, source), note
