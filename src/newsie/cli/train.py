"""`newsie train`: train or fine-tune a model from a YAML recipe (`newsie.training`); prints the
model folder and the final dev metrics on standard output. A model folder that cannot be written
is found before training starts (exit status 1, `newsie.cli.output`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsie.cli.command import Command
from newsie.cli.output import check_writable, write_report


def configure_train(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="a YAML recipe, e.g. configs/default.yaml")
    parser.add_argument("--output-dir", default=None, help="replaces training.output_dir")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="replaces data.data_dir: the folder the recipe's corpus paths are relative to and "
        "stand-off corpora take their texts from",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="section.key=value",
        help="e.g. training.num_train_epochs=3 model.use_casing=true",
    )


def run_train(args: argparse.Namespace) -> int:
    from newsie.standoff import DataFolderError
    from newsie.training import load_recipe, train

    recipe = load_recipe(
        args.config, args.overrides, data_dir=args.data_dir, output_dir=args.output_dir
    )
    check_writable(Path(recipe.training.output_dir), folder=True)
    try:
        run = train(recipe)
    except DataFolderError as error:
        raise DataFolderError(
            f"{error}; or train configs/original-only.yaml, which needs no data folder"
        ) from error
    if recipe.training.process_index != 0:  # under torchrun every process gets here; one reports
        return 0
    metrics = json.dumps({k: round(v, 4) for k, v in run.metrics.items()}, indent=2)
    write_report(f"saved model to {run.model_dir}\n{metrics}")
    return 0


COMMAND = Command(
    "train", "train or fine-tune a model from a YAML recipe", configure_train, run_train
)
