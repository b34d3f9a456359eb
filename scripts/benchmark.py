"""Speed and memory of newsie's prediction pipeline against the Hugging Face token-classification
pipeline and the bare encoder, in one run on one device.

    python scripts/benchmark.py                            # 40 generated documents, auto device
    python scripts/benchmark.py --device cpu --int8        # adds the int8 rows (CPU only)
    python scripts/benchmark.py --device cuda --docs 2000 --batch-size 64 --json bench.json
    python scripts/benchmark.py --model models/newsie-default --data dev.jsonl
    python scripts/benchmark.py --profile                  # where newsie's time goes, by part
    python scripts/benchmark.py --device cuda --n-process 4 # adds newsie in 4 worker processes
    python scripts/benchmark.py --memory-1mb               # peak RSS of one 1 MB document, CPU
    python scripts/benchmark.py --train --train-steps 20   # training samples/s, newsie vs HF

Each system runs in a fresh Python process, so its peak memory (CPU: peak RSS; CUDA: peak
allocated) is its own, loading included:

    newsie        Extractor.pipe: windows, encoder + heads, Viterbi, spans, relations, Documents
    hf-pipeline   transformers.pipeline("token-classification", aggregation_strategy="simple")
                  on the same encoder with a head of 3 x (span types) labels (newsie's own
                  tagger where the shapes match: a model without casing features), the same window
                  length and stride (tokenizer.model_max_length = --max-length), batched;
                  its windows are counted, with a WARNING if it read fewer than the encoder
    encoder       AutoModel's forward pass alone over exactly newsie's windows: the ceiling
                  (tokenization is timed apart, as tokenize_s, and left out of its rate); on
                  CPU under the glibc settings an Extractor applies (newsie.allocator), which
                  the HF rows, as a user would write them, do not get
    newsie-workers  with --n-process N: Extractor.pipe(n_process=N), the workers started by the
                  warm-up (peak RSS: the parent's; worker_peak_rss_mb: the largest worker's)

--profile adds newsie's time by part and newsie-host, the host side alone (the encoder's outputs
recorded in a first pass and replayed), and with --n-process N also newsie-host-workers, that
host side in N worker processes: how fast this CPU can feed an accelerator.

Tokens are counted once per document (the encoder tokenizer's tokens, no special tokens, no
overlap), so tokens/s compares systems on the same work. Without --model the benchmark builds an
untrained NewsieModel around --encoder (default: all-MiniLM-L6-v2): the encoder's cost does not
depend on the weights, but decoding and relation scoring grow with the spans the heads predict
(relation pairs with their square), so the untrained tagger's O logits are first shifted until it
predicts about as many spans as the corpus annotates. newsie's row reports the spans and relations
it found.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import hashlib
import itertools
import json
import math
import os
import platform
import pstats
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import (
    AutoModel,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    pipeline,
)

from newsie import inference
from newsie.allocator import keep_freed_memory
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Document
from newsie.encoders import DEFAULT_ENCODER, resolve_encoder
from newsie.extractor import Extractor
from newsie.markup import parse_markup
from newsie.models import NewsieModel, load_model_folder, save_model_folder
from newsie.models.storage import WEIGHTS_NAME
from newsie.parallel import WorkerPool, task_chars
from newsie.quantization import quantize_model
from newsie.schema import DEFAULT_SCHEMA
from newsie.training.arguments import TrainingSettings
from newsie.training.features import NewsieCollator, build_features, unpack_row
from newsie.training.trainer import NewsieTrainer
from newsie.windows import IGNORE, TAGS, O, SpecialTokens, make_windows, tokenize, window_input

MEMORY_TARGET_MB = 2048  # one 1 MB document must extract in at most this peak RSS
TRAIN_RATIO_TARGET = 0.8  # newsie's training samples/s over a plain token-classification run
# newsie's tokens/s over the bare encoder's on the same windows, by device type
ENCODER_RATIO_TARGETS = {"cpu": 0.9, "cuda": 0.7}
INT8_RATIO_TARGET = 1.8  # newsie-int8's documents/s over the float32 HF pipeline's
RECIPE = TrainingSettings()  # learning rates and weight decay of the training recipes
CALIBRATION_WORDS = 1000  # words of the corpus an untrained model's tagger is calibrated on

# --- A seeded generator of news-like documents -------------------------------------------------

# Sentence templates in newsie's markup (`[words]{id:LABEL attrs}`, see newsie.markup) with
# `$slots`; a `$quote` holds markup of its own, so slots are filled twice.
TEMPLATES: list[tuple[str, list[str]]] = [
    (
        "[$Group]{a:ACTOR} shelled [$place]{l:LOCATION} on $day, killing [at least $n $victims]"
        "{c:CASUALTY count=$n qualifier=at_least status=killed}.",
        ["PLACE c l", "PERPETRATOR c a"],
    ),
    (
        "[$n $victims]{c:CASUALTY count=$n qualifier=exact status=injured} were wounded when a "
        "bomb went off near a market in [$place]{l:LOCATION}, [$name]{a:ACTOR}, a local $role, "
        "said.",
        ["PLACE c l"],
    ),
    (
        '"[$quote]{q:QUOTE}," said [$name]{a:ACTOR}, a $role in [$place]{l:LOCATION}.',
        ["SPEAKER q a"],
    ),
    (
        '[$name]{a:ACTOR} told reporters in [$place]{l:LOCATION}: "[$quote]{q:QUOTE}."',
        ["SPEAKER q a"],
    ),
    (
        "An air strike on a convoy outside [$place]{l:LOCATION} killed [about $n $victims]"
        "{c:CASUALTY count=$n qualifier=approximately status=killed}, according to the "
        "[$agency]{a:ACTOR}.",
        ["PLACE c l"],
    ),
    (
        "[$Group]{a:ACTOR} and [$group]{b:ACTOR} clashed for hours on the road between "
        "[$place]{l:LOCATION} and [$place2]{m:LOCATION}.",
        [],
    ),
    (
        "The [$agency]{a:ACTOR} said on $day that more than $big people had fled "
        "[$place]{l:LOCATION} since $month.",
        [],
    ),
    (
        "In [$place]{l:LOCATION}, [$group]{a:ACTOR} opened fire on a crowd, wounding [$word "
        "$victims]{c:CASUALTY count=$wordn qualifier=exact status=injured}.",
        ["PLACE c l", "PERPETRATOR c a"],
    ),
    ('"[$quote]{q:QUOTE}," [$name]{a:ACTOR} wrote on social media on $day.', ["SPEAKER q a"]),
    ("Prices of bread and fuel have risen by $n percent since $month, traders said.", []),
    ("The talks are expected to resume next week, although no date has been set.", []),
    ("Schools in the district stayed closed for the $ordinal day in a row.", []),
    ("Electricity was restored to most neighbourhoods by the evening of $day.", []),
]
QUOTES = [
    "We will not leave until the last family is safe",
    "The situation is getting worse every hour",
    "Nobody warned us, and nobody came to help",
    "We need food, clean water and medicine, and we need them now",
    "The road to [$place3]{n:LOCATION} has been closed for a week",
    "This attack was planned, and those behind it will answer for it",
    "They came at night and burned everything we had",
]
# Slot values, "|"-separated.
SLOTS = {
    "group": "rebels|government forces|police|militants|security forces|gunmen|troops|insurgents",
    "place": "Homs|Mosul|Kabul|Lagos|Abuja|Kharkiv|Goma|Mogadishu|Cusco|Mandalay|Tripoli|Sanaa|"
    "Juba|Maiduguri|Bamako|Kraków|São Paulo|Düsseldorf|Port-au-Prince",
    "first": "Omar|Amina|Li|Sofia|Tomasz|Priya|Kwame|Elena|Hassan|Mei|Diego|Fatima|Yusuf|Ingrid|"
    "Ravi|Chloé",
    "last": "Haddad|Bello|Wei|Moreno|Kowalski|Sharma|Mensah|Petrova|Saleh|Tanaka|Alvarez|Diallo|"
    "Okafor|Lindqvist|Nair|Dubois",
    "agency": "United Nations|Red Cross|World Health Organization|Red Crescent|interior ministry|"
    "local health authority",
    "role": "spokesman|official|doctor|witness|aid worker|police commander|shopkeeper|teacher",
    "victims": "civilians|people|soldiers|children|police officers|villagers|passengers|workers",
    "day": "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday",
    "month": "January|March|April|June|August|October|December",
    "ordinal": "second|third|fourth|fifth|sixth",
}
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]


def fill_slots(rng: random.Random) -> dict[str, str]:
    options = {name: choices.split("|") for name, choices in SLOTS.items()}
    values = {name: rng.choice(choices) for name, choices in options.items()}
    values["Group"] = values["group"][0].upper() + values["group"][1:]
    values["group"] = rng.choice(options["group"])  # a second, often different, group
    values["place2"], values["place3"] = rng.sample(options["place"], 2)
    values["name"] = f"{values['first']} {values['last']}"
    values["n"] = str(rng.randint(2, 250))
    values["big"] = f"{rng.randint(2, 90) * 1000:,}"
    values["wordn"] = str(rng.randint(2, 11))
    values["word"] = NUMBER_WORDS[int(values["wordn"]) - 2]
    values["quote"] = rng.choice(QUOTES)
    return values


def make_sentence(rng: random.Random) -> tuple[str, list[dict], list[str]]:
    markup, relations = rng.choice(TEMPLATES)
    values = fill_slots(rng)
    filled = string.Template(string.Template(markup).substitute(values)).substitute(values)
    text, spans = parse_markup(filled)
    return text, spans, relations


def make_document(rng: random.Random, doc_id: str, min_words: int, max_words: int) -> Document:
    """Sentences until a log-uniform word count is reached (news lengths are skewed short)."""
    target = math.exp(rng.uniform(math.log(min_words), math.log(max_words)))
    text, spans, relations, words = "", [], [], 0
    for k in itertools.count():
        if words >= target:
            break
        sentence, sentence_spans, sentence_relations = make_sentence(rng)
        if text:
            text += "\n\n" if rng.random() < 0.25 else " "
        for span in sentence_spans:
            spans.append(
                {
                    **span,
                    "id": f"s{k}{span['id']}",
                    "start": span["start"] + len(text),
                    "end": span["end"] + len(text),
                }
            )
        for relation in sentence_relations:
            label, head, tail = relation.split()
            relations.append({"label": label, "head": f"s{k}{head}", "tail": f"s{k}{tail}"})
        text += sentence
        words += len(sentence.split())
    return Document.from_dict({"id": doc_id, "text": text, "spans": spans, "relations": relations})


def make_corpus(
    n_docs: int, seed: int, min_words: int = 100, max_words: int = 3000
) -> list[Document]:
    rng = random.Random(seed)
    return [make_document(rng, f"bench-{i:05d}", min_words, max_words) for i in range(n_docs)]


def make_long_text(n_bytes: int, seed: int) -> str:
    """Generated documents, one after another, until the text is `n_bytes` long in UTF-8."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n_bytes:
        part = make_document(rng, "part", 2000, 3000).text
        parts.append(part)
        size += len(part.encode("utf-8")) + 2
    return "\n\n".join(parts)


