"""Training on `transformers.Trainer`: features from corpora, evaluation each epoch by the
guidelines' scorer on the dev documents, the best checkpoint kept, resume after an interruption,
and at the end a model folder with `metrics.json` and a model card.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm
from transformers import AutoTokenizer, Trainer, set_seed
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, get_last_checkpoint

from newsie.data import Document
from newsie.encoders import resolve_encoder
from newsie.evaluation import flat_metrics
from newsie.inference import Predictor
from newsie.models import NewsieModel, save_model_folder
from newsie.schema import DEFAULT_SCHEMA, LabelSchema
from newsie.training.arguments import NewsieTrainingArguments, Recipe
from newsie.training.card import write_model_card
from newsie.training.features import NewsieCollator, build_features

logger = logging.getLogger(__name__)


class NewsieTrainer(Trainer):
    """A Trainer whose evaluation runs the full prediction pipeline on the dev documents.

    Its `args` are `NewsieTrainingArguments`; its `eval_dataset` is the list of gold dev
    `Document`s, not tensors: spans are scored as the guidelines say, on characters, after
    decoding and relation pairing. The heads, new and randomly initialised, learn at
    `args.head_learning_rate`; the pretrained encoder at `args.learning_rate`.
    """

    args: NewsieTrainingArguments

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
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
    model card to `training.output_dir`."""
    args = recipe.training
    set_seed(args.seed)  # before the heads are initialised
    train_docs, dev_docs = recipe.data.load("train"), recipe.data.load("dev")
    trainer = _build_trainer(recipe, schema, train_docs, dev_docs)
    trainer.train(resume_from_checkpoint=_resume_point(args))
    metrics = trainer.score_dev()
    output_dir = Path(args.output_dir)
    if trainer.is_world_process_zero():  # under torchrun every process gets here; one writes
        save_model_folder(trainer.model, trainer.processing_class, output_dir)
        (output_dir / "metrics.json").write_text(json.dumps({"dev": metrics}, indent=2) + "\n")
        write_model_card(
            output_dir,
            recipe=recipe,
            train_docs=train_docs,
            dev_docs=dev_docs,
            metrics=metrics,
            schema=schema,
        )
        if not args.keep_checkpoints:
            _remove_checkpoints(output_dir)
    return TrainingRun(model_dir=output_dir, metrics=metrics)


def _build_trainer(
    recipe: Recipe, schema: LabelSchema, train_docs: list[Document], dev_docs: list[Document]
) -> NewsieTrainer:
    encoder_path = resolve_encoder(recipe.model.encoder)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    model = NewsieModel.from_encoder(encoder_path, schema, **recipe.model.config_settings())
    features = build_features(
        train_docs,
        tokenizer,
        schema,
        max_length=recipe.model.max_length,
        stride=recipe.model.stride,
        use_casing=recipe.model.use_casing,
    )
    return NewsieTrainer(
        model=model,
        args=recipe.training,
        train_dataset=features,
        data_collator=NewsieCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        eval_dataset=dev_docs,
    )


def _resume_point(args: NewsieTrainingArguments) -> str | None:
    """`resume_from_checkpoint` if set; else, with `resume: auto`, the last checkpoint an
    interrupted run left in output_dir."""
    if args.resume_from_checkpoint is not None:
        return args.resume_from_checkpoint
    if args.resume == "never" or not Path(args.output_dir).is_dir():
        return None
    last = get_last_checkpoint(args.output_dir)
    if last:
        logger.warning("resuming from %s (training.resume=never starts afresh)", last)
    return last


def _remove_checkpoints(output_dir: Path) -> None:
    for checkpoint in output_dir.glob(f"{PREFIX_CHECKPOINT_DIR}-*"):
        if checkpoint.is_dir() and checkpoint.name.rpartition("-")[2].isdigit():
            shutil.rmtree(checkpoint, ignore_errors=True)
