"""Training: recipes (YAML configs), features, the Trainer, the model card."""

from newsie.training.arguments import (
    DataArguments,
    ModelArguments,
    Recipe,
    TrainingSettings,
    load_recipe,
)
from newsie.training.trainer import TrainingRun, train

__all__ = [
    "DataArguments",
    "ModelArguments",
    "Recipe",
    "TrainingRun",
    "TrainingSettings",
    "load_recipe",
    "train",
]