# --- The job every worker process reads from the workspace -------------------------------------


@dataclass
class Job:
    workspace: str
    model_dir: str
    encoder_dir: str
    device: str
    dtype: str
    batch_size: int
    n_process: int
    max_length: int
    stride: int
    warmup: int
    train_steps: int
    train_batch_size: int
    seed: int

    @property
    def documents(self) -> list[Document]:
        return read_jsonl(Path(self.workspace) / "corpus.jsonl")

    @property
    def texts(self) -> list[str]:
        return [doc.text for doc in self.documents]

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)

    def save(self) -> None:
        (Path(self.workspace) / "job.json").write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, workspace: Path) -> Job:
        return cls(**json.loads((workspace / "job.json").read_text()))


def calibrate_untrained_tagger(
    model: NewsieModel, tokenizer, documents: list[Document], args: argparse.Namespace
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
    for _ in range(10):
        middle = (low + high) / 2
        with torch.no_grad():
            model.tagger.bias[O :: len(TAGS)] = torch.from_numpy(middle).float()
        found = Counter(span.label for doc in extractor.pipe(texts) for span in doc.spans)
        too_many = np.array([found[label] > gold[label] for label in types])
        low, high = np.where(too_many, middle, low), np.where(too_many, high, middle)
    return sum(found.values()), sum(gold.values())


def prepare_workspace(args: argparse.Namespace, workspace: Path) -> tuple[Job, dict, str]:
    """Write the corpus, the newsie model folder and its encoder folder; count the work."""
    if args.data:
        documents = read_jsonl(args.data)[: args.docs]
    else:
        documents = make_corpus(args.docs, args.seed)
    write_jsonl(documents, workspace / "corpus.jsonl")
    if args.model:
        model, tokenizer = load_model_folder(args.model)
        model_dir, note = str(args.model), str(args.model)
    else:
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
    # newsie's own choice for this device and window length, used by every system
    batch_size = inference.Predictor(
        model,
        tokenizer,
        device=args.device,
        batch_size=args.batch_size,
        max_length=args.max_length,
        stride=args.stride,
    ).batch_size
    encoder_dir = workspace / "encoder"
    model.encoder.save_pretrained(encoder_dir)
    tokenizer.save_pretrained(encoder_dir)
    if args.memory_1mb:
        (workspace / "one-megabyte.txt").write_text(
            make_long_text(1_000_000, args.seed), encoding="utf-8"
        )
    job = Job(
        workspace=str(workspace),
        model_dir=model_dir,
        encoder_dir=str(encoder_dir),
        device=args.device,
        dtype=args.dtype,
        batch_size=batch_size,
        n_process=args.n_process,
        max_length=args.max_length,
        stride=args.stride,
        warmup=args.warmup,
        train_steps=args.train_steps,
        train_batch_size=args.train_batch_size,
        seed=args.seed,
    )
    job.save()
    texts = [doc.text for doc in documents]
    corpus = {
        "source": str(args.data) if args.data else f"generated (seed {args.seed})",
        "documents": len(texts),
        "words": sum(len(t.split()) for t in texts),
        "tokens": sum(len(t) for t in tokenize(tokenizer, texts)),
        "min_words": min(len(t.split()) for t in texts),
        "max_words": max(len(t.split()) for t in texts),
    }
    return job, corpus, note


# --- Systems: each runs in its own process and returns what it measured ------------------------

SYSTEMS: dict[str, Callable[[Job], dict]] = {}


def system(name: str) -> Callable[[Callable[[Job], dict]], Callable[[Job], dict]]:
    def decorate(run: Callable[[Job], dict]) -> Callable[[Job], dict]:
        SYSTEMS[name] = run
        return run

    return decorate


def synchronize(job: Job) -> None:
    if job.device == "cuda":
        torch.cuda.synchronize()


def time_inference(job: Job, infer: Callable, warmup_input, timed_input) -> dict:
    """Run `infer` once untimed (warm-up) and once timed; its dict joins the result, with the
    timed run's minor page faults (memory the process touched afresh)."""
    if job.warmup:
        infer(warmup_input)
    synchronize(job)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    found = infer(timed_input)
    synchronize(job)
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return {"seconds": seconds, "page_faults": faults, **found}


def load_extractor(job: Job, quantize: str | None = None) -> Extractor:
    return Extractor.from_pretrained(
        job.model_dir,
        device=job.device,
        dtype=job.dtype,
        batch_size=job.batch_size,
        max_length=job.max_length,
        stride=job.stride,
        quantize=quantize,
    )


def count_predictions(documents) -> dict:
    spans = relations = 0
    for doc in documents:
        spans += len(doc.spans)
        relations += len(doc.relations)
    return {"spans": spans, "relations": relations}


def newsie_system(job: Job, quantize: str | None) -> dict:
    """Times `Extractor.pipe`, then, in the same process right after, the extractor's own
    encoder alone over the same windows: a ceiling that a slow spell of a shared machine
    moves together with newsie's time, unlike the separate encoder row's."""
    extractor = load_extractor(job, quantize)
    texts = job.texts
    result = time_inference(
        job, lambda batch: count_predictions(extractor.pipe(batch)), texts[: job.warmup], texts
    )
    batches = window_batches(extractor.tokenizer, texts, job, job.max_length)
    own = time_inference(
        job, lambda chosen: forward_windows(extractor.model.encoder, chosen, job), [], batches
    )
    return {**result, "own_encoder_s": own["seconds"]}


@system("newsie")
def run_newsie(job: Job) -> dict:
    return newsie_system(job, quantize=None)


@system("newsie-int8")
def run_newsie_int8(job: Job) -> dict:
    return newsie_system(job, quantize="int8")


@system("newsie-workers")
def run_newsie_workers(job: Job) -> dict:
    """`Extractor.pipe(n_process=N)`; the warm-up call starts the workers (each loads the model),
    as the first call of a long extraction does once."""
    with load_extractor(job) as extractor:
        result = time_inference(
            job,
            lambda batch: count_predictions(extractor.pipe(batch, n_process=job.n_process)),
            job.texts[: job.warmup],
            job.texts,
        )
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {**result, "worker_peak_rss_mb": workers / 2**10}


def newsie_tagger(job: Job) -> dict[str, torch.Tensor]:
    """newsie's tagger as one softmax over the HF head's 3 x (span types) labels, in the same
    order. newsie scores O, B and I per span type; each type's B and I less its own O (its O rows
    zero) tag the same tokens wherever one type at a time is tagged, so both pipelines find about
    as many entities (a random head tags far more) and do comparable work decoding them."""
    with safe_open(Path(job.model_dir) / WEIGHTS_NAME, "pt") as weights:
        tagger = {name: weights.get_tensor(f"tagger.{name}") for name in ("weight", "bias")}
    by_type = {name: rows.unflatten(0, (-1, len(TAGS))) for name, rows in tagger.items()}
    return {name: (rows - rows[:, O : O + 1]).flatten(0, 1) for name, rows in by_type.items()}


def hf_pipeline_system(job: Job, quantize: str | None) -> dict:
    tokenizer = AutoTokenizer.from_pretrained(job.encoder_dir)
    tokenizer.model_max_length = job.max_length
    types = DEFAULT_SCHEMA.span_types
    labels = [tag if tag == "O" else f"{tag}-{t}" for t in types for tag in ("O", "B", "I")]
    model = AutoModelForTokenClassification.from_pretrained(
        job.encoder_dir, num_labels=len(labels), id2label=dict(enumerate(labels))
    )
    tagger_weights = newsie_tagger(job)
    if tagger_weights["weight"].shape == model.classifier.weight.shape:  # no casing features
        model.classifier.load_state_dict(tagger_weights)
    model = model.to(job.device, dtype=job.torch_dtype).eval()
    if quantize:
        model = quantize_model(model, quantize)
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

    texts = job.texts
    return time_inference(job, infer, texts[: job.warmup], texts)


@system("hf-pipeline")
def run_hf_pipeline(job: Job) -> dict:
    return hf_pipeline_system(job, quantize=None)


@system("hf-pipeline-int8")
def run_hf_pipeline_int8(job: Job) -> dict:
    return hf_pipeline_system(job, quantize="int8")


def window_batches(tokenizer, texts: list[str], job: Job, limit: int) -> list[dict]:
    """newsie's windows (see newsie.inference.Predictor): sorted by length, batched, padded."""
    if not texts:  # --warmup 0; the tokenizer refuses an empty list
        return []
    special = SpecialTokens(tokenizer)
    content_length = min(job.max_length, limit) - special.count
    docs = tokenize(tokenizer, texts)
    rows = sorted(
        (
            window_input(tokens.ids, w, special)
            for tokens in docs
            if len(tokens)
            for w in make_windows(len(tokens), content_length, job.stride)
        ),
        key=len,
    )
    batches = []
    for first in range(0, len(rows), job.batch_size):
        chunk = rows[first : first + job.batch_size]
        input_ids = np.full((len(chunk), len(chunk[-1])), special.pad_id, dtype=np.int64)
        attention = np.zeros_like(input_ids)
        for i, row in enumerate(chunk):
            input_ids[i, : len(row)] = row
            attention[i, : len(row)] = 1
        batches.append(
            {
                "input_ids": torch.from_numpy(input_ids),
                "attention_mask": torch.from_numpy(attention),
            }
        )
    return batches


@system("encoder")
def run_encoder(job: Job) -> dict:
    if job.device == "cpu":
        keep_freed_memory()  # the ceiling runs under the process settings newsie applies itself
    tokenizer = AutoTokenizer.from_pretrained(job.encoder_dir)
    model = AutoModel.from_pretrained(job.encoder_dir).to(job.device, dtype=job.torch_dtype).eval()
    limit = getattr(model.config, "max_position_embeddings", None) or job.max_length
    texts = job.texts
    start = time.perf_counter()
    batches = window_batches(tokenizer, texts, job, limit)
    tokenize_s = time.perf_counter() - start

    warmup = window_batches(tokenizer, texts[: job.warmup], job, limit)
    result = time_inference(
        job, lambda chosen: forward_windows(model, chosen, job), warmup, batches
    )
    return {**result, "tokenize_s": tokenize_s}


def forward_windows(encoder, batches: list[dict], job: Job) -> dict:
    """The bare encoder's forward pass over `window_batches` (the ceiling newsie is held to)."""
    with torch.inference_mode():
        for batch in batches:
            encoder(**{name: tensor.to(job.device) for name, tensor in batch.items()})
    return {"windows": sum(len(batch["input_ids"]) for batch in batches)}


@system("newsie-1mb")
def run_newsie_one_megabyte(job: Job) -> dict:
    extractor = load_extractor(job)
    loaded_rss = peak_rss_mb()
    text = (Path(job.workspace) / "one-megabyte.txt").read_text(encoding="utf-8")
    result = time_inference(job, lambda t: count_predictions([extractor(t)]), text[:5000], text)
    return {**result, "bytes": len(text.encode("utf-8")), "peak_rss_after_load_mb": loaded_rss}


# Where newsie's time goes: (label, owner, attribute, runs GPU kernels) of the functions that
# --profile times; newsie.inference's imported helpers are replaced where it looks them up.
PROFILE_PARTS = [
    ("tokenize", inference, "tokenize", False),
    ("encoder forward", NewsieModel, "encode", True),
    ("Viterbi", inference, "viterbi_bio", False),
    ("spans from tags", inference, "spans_from_tags", False),
    ("relation pairing", inference.Predictor, "_score_pairs", False),
    ("relation collection", inference.Predictor, "_collect", False),
    ("relation scorer", NewsieModel, "score_pairs", True),
    ("span offsets (_key)", inference.Predictor, "_key", False),
    ("trim_span", inference, "trim_span", False),
    ("documents (_finish)", inference.Predictor, "_finish", False),
    ("casualty attributes", inference, "casualty_attributes", False),
    ("relations (_relations)", inference.Predictor, "_relations", False),
]


class PartTimer:
    """Wall-clock seconds of the PROFILE_PARTS while installed. A part's own time leaves out the
    parts it calls; parts that launch GPU kernels wait for them, so the time lands on them."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.total, self.own, self.calls = Counter(), Counter(), Counter()
        self.inner: list[float] = []  # per open part: seconds spent in the parts it called

    def wrap(self, label: str, function: Callable, runs_kernels: bool) -> Callable:
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self.inner.append(0.0)
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                if runs_kernels and self.device == "cuda":
                    torch.cuda.synchronize()
                return result
            finally:
                elapsed = time.perf_counter() - start
                self.total[label] += elapsed
                self.own[label] += elapsed - self.inner.pop()
                self.calls[label] += 1
                if self.inner:
                    self.inner[-1] += elapsed

        return timed

    @contextlib.contextmanager
    def installed(self):
        with contextlib.ExitStack() as stack:
            for label, owner, name, runs_kernels in PROFILE_PARTS:
                if not hasattr(owner, name):
                    raise AttributeError(
                        f"PROFILE_PARTS: {owner.__name__} has no {name} any more; update the list"
                    )
                wrapped = self.wrap(label, getattr(owner, name), runs_kernels)
                stack.enter_context(mock.patch.object(owner, name, wrapped))
            yield self


@system("newsie-profile")
def run_newsie_profile(job: Job) -> dict:
    extractor = load_extractor(job)
    texts = job.texts
    count_predictions(extractor.pipe(texts[: job.warmup]))
    with PartTimer(job.device).installed() as timer:
        start = time.perf_counter()
        count_predictions(extractor.pipe(texts))
        seconds = time.perf_counter() - start
    parts = [
        {
            "part": label,
            "calls": timer.calls[label],
            "seconds": timer.total[label],
            "own_seconds": timer.own[label],
        }
        for label, *_ in PROFILE_PARTS
    ]
    profiler = cProfile.Profile()
    profiler.runcall(lambda: count_predictions(extractor.pipe(texts)))
    by_own_time = sorted(pstats.Stats(profiler).stats.items(), key=lambda item: -item[1][2])
    top = [
        {"function": f"{Path(file).name}:{line} {name}", "seconds": row[2], "calls": row[1]}
        for (file, line, name), row in by_own_time[:15]
    ]
    return {"seconds": seconds, "parts": parts, "top_own_time": top}


class EncoderReplay:
    """The encoder's outputs recorded per window (its token ids, padding left out), so that a
    later pass, batched or chunked in any way, can replay them instead of running the encoder."""

    def __init__(self, windows: dict[str, torch.Tensor] | None = None) -> None:
        self.windows = windows if windows is not None else {}

    @staticmethod
    def keys(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> list[tuple[str, int]]:
        lengths = attention_mask.sum(-1).tolist()
        ids = input_ids.cpu().numpy()
        return [
            (hashlib.sha1(row[:length].tobytes()).hexdigest(), length)
            for row, length in zip(ids, lengths, strict=True)
        ]

    def recording(self, encode: Callable) -> Callable:
        def record(model, input_ids, attention_mask, *args, **kwargs):
            hidden = encode(model, input_ids, attention_mask, *args, **kwargs)
            keys = self.keys(input_ids, attention_mask)
            for row, (key, length) in zip(hidden, keys, strict=True):
                self.windows[key] = row[:length].clone()
            return hidden

        return record

    def replaying(self) -> Callable:
        """A stand-in for `NewsieModel.encode` (padding positions are zeros: nothing reads them)."""

        def replay(model, input_ids, attention_mask, *args, **kwargs) -> torch.Tensor:
            rows = [self.windows[key] for key, _ in self.keys(input_ids, attention_mask)]
            hidden = rows[0].new_zeros((*input_ids.shape, rows[0].shape[-1]))
            for i, row in enumerate(rows):
                hidden[i, : len(row)] = row
            return hidden

        return replay

    def save(self, path: Path) -> None:
        save_file({key: row.cpu() for key, row in self.windows.items()}, str(path))

    @classmethod
    def load(cls, path: Path, device: str) -> EncoderReplay:
        return cls(load_file(str(path), device=device))


def record_encoder(extractor: Extractor, texts: list[str]) -> tuple[EncoderReplay, dict]:
    """One pass of `pipe` that records the encoder's outputs; returns them and what it found."""
    replay = EncoderReplay()
    with mock.patch.object(NewsieModel, "encode", replay.recording(NewsieModel.encode)):
        return replay, count_predictions(extractor.pipe(texts))


@system("newsie-host")
def run_newsie_host(job: Job) -> dict:
    """newsie's host-side cost alone: one pass records the encoder's outputs, a second replays
    them, so the timed pass is everything but the encoder (tagger and relation scorer included).
    Its tokens/s bound what any accelerator can reach with one process on this CPU."""
    extractor = load_extractor(job)
    replay, expected = record_encoder(extractor, job.texts)
    with mock.patch.object(NewsieModel, "encode", replay.replaying()):
        result = time_inference(
            job, lambda batch: count_predictions(extractor.pipe(batch)), job.texts, job.texts
        )
    return check_replayed(result, expected)


def check_replayed(result: dict, expected: dict) -> dict:
    if {k: result[k] for k in expected} != expected:
        raise RuntimeError(f"replayed encoder outputs gave {result}, not {expected}")
    return result


def replaying_extractor(job: Job, replay_path: Path) -> Extractor:
    """In a worker process: the job's Extractor, its encoder replaced by recorded outputs."""
    replay = EncoderReplay.load(replay_path, job.device)
    mock.patch.object(NewsieModel, "encode", replay.replaying()).start()  # for the worker's life
    return load_extractor(job)


@system("newsie-host-workers")
def run_newsie_host_workers(job: Job) -> dict:
    """The host side alone (as newsie-host) in --n-process worker processes, through
    `newsie.parallel.WorkerPool` as `Extractor.pipe(n_process=N)` uses it: what N cores of this
    CPU can feed an accelerator."""
    extractor = load_extractor(job)
    replay, expected = record_encoder(extractor, job.texts)
    replay_path = Path(job.workspace) / "encoder-replay.safetensors"
    replay.save(replay_path)
    load = functools.partial(replaying_extractor, job, replay_path)
    chunk_chars = task_chars(
        inference.Predictor(
            extractor.model,
            extractor.tokenizer,
            batch_size=job.batch_size,
            max_length=job.max_length,
            stride=job.stride,
        )
    )
    pool = WorkerPool(load, job.n_process)
    try:
        result = time_inference(
            job,
            lambda batch: count_predictions(pool.pipe(batch, chunk_chars)),
            job.texts,
            job.texts,
        )
    finally:
        pool.close()
    return check_replayed(result, expected)


class StepTimer(TrainerCallback):
    """Timestamps each optimiser step; the first `skip` steps (warm-up) are left out."""

    def __init__(self, job: Job, skip: int) -> None:
        self.job, self.skip, self.stamps = job, skip, []

    def on_step_end(self, args, state, control, **kwargs):
        synchronize(self.job)
        self.stamps.append(time.perf_counter())

    def result(self, batch_size: int) -> dict:
        timed = self.stamps[self.skip :]
        if len(timed) < 2:
            raise ValueError(f"--train-steps must exceed the {self.skip} warm-up steps by 2")
        seconds = timed[-1] - timed[0]
        return {
            "seconds": seconds,
            "steps": len(timed) - 1,
            "samples_per_s": (len(timed) - 1) * batch_size / seconds,
        }


def training_arguments(job: Job, name: str, remove_unused_columns: bool) -> TrainingArguments:
    """The same settings for both trainers, newsie's recipe defaults; newsie's windows carry
    spans the model reads, so its dataset keeps every column. Weights stay float32: a 16-bit
    --dtype means mixed precision (autocast) on a GPU."""
    return TrainingArguments(
        output_dir=str(Path(job.workspace) / name),
        max_steps=job.train_steps,
        per_device_train_batch_size=job.train_batch_size,
        learning_rate=RECIPE.learning_rate,
        weight_decay=RECIPE.weight_decay,
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=job.seed,
        use_cpu=job.device == "cpu",
        bf16=job.device == "cuda" and job.dtype == "bfloat16",
        fp16=job.device == "cuda" and job.dtype == "float16",
        train_sampling_strategy="group_by_length",
        remove_unused_columns=remove_unused_columns,
    )


def time_training(job: Job, trainer: Trainer) -> dict:
    timer = StepTimer(job, skip=min(2, job.train_steps // 4))
    trainer.add_callback(timer)
    trainer.train()
    return timer.result(job.train_batch_size)


def training_features(job: Job):
    tokenizer = AutoTokenizer.from_pretrained(job.model_dir)
    features = build_features(
        job.documents,
        tokenizer,
        DEFAULT_SCHEMA,
        max_length=job.max_length,
        stride=job.stride,
        use_casing=False,
    )
    return tokenizer, features


@system("train-newsie")
def run_train_newsie(job: Job) -> dict:
    tokenizer, features = training_features(job)
    model, _ = load_model_folder(job.model_dir)
    trainer = NewsieTrainer(
        model=model.float(),
        args=training_arguments(job, "train-newsie", remove_unused_columns=False),
        train_dataset=features,
        data_collator=NewsieCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        head_learning_rate=RECIPE.head_learning_rate,
    )
    return time_training(job, trainer)


def flat_labels(rows: list[list[int]]) -> list[int]:
    """One token-classification label per token from newsie's per-type BIO tags: the first type
    with a B or I tag, else O. (Same shapes and work per step; nesting is lost, speed is not.)"""
    flat = []
    for tags in rows:
        if all(tag == IGNORE for tag in tags):  # special tokens and padding
            flat.append(IGNORE)
            continue
        chosen = next(((k, tag) for k, tag in enumerate(tags) if tag > 0), None)
        flat.append(0 if chosen is None else 3 * chosen[0] + chosen[1])
    return flat


@system("train-hf")
def run_train_hf(job: Job) -> dict:
    tokenizer, features = training_features(job)
    features = features.map(
        lambda row: {"labels": flat_labels(unpack_row(row)["labels"].tolist())},
        remove_columns=["shapes", "spans", "pairs", "pair_labels"],
    )
    model = AutoModelForTokenClassification.from_pretrained(
        job.encoder_dir, num_labels=3 * len(DEFAULT_SCHEMA.span_types)
    )
    trainer = Trainer(
        model=model.float(),
        args=training_arguments(job, "train-hf", remove_unused_columns=True),
        train_dataset=features,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
    )
    return time_training(job, trainer)


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux, VmHWM: getrusage's ru_maxrss would carry
    over the parent's resident size at the fork that started this process."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, KiB here


def run_worker(name: str, workspace: Path) -> None:
    job = Job.load(workspace)
    torch.manual_seed(job.seed)  # a new random head's entities, and their decoding work, repeat
    if job.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    result = {"system": name, **SYSTEMS[name](job), "peak_rss_mb": peak_rss_mb()}
    if job.device == "cuda":
        result["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
    (workspace / f"result-{name}.json").write_text(json.dumps(result))


def spawn(name: str, workspace: Path) -> dict:
    """Run one system in a fresh interpreter; its output is shown only if it fails."""
    print(f"  running {name} ...", flush=True)
    command = [sys.executable, __file__, "--worker", name, "--workspace", str(workspace)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"system {name} failed (exit {done.returncode}):\n"
            f"{done.stdout[-4000:]}{done.stderr[-8000:]}"
        )
    return json.loads((workspace / f"result-{name}.json").read_text())


# --- Reporting ---------------------------------------------------------------------------------


def describe_machine(device: str) -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "device": device,
        "device_name": torch.cuda.get_device_name() if device == "cuda" else cpu,
    }


def add_rates(result: dict, corpus: dict) -> dict:
    if "samples_per_s" not in result and "parts" not in result and "bytes" not in result:
        result["docs_per_s"] = corpus["documents"] / result["seconds"]
        result["tokens_per_s"] = corpus["tokens"] / result["seconds"]
    return result


def median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's seconds beside it."""
    middle = sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]
    return {**middle, "runs_s": [run["seconds"] for run in runs]}


# (numerator, denominator, what is compared, target: a number, a number per device type, or None)
RATIOS = [
    ("newsie", "hf-pipeline", "tokens_per_s", None),
    ("newsie", "encoder", "tokens_per_s", ENCODER_RATIO_TARGETS),
    ("newsie-workers", "encoder", "tokens_per_s", ENCODER_RATIO_TARGETS),
    ("newsie-workers", "newsie", "tokens_per_s", None),
    ("newsie-host-workers", "newsie-host", "tokens_per_s", None),
    ("newsie-int8", "newsie", "tokens_per_s", None),
    ("hf-pipeline-int8", "hf-pipeline", "tokens_per_s", None),
    ("newsie-int8", "hf-pipeline", "docs_per_s", INT8_RATIO_TARGET),
    ("newsie-int8", "hf-pipeline-int8", "tokens_per_s", None),
    ("train-newsie", "train-hf", "samples_per_s", TRAIN_RATIO_TARGET),
]


def ratios(results: dict[str, dict], device: str) -> list[dict]:
    found = []
    for top, bottom, field, target in RATIOS:
        if isinstance(target, dict):
            target = target.get(device)
        if top in results and bottom in results:
            value = results[top][field] / results[bottom][field]
            found.append(
                {
                    "name": f"{top} / {bottom}",
                    "of": field,
                    "value": value,
                    "target": target,
                    "met": None if target is None else value >= target,
                }
            )
    return found


def coverage_warnings(results: dict[str, dict]) -> list[str]:
    """A pipeline row that forwarded fewer windows than the documents make did not read all of
    every document: it looks faster than it is, and every ratio against it is void."""
    expected = results.get("encoder", {}).get("windows")
    return [
        f"{name} forwarded {result['windows']} windows where the documents make {expected}: it "
        "did not read all of every document, so its speed is overstated and ratios against it "
        "are void. tokenizers 0.23.2 with transformers 5.24 drops the pipeline's overflowing "
        "windows this way; install the tokenizers release newsie is tested with."
        for name, result in results.items()
        if name.startswith("hf-pipeline") and expected and result["windows"] != expected
    ]


def _cell(fmt: str | Callable, value) -> str:
    return fmt(value) if callable(fmt) else fmt.format(value)


def print_report(report: dict) -> None:
    machine, corpus, settings = report["machine"], report["corpus"], report["settings"]
    print(
        f"\nmachine: {machine['cpu']}, {machine['cores']} cores ({machine['torch_threads']} torch "
        f"threads); torch {machine['torch']}, transformers {machine['transformers']}, "
        f"python {machine['python']}; device {machine['device']} ({machine['device_name']})"
    )
    if not any("bytes" in r for r in report["results"]):  # --memory-1mb times its own text
        print(
            f"corpus: {corpus['source']}: {corpus['documents']} documents, {corpus['words']} words "
            f"({corpus['min_words']}-{corpus['max_words']} a document), {corpus['tokens']} tokens"
        )
    if any("samples_per_s" in r for r in report["results"]):
        batches = f"{settings['train_batch_size']} windows a step, {settings['train_steps']} steps"
    else:
        batches = (
            f"{settings['batch_size']} windows a batch, warm-up {settings['warmup']} documents"
        )
    print(
        f"settings: dtype {settings['dtype']}, window {settings['max_length']} tokens, stride "
        f"{settings['stride']}, {batches}"
    )
    print(f"model: {report['model']}")
    rows = [r for r in report["results"] if "parts" not in r]
    columns = [
        ("system", "system", "{}"),
        ("seconds", "s", "{:.2f}"),
        ("docs_per_s", "docs/s", "{:.2f}"),
        ("tokens_per_s", "tokens/s", "{:.0f}"),
        ("samples_per_s", "samples/s", "{:.2f}"),
        ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
        ("worker_peak_rss_mb", "worker peak RSS MB", "{:.0f}"),
        ("peak_cuda_mb", "peak CUDA MB", "{:.0f}"),
        ("page_faults", "page faults", "{:,}"),
        ("spans", "spans", "{}"),
        ("relations", "relations", "{}"),
        ("entities", "entities", "{}"),
        ("windows", "windows", "{}"),
        ("tokenize_s", "tokenize s", "{:.2f}"),
        ("runs_s", "every run s", lambda runs: " ".join(f"{s:.1f}" for s in runs)),
    ]
    shown = [c for c in columns if any(c[0] in r for r in rows)]
    shown = [c for c in shown if c[0] != "runs_s" or any(len(r["runs_s"]) > 1 for r in rows)]
    table = [[head for _, head, _ in shown]]
    table += [[_cell(fmt, r[key]) if key in r else "" for key, _, fmt in shown] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(shown))]
    print()
    for line in table:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    for result in report["results"]:
        if "own_encoder_s" in result:
            print(
                f"{result['system']} / its own encoder right after, same process (tokens_per_s): "
                f"{result['own_encoder_s'] / result['seconds']:.2f}"
            )
    for ratio in report["ratios"]:
        verdict = (
            ""
            if ratio["target"] is None
            else f"  (target >= {ratio['target']}: {'met' if ratio['met'] else 'NOT met'})"
        )
        print(f"{ratio['name']} ({ratio['of']}): {ratio['value']:.2f}{verdict}")
    for result in report["results"]:
        if "bytes" in result:
            met = "met" if result["peak_rss_mb"] <= MEMORY_TARGET_MB else "NOT met"
            print(
                f"one document of {result['bytes']:,} bytes: {result['seconds']:.1f} s, peak RSS "
                f"{result['peak_rss_mb']:.0f} MB ({result['peak_rss_after_load_mb']:.0f} MB "
                f"after loading; target <= {MEMORY_TARGET_MB} MB: {met}); "
                f"{result['spans']} spans"
            )
        if "parts" in result:
            print_profile(result)
    for warning in report["warnings"]:
        print(f"\nWARNING: {warning}")


def print_profile(result: dict) -> None:
    total = result["seconds"]
    print(f"\nnewsie's time by part: {total:.2f} s in all (wall clock, one more pass)")
    print(f"  {'part':<24} {'calls':>8} {'total s':>8} {'own s':>8} {'own %':>6}")
    for row in result["parts"]:
        share = 100 * row["own_seconds"] / total
        print(
            f"  {row['part']:<24} {row['calls']:>8} {row['seconds']:>8.2f} "
            f"{row['own_seconds']:>8.2f} {share:>6.1f}"
        )
    rest = total - sum(row["own_seconds"] for row in result["parts"])
    print(f"  {'the rest (glue)':<24} {'':>8} {'':>8} {rest:>8.2f} {100 * rest / total:>6.1f}")
    print("  most own time under cProfile (which slows Python code more than kernels):")
    for row in result["top_own_time"]:
        print(f"    {row['function']:<64} {row['seconds']:7.2f} s  {row['calls']} calls")


# --- Command line ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        type=Path,
        help="a trained newsie model folder (default: an "
        "untrained model around --encoder)",
    )
    parser.add_argument(
        "--encoder",
        default=DEFAULT_ENCODER,
        help="without --model: the encoder of the untrained model, a registered name or any "
        f"AutoModel folder or name (default: {DEFAULT_ENCODER})",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="a JSON-lines corpus to read texts from "
        "(default: generated documents of 100 to 3,000 words)",
    )
    parser.add_argument(
        "--docs", type=int, default=40, help="documents to time (with --data: its first N)"
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument(
        "--dtype",
        choices=["auto", "float32", "bfloat16", "float16"],
        default="auto",
        help="auto: bfloat16 on a GPU that has it, else float32",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="windows per forward pass, for every system (default: newsie's for the device and "
        "encoder, newsie.inference.default_batch_size)",
    )
    parser.add_argument(
        "--n-process",
        type=int,
        default=1,
        help="also time newsie in this many worker processes (the newsie-workers row)",
    )
    parser.add_argument("--max-length", type=int, default=512, help="window length in tokens")
    parser.add_argument("--stride", type=int, default=128, help="overlap of windows in tokens")
    parser.add_argument("--warmup", type=int, default=4, help="documents run before timing")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every system this many times, round-robin, and report the median run",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--int8",
        action="store_true",
        help="add newsie and HF rows with int8 linear layers (CPU only)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="add newsie's time by part and its host-side cost alone (encoder outputs replayed)",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--memory-1mb",
        action="store_true",
        help="only: peak RSS of extracting one 1 MB document (CPU)",
    )
    modes.add_argument(
        "--train",
        action="store_true",
        help="only: training samples/s of newsie's Trainer vs a plain HF one",
    )
    parser.add_argument("--train-steps", type=int, default=12, help="optimiser steps per trainer")
    parser.add_argument("--train-batch-size", type=int, default=8)
    parser.add_argument("--worker", choices=sorted(SYSTEMS), help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return args
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA GPU")
    if args.memory_1mb:
        args.device = "cpu"
    if args.model and args.encoder != DEFAULT_ENCODER:
        parser.error("--encoder builds an untrained model: a --model folder has its own encoder")
    if args.dtype == "auto":
        bf16 = args.device == "cuda" and torch.cuda.is_bf16_supported()
        args.dtype = "bfloat16" if bf16 else "float32"
    if (args.int8 or args.profile) and (args.memory_1mb or args.train):
        parser.error(
            "--int8 and --profile add rows to the speed run, not to --memory-1mb or --train"
        )
    if args.int8 and (args.device != "cpu" or args.dtype != "float32"):
        parser.error("--int8 runs on CPU from float32 weights: add --device cpu")
    if args.docs < 1 or (args.batch_size or 1) < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--docs, --batch-size and --repeat must be at least 1, --warmup at least 0")
    if args.n_process < 1 or (args.n_process > 1 and (args.memory_1mb or args.train)):
        parser.error("--n-process is at least 1 and adds a row to the speed run only")
    return args


def chosen_systems(args: argparse.Namespace) -> list[str]:
    if args.memory_1mb:
        return ["newsie-1mb"]
    if args.train:
        return ["train-newsie", "train-hf"]
    names = ["newsie", "hf-pipeline", "encoder"]
    if args.int8:
        names += ["newsie-int8", "hf-pipeline-int8"]
    if args.n_process > 1:
        names.append("newsie-workers")
    if args.profile:
        names += ["newsie-profile", "newsie-host"]
    if args.profile and args.n_process > 1:
        names.append("newsie-host-workers")
    return names


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.workspace)
        return
    machine = describe_machine(args.device)
    with tempfile.TemporaryDirectory(prefix="newsie-benchmark-") as folder:
        print(f"preparing the corpus and model folders in {folder} ...", flush=True)
        job, corpus, model = prepare_workspace(args, Path(folder))
        names = chosen_systems(args)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for _ in range(args.repeat):  # round-robin: a slow spell of the machine hits every system
            for name in names:
                runs[name].append(add_rates(spawn(name, Path(folder)), corpus))
        results = {name: median_run(found) for name, found in runs.items()}
    report = {
        "machine": machine,
        "corpus": corpus,
        "model": model,
        "settings": {
            k: v
            for k, v in asdict(job).items()
            if k not in ("workspace", "model_dir", "encoder_dir")
        },
        "results": list(results.values()),
        "ratios": ratios(results, args.device),
        "warnings": coverage_warnings(results),
    }
    if args.json:  # first: a report is never lost to a printing error
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    if args.json:
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
