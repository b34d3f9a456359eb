"""A model folder: `config.json`, `model.safetensors`, the tokenizer files and `schema.json`.

Weights load from safetensors only; a folder whose schema does not fit its heads is refused
before any weight is read into the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from transformers import AutoTokenizer

from newsie.models.configuration import NewsieConfig
from newsie.models.modeling import NewsieModel
from newsie.schema import LabelSchema

WEIGHTS_NAME = "model.safetensors"
SCHEMA_NAME = "schema.json"


def save_model_folder(model: NewsieModel, tokenizer, path: str | Path) -> Path:
    path = Path(path)
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    schema = model.config.label_schema.to_dict()
    (path / SCHEMA_NAME).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    return path


def load_model_folder(path: str | Path) -> tuple[NewsieModel, object]:
    """Load a saved model and its tokenizer, checking the folder first."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(
            f"model folder {path} does not exist; train one with "
            "`python scripts/train.py --config configs/default.yaml` or give the folder's path"
        )
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} has no config.json: it is not a saved newsie model")
    weights = path / WEIGHTS_NAME
    if not weights.is_file():
        found = sorted(p.name for p in path.iterdir() if p.suffix in {".bin", ".pt", ".pth"})
        hint = f" (found {', '.join(found)}: newsie never loads pickled weights)" if found else ""
        raise FileNotFoundError(
            f"{path} has no {WEIGHTS_NAME}{hint}; save models with "
            "save_pretrained(safe_serialization=True)"
        )
    config = NewsieConfig.from_pretrained(path)
    if config.model_type != "newsie" or not config.encoder:
        raise ValueError(
            f"{path}/config.json is not a newsie model config (model_type "
            f"{config.model_type!r}); to fine-tune a plain encoder, name it in a "
            "training config's model.encoder"
        )
    _check_schema(path, config, weights)
    # float32 whatever the saved precision, as from_encoder; an Extractor casts to its own dtype.
    model = NewsieModel.from_pretrained(path, use_safetensors=True, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path)
    return model, tokenizer


def _check_schema(path: Path, config: NewsieConfig, weights: Path) -> None:
    schema = config.label_schema
    schema_file = path / SCHEMA_NAME
    if not schema_file.is_file():
        raise FileNotFoundError(
            f"{path} has no {SCHEMA_NAME}: cannot tell which labels the heads predict"
        )
    stored = LabelSchema.from_dict(json.loads(schema_file.read_text(encoding="utf-8")))
    if stored != schema:
        raise ValueError(
            f"{schema_file} ({stored.to_dict()}) disagrees with config.json's schema "
            f"({schema.to_dict()})"
        )
    with safe_open(str(weights), framework="pt") as handle:
        shapes = {
            name: handle.get_slice(name).get_shape()
            for name in ("tagger.weight", "relation_scorer.3.weight")
            if name in handle.keys()
        }
    expected = {
        "tagger.weight": 3 * len(schema.span_types),
        "relation_scorer.3.weight": len(schema.relation_types),
    }
    for name, rows in expected.items():
        if name not in shapes:
            raise ValueError(f"{weights} lacks {name}: it is not a newsie model's weights")
        if shapes[name][0] != rows:
            raise ValueError(
                f"{weights}: {name} has {shapes[name][0]} outputs but the schema "
                f"({len(schema.span_types)} span types, {len(schema.relation_types)} relation "
                f"types) needs {rows}: the schema does not match the heads"
            )
