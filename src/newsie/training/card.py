"""The model card (README.md in a model folder): what it was trained on, its schema, its scores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from newsie.data import Document
from newsie.schema import LabelSchema


def write_model_card(
    folder: Path,
    *,
    recipe: dict,
    train_docs: list[Document],
    dev_docs: list[Document],
    metrics: dict[str, float],
    schema: LabelSchema,
) -> Path:
    lines = [
        "# newsie model",
        "",
        f"Encoder `{recipe['model']['encoder']}` fine-tuned with newsie to extract "
        f"{', '.join(schema.span_types)} spans and {', '.join(schema.relation_names)} relations "
        "(schema v1 of the newsie annotation guidelines).",
        "",
        "```python",
        "from newsie import Extractor",
        f"extractor = Extractor.from_pretrained({str(folder)!r})",
        'doc = extractor("Rebels shelled Homs on Monday, killing 12 civilians.")',
        "```",
        "",
        "## Data",
        "",
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
    paths = [entry["path"] for entry in recipe["data"]["train"]]  # asdict'ed CorpusSources
    lines += [
        "",
        f"Training corpora: {', '.join(sources)} ({', '.join(paths)}).",
        "",
        "## Dev scores (strict span match, one-to-one; relations need both ends matched)",
        "",
        "| label | precision | recall | F1 |",
        "| --- | --- | --- | --- |",
    ]
    for label in (*schema.span_types, "micro", *schema.relation_names):
        if f"{label}_f1" in metrics:
            lines.append(
                f"| {label} | {metrics[f'{label}_precision']:.3f} | "
                f"{metrics[f'{label}_recall']:.3f} | {metrics[f'{label}_f1']:.3f} |"
            )
    lines += [
        "",
        "## Training recipe",
        "",
        "```yaml",
        yaml.safe_dump(
            {k: v for k, v in recipe.items() if k != "source"}, sort_keys=False
        ).rstrip(),
        "```",
        "",
    ]
    path = folder / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
