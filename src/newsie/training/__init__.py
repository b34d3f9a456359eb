"""Training: recipes (YAML configs), features, the Trainer, the model card."""

from newsie.training.arguments import (
    DataArguments,
    ModelArguments,
    NewsieTrainingArguments,
    Recipe,
    load_recipe,
)
from newsie.training.trainer import TrainingRun, train

__all__ = [
    "DataArguments",
    "ModelArguments",
    "NewsieTrainingArguments",
    "Recipe",
    "TrainingRun",
    "load_recipe",
    "train",
]
