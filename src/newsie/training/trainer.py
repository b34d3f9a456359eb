"""Training on `transformers.Trainer`: features from corpora, evaluation each epoch by the
guidelines' scorer on the dev documents, the best checkpoint kept, resume after an interruption,
and at the end a model folder with `metrics.json` and a model card.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm
from transformers import AutoTokenizer, Trainer, set_seed
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, IntervalStrategy, rotate_checkpoints

from newsie.data import Document
from newsie.encoders import resolve_encoder
from newsie.evaluation import flat_metrics
from newsie.inference import Predictor
from newsie.models import NewsieModel, save_model_folder
from newsie.schema import DEFAULT_SCHEMA, LabelSchema
from newsie.training.arguments import NewsieTrainingArguments, Recipe
from newsie.training.card import model_card
from newsie.training.checkpoints import (
    STAGING_FOLDER,
    commit_checkpoint,
    remove_checkpoints,
    resume_point,
    run_settings,
)
from newsie.training.features import NewsieCollator, build_features

logger = logging.getLogger(__name__)


class NewsieTrainer(Trainer):
    """A Trainer whose evaluation runs the full prediction pipeline on the dev documents.

    Its `args` are `NewsieTrainingArguments`; its `eval_dataset` is the list of gold dev
    `Document`s, not tensors: spans are scored as the guidelines say, on characters, after
    decoding and relation pairing. The heads, new and randomly initialised, learn at
    `args.head_learning_rate`; the pretrained encoder at `args.learning_rate`.

    Each checkpoint is written whole or not at all (see `newsie.training.checkpoints`) and
    records `settings` (`checkpoints.run_settings`), what decides the model the run trains.
    """

    args: NewsieTrainingArguments

    def __init__(self, *args, settings: dict[str, Any], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self._saving_checkpoint = False
        if self.args.per_device_eval_batch_size is None:  # as an Extractor's on this device
            self.args.per_device_eval_batch_size = self.dev_predictor().batch_size

    def create_optimizer(self, model=None):
        if self.optimizer is None:
            model = model or self.model
            decay = set(self.get_decay_parameter_names(model))
            groups = []
            for in_encoder, lr in (
                (True, self.args.learning_rate),
                (False, self.args.head_learning_rate),
            ):
                for decays in (True, False):
                    params = [
                        p
                        for n, p in model.named_parameters()
                        if p.requires_grad
                        and n.startswith("encoder.") == in_encoder
                        and (n in decay) == decays
                    ]
                    groups.append(
                        {
                            "params": params,
                            "lr": lr,
                            "weight_decay": self.args.weight_decay if decays else 0.0,
                        }
                    )
            optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
            self.optimizer = optimizer_cls(groups, **optimizer_kwargs)
        return self.optimizer

    def _get_output_dir(self, trial) -> str:
        run_dir = super()._get_output_dir(trial)
        return os.path.join(run_dir, STAGING_FOLDER) if self._saving_checkpoint else run_dir

    def _save_checkpoint(self, model, trial) -> None:
        """Trainer's checkpoint, written in a staging folder (`_get_output_dir` points there
        meanwhile) that becomes `checkpoint-N` once whole; older checkpoints are rotated out
        after that, not before. Under torchrun every process writes its RNG state there, the first
        commits, and all wait for the commit: each may load `checkpoint-N` at the end."""
        run_dir = super()._get_output_dir(trial)
        name = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        staging, final = Path(run_dir, STAGING_FOLDER, name), os.path.join(run_dir, name)
        self._saving_checkpoint = True
        try:
            super()._save_checkpoint(model, trial)
        finally:
            self._saving_checkpoint = False
        self.accelerator.wait_for_everyone()  # every process has written its RNG state
        best = self.state.best_model_checkpoint
        # transformers noted the best where it was made; on every process, as each loads it at
        # the end of training
        moved = best is not None and Path(best) == staging
        if moved:
            self.state.best_model_checkpoint = final
        if self.args.should_save:
            if moved:
                self.state.save_to_json(str(staging / TRAINER_STATE_NAME))
            commit_checkpoint(staging, Path(final), self.settings)
            rotate_checkpoints(
                output_dir=run_dir,
                save_total_limit=self.args.save_total_limit,
                best_model_checkpoint=self.state.best_model_checkpoint,
                use_mtime=True,
            )
        self.accelerator.wait_for_everyone()  # no process reads checkpoint-N before it exists

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        metrics = {f"{metric_key_prefix}_{k}": v for k, v in self.score_dev().items()}
        metrics["epoch"] = self.state.epoch
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(
            self.args, self.state, self.control, metrics
        )
        return metrics

    def dev_predictor(self) -> Predictor:
        return Predictor(
            self.model,
            self.processing_class,
            device=self.args.device,
            batch_size=self.args.per_device_eval_batch_size,
        )

    def score_dev(self) -> dict[str, float]:
        gold: list[Document] = self.eval_dataset
        predicted = list(
            tqdm(
                self.dev_predictor().predict(doc.text for doc in gold),
                total=len(gold),
                desc="dev",
                leave=False,
                disable=self.args.disable_tqdm,
            )
        )
        self.model.train()
        return flat_metrics(gold, predicted)


@dataclass
class TrainingRun:
    model_dir: Path
    metrics: dict[str, float]


def train(recipe: Recipe, schema: LabelSchema = DEFAULT_SCHEMA) -> TrainingRun:
    """Fine-tune the recipe's encoder; save the model folder, `metrics.json` (dev scores) and a
    model card to `training.output_dir`.

    With `training.resume: auto` a run continues an interrupted one only from a complete
    checkpoint whose run had the same settings (`checkpoints.resume_point`). An empty train split
    is an error; with an empty dev split the model saved is the last step's, with a warning.
    """
    args = recipe.training
    set_seed(args.seed)  # before the heads are initialised
    train_docs, train_weights, dev_docs = _load_splits(recipe)
    settings = run_settings(recipe, schema, train_docs, dev_docs)
    resume_from = resume_point(args, settings)
    trainer = _build_trainer(recipe, schema, train_docs, train_weights, dev_docs, settings)
    trainer.train(resume_from_checkpoint=resume_from)
    metrics = trainer.score_dev() if dev_docs else {}
    output_dir = Path(args.output_dir)
    if trainer.is_world_process_zero():  # under torchrun every process gets here; one writes
        card = model_card(
            output_dir,
            recipe=recipe,
            train_docs=train_docs,
            dev_docs=dev_docs,
            metrics=metrics,
            schema=schema,
        )
        # Metrics and card are swapped in with the weights: a kill cannot pair them with another
        # run's model.
        extra = {"metrics.json": json.dumps({"dev": metrics}, indent=2) + "\n", "README.md": card}
        save_model_folder(trainer.model, trainer.processing_class, output_dir, extra_files=extra)
        if not args.keep_checkpoints:
            remove_checkpoints(output_dir)
    return TrainingRun(model_dir=output_dir, metrics=metrics)


def _load_splits(recipe: Recipe) -> tuple[list[Document], list[float], list[Document]]:
    """The training documents, their corpus entries' weights, and the dev documents."""
    data = recipe.data
    train_weighted, dev_docs = data.load_weighted("train"), data.load("dev")
    if not train_weighted:
        raise ValueError(
            f"{recipe.source}: data.train ({_entries(recipe, 'train')}) holds no documents: "
            "check those corpora, or name others in data.train"
        )
    if not dev_docs:
        logger.warning(
            "%s: data.dev (%s) holds no documents: no dev score (metric_for_best_model %r) "
            "chooses the model, so the model saved is the one after the last training step, "
            "and metrics.json holds no dev scores",
            recipe.source,
            _entries(recipe, "dev"),
            recipe.training.metric_for_best_model,
        )
    train_docs = [doc for doc, _ in train_weighted]
    return train_docs, [weight for _, weight in train_weighted], dev_docs


