"""The model card (README.md in a model folder): what it was trained on, its schema, its scores."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from transformers import TrainingArguments

from newsie.data import Document
from newsie.schema import LabelSchema
from newsie.training.arguments import Recipe


def model_card(
    folder: Path,
    *,
    recipe: Recipe,
    train_docs: list[Document],
    dev_docs: list[Document],
    metrics: dict[str, float],
    schema: LabelSchema,
) -> str:
    """The model card (`README.md`) of the model folder `folder`, in Markdown."""
    lines = [
        "# newsie model",
        "",
        f"Encoder {_code(recipe.model.encoder)} fine-tuned with newsie to extract "
        f"{', '.join(schema.span_types)} spans and {', '.join(schema.relation_names)} relations "
        "(schema v1 of the newsie annotation guidelines).",
        "",
        *_fenced(
            "from newsie import Extractor\n"
            f"extractor = Extractor.from_pretrained({str(folder)!r})\n"
            'doc = extractor("Rebels shelled Homs on Monday, killing 12 civilians.")',
            "python",
        ),
        "",
        "## Data",
        "",
        *_data_lines(recipe, train_docs, dev_docs, schema),
        "",
        "## Dev scores (strict span match, one-to-one; relations need both ends matched)",
        "",
        *_score_lines(metrics, schema),
        "",
        "## Training recipe",
        "",
        "Training arguments are those that differ from `transformers.TrainingArguments`' defaults.",
        "",
        *_fenced(yaml.safe_dump(recipe_record(recipe), sort_keys=False).rstrip(), "yaml"),
        "",
    ]
    return "\n".join(lines)


def _data_lines(
    recipe: Recipe, train_docs: list[Document], dev_docs: list[Document], schema: LabelSchema
) -> list[str]:
    lines = [
        "| split | documents | " + " | ".join(schema.span_types) + " | relations |",
        "| --- | --- | " + " | ".join("---" for _ in schema.span_types) + " | --- |",
    ]
    for name, docs in (("train", train_docs), ("dev", dev_docs)):
        spans = Counter(s.label for d in docs for s in d.spans)
        n_relations = sum(len(d.relations) for d in docs)
        lines.append(
            f"| {name} | {len(docs)} | "
            + " | ".join(str(spans[t]) for t in schema.span_types)
            + f" | {n_relations} |"
        )
    sources = sorted({str(d.meta.get("source", "unknown")) for d in train_docs})
    paths = [source.path for source in recipe.data.train]
    corpora = f"{', '.join(map(_code, sources))} ({', '.join(map(_code, paths))})"
    return [*lines, "", f"Training corpora: {corpora}."]


def _score_lines(metrics: dict[str, float], schema: LabelSchema) -> list[str]:
    lines = ["| label | precision | recall | F1 |", "| --- | --- | --- | --- |"]
    for label in (*schema.span_types, "micro", *schema.relation_names):
        if f"{label}_f1" in metrics:
            lines.append(
                f"| {label} | {metrics[f'{label}_precision']:.3f} | "
                f"{metrics[f'{label}_recall']:.3f} | {metrics[f'{label}_f1']:.3f} |"
            )
    return lines


def recipe_record(recipe: Recipe) -> dict[str, Any]:
    """The recipe as trained: its model and data sections whole, and the training arguments that
    differ from transformers' defaults (newsie's own always), with `auto` values resolved."""
    args = recipe.training
    defaults = TrainingArguments(output_dir=args.output_dir, use_cpu=args.use_cpu).to_dict()
    return {
        "model": dataclasses.asdict(recipe.model),
        "data": dataclasses.asdict(recipe.data),
        "training": {
            k: v for k, v in args.to_dict().items() if k not in defaults or v != defaults[k]
        },
    }


def _code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks it holds."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fenced(text: str, language: str) -> list[str]:
    """`text` as a fenced Markdown code block no line of it can close early."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [f"{fence}{language}", text, fence]


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)
