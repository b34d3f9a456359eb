"""Training samples/s (--train): newsie's Trainer against a plain token-classification one.

    train-newsie  newsie's NewsieTrainer on its training features (spans, relation pairs, both
                  heads), newsie's collator
    train-hf      a plain `transformers.Trainer` with `AutoModelForTokenClassification` on the
                  same encoder and windows, one flat BIO label a token

Both run --train-steps optimiser steps of --train-batch-size windows with the same settings and
newsie's recipe defaults (learning rate, weight decay); the first steps are warm-up and left out.
Weights stay float32: a 16-bit --dtype means mixed precision (autocast) on a GPU.

`NEWSIE_RATES` holds the recipe values both rows share; train-newsie's arguments are newsie's
own `NewsieTrainingArguments`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from newsie.benchmarks.harness import Job, synchronize
from newsie.models import load_model_folder
from newsie.schema import DEFAULT_SCHEMA
from newsie.training.arguments import NewsieTrainingArguments
from newsie.training.features import NewsieCollator, build_features, unpack_row
from newsie.training.trainer import NewsieTrainer
from newsie.windows import IGNORE, TAGS, O

WARMUP_STEPS = 2  # at most; a quarter of the steps when there are fewer than 8


class StepTimer(TrainerCallback):
    """Timestamps each optimiser step; the first `skip` steps (warm-up) are left out."""

    def __init__(self, job: Job, skip: int) -> None:
        self.job, self.skip, self.stamps = job, skip, []

    def on_step_end(self, args, state, control, **kwargs) -> None:
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


def shared_training_options(job: Job, name: str) -> dict[str, Any]:
    """The `TrainingArguments` both trainers share."""
    return {
        "output_dir": str(Path(job.workspace) / name),
        "max_steps": job.train_steps,
        "per_device_train_batch_size": job.train_batch_size,
        "eval_strategy": "no",
        "save_strategy": "no",
        "logging_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        "seed": job.seed,
        "use_cpu": job.device == "cpu",
        "bf16": job.device == "cuda" and job.dtype == "bfloat16",
        "fp16": job.device == "cuda" and job.dtype == "float16",
        "train_sampling_strategy": "group_by_length",
    }


# The encoder's and the heads' learning rates and the weight decay of newsie's recipes; a
# training step's speed does not depend on them.
NEWSIE_RATES = {"learning_rate": 5e-5, "head_learning_rate": 1e-3, "weight_decay": 0.01}


def newsie_training_arguments(job: Job) -> NewsieTrainingArguments:
    """train-newsie's arguments. newsie's windows carry spans the model reads, so its dataset
    keeps every column."""
    return NewsieTrainingArguments(
        **shared_training_options(job, "train-newsie"), **NEWSIE_RATES, remove_unused_columns=False
    )


def plain_training_arguments(job: Job) -> TrainingArguments:
    """train-hf's arguments: the shared ones, at newsie's encoder rate and weight decay."""
    return TrainingArguments(
        **shared_training_options(job, "train-hf"),
        learning_rate=NEWSIE_RATES["learning_rate"],
        weight_decay=NEWSIE_RATES["weight_decay"],
        remove_unused_columns=True,
    )


def time_training(job: Job, trainer: Trainer) -> dict:
    timer = StepTimer(job, skip=min(WARMUP_STEPS, job.train_steps // 4))
    trainer.add_callback(timer)
    trainer.train()
    return timer.result(job.train_batch_size)


def training_features(job: Job) -> tuple[PreTrainedTokenizerBase, Dataset]:
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


def time_newsie_training(job: Job) -> dict:
    tokenizer, features = training_features(job)
    model, _ = load_model_folder(job.model_dir)
    trainer = NewsieTrainer(
        model=model.float(),
        args=newsie_training_arguments(job),
        train_dataset=features,
        data_collator=NewsieCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
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
        chosen = next(((type_index, tag) for type_index, tag in enumerate(tags) if tag > O), None)
        flat.append(O if chosen is None else len(TAGS) * chosen[0] + chosen[1])
    return flat


def time_plain_training(job: Job) -> dict:
    tokenizer, features = training_features(job)
    features = features.map(
        lambda row: {"labels": flat_labels(unpack_row(row)["labels"].tolist())},
        remove_columns=["shapes", "spans", "pairs", "pair_labels"],
    )
    model = AutoModelForTokenClassification.from_pretrained(
        job.encoder_dir, num_labels=len(TAGS) * len(DEFAULT_SCHEMA.span_types)
    )
    trainer = Trainer(
        model=model.float(),
        args=plain_training_arguments(job),
        train_dataset=features,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
    )
    return time_training(job, trainer)