def _entries(recipe: Recipe, split: str) -> str:
    data = recipe.data
    return ", ".join(
        f"{source.path!r} at {source.resolve(data.data_dir, data.config_dir)}"
        + ("" if source.part == "all" else f", part {source.part}")
        for source in getattr(data, split)
    )


def _build_trainer(
    recipe: Recipe,
    schema: LabelSchema,
    train_docs: list[Document],
    train_weights: list[float],
    dev_docs: list[Document],
    settings: dict[str, Any],
) -> NewsieTrainer:
    encoder_path = resolve_encoder(recipe.model.encoder)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    model = NewsieModel.from_encoder(encoder_path, schema, **recipe.model.config_settings())
    if recipe.training.freeze_word_embeddings:  # `create_optimizer` skips frozen weights
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    features = build_features(
        train_docs,
        tokenizer,
        schema,
        max_length=recipe.model.max_length,
        stride=recipe.window_stride,
        use_casing=recipe.model.use_casing,
        weights=train_weights,
    )
    # The size of an epoch, before the first progress bar: what the training time scales with.
    args = recipe.training
    length = (f"{args.max_steps} steps" if args.max_steps > 0
              else f"{args.num_train_epochs:g} epochs")
    logger.info("training on %d windows of up to %d tokens (%d shared with the next) from %d "
                "documents, %s; %d dev documents", len(features), recipe.model.max_length,
                recipe.window_stride, len(train_docs), length, len(dev_docs))
    return NewsieTrainer(
        model=model,
        args=recipe.training if dev_docs else _without_dev_scores(recipe.training),
        train_dataset=features,
        data_collator=NewsieCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        eval_dataset=dev_docs,
        settings=settings,
    )


def _without_dev_scores(args: NewsieTrainingArguments) -> NewsieTrainingArguments:
    """A copy of `args` for a run with no dev documents: no evaluation, so no checkpoint chosen
    by a score, which would otherwise be the first (every score 0, none better than it)."""
    if args.save_strategy == "best":
        raise ValueError(
            "training.save_strategy=best saves a checkpoint when the dev score improves, and "
            "data.dev holds no documents: name dev documents, or set another save_strategy"
        )
    adjusted = copy.copy(args)
    adjusted.eval_strategy = IntervalStrategy.NO
    adjusted.eval_on_start = False
    adjusted.load_best_model_at_end = False
    return adjusted
