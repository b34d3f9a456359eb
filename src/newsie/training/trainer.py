"""Training on `transformers.Trainer`: features from corpora, evaluation each epoch by the
guidelines' scorer on the dev documents, the best checkpoint kept, resume after an interruption,
and at the end a model folder with `metrics.json` and a model card.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm
from transformers import AutoTokenizer, Trainer, TrainingArguments, set_seed
from transformers.trainer_utils import get_last_checkpoint

from newsie.data import Document
from newsie.encoders import resolve_encoder
from newsie.evaluation import flat_metrics
from newsie.inference import Predictor
from newsie.models import NewsieModel, save_model_folder
from newsie.schema import DEFAULT_SCHEMA, LabelSchema
from newsie.training.arguments import Recipe
from newsie.training.card import write_model_card
from newsie.training.features import NewsieCollator, build_features

BEST_METRIC = "micro_f1"


class NewsieTrainer(Trainer):
    """A Trainer whose evaluation runs the full prediction pipeline on the dev documents.

    Its `eval_dataset` is the list of gold dev `Document`s, not tensors: spans are scored as the
    guidelines say, on characters, after decoding and relation pairing. The heads, new and
    randomly initialised, learn at `head_learning_rate`; the pretrained encoder at the args' rate.
    """

    def __init__(
        self, *args, head_learning_rate: float, eval_batch_size: int | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.head_learning_rate = head_learning_rate
        self.eval_batch_size = eval_batch_size  # None: the Predictor's default for the device

    def create_optimizer(self, model=None):
        if self.optimizer is None:
            model = model or self.model
            decay = set(self.get_decay_parameter_names(model))
            groups = []
            for in_encoder, lr in (
                (True, self.args.learning_rate),
                (False, self.head_learning_rate),
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

    def score_dev(self) -> dict[str, float]:
        predictor = Predictor(
            self.model,
            self.processing_class,
            device=self.args.device,
            batch_size=self.eval_batch_size,
        )
        gold: list[Document] = self.eval_dataset
        predicted = list(
            tqdm(
                predictor.predict(doc.text for doc in gold),
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
    settings, data = recipe.training, recipe.data
    set_seed(settings.seed)
    train_docs, dev_docs = data.load("train"), data.load("dev")
    encoder_path = resolve_encoder(recipe.model.encoder)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    model = NewsieModel.from_encoder(encoder_path, schema, **recipe.model.head_settings())
    features = build_features(
        train_docs,
        tokenizer,
        schema,
        max_length=recipe.model.max_length,
        stride=recipe.model.stride,
        use_casing=recipe.model.use_casing,
    )
    output_dir = Path(settings.output_dir)
    checkpoints = output_dir / "checkpoints"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a fraction of all steps
        seed=settings.seed,
        eval_strategy="epoch" if settings.max_steps <= 0 else "steps",
        save_strategy="epoch" if settings.max_steps <= 0 else "steps",
        eval_steps=max(settings.max_steps, 1),
        save_steps=max(settings.max_steps, 1),
        load_best_model_at_end=True,
        metric_for_best_model=BEST_METRIC,
        greater_is_better=True,
        save_total_limit=2,
        logging_steps=settings.logging_steps,
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length",  # short news items waste less padding
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        **_precision_flags(settings.precision),
    )
    trainer = NewsieTrainer(
        model=model,
        args=args,
        train_dataset=features,
        data_collator=NewsieCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        eval_dataset=dev_docs,
        head_learning_rate=settings.head_learning_rate,
        eval_batch_size=settings.eval_batch_size,
    )
    trainer.train(resume_from_checkpoint=_resume_point(settings.resume, checkpoints))
    metrics = trainer.score_dev()
    save_model_folder(trainer.model, tokenizer, output_dir)
    (output_dir / "metrics.json").write_text(json.dumps({"dev": metrics}, indent=2) + "\n")
    write_model_card(
        output_dir,
        recipe=asdict(recipe),
        train_docs=train_docs,
        dev_docs=dev_docs,
        metrics=metrics,
        schema=schema,
    )
    if not settings.keep_checkpoints:
        shutil.rmtree(checkpoints, ignore_errors=True)
    return TrainingRun(model_dir=output_dir, metrics=metrics)


def _precision_flags(precision: str) -> dict[str, bool]:
    if precision == "auto":
        precision = (
            "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "fp32"
        )
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def _resume_point(resume: str, checkpoints: Path) -> str | None:
    if resume == "never":
        return None
    if resume == "auto":
        last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
        if last:
            print(f"resuming from {last} (training.resume=never starts afresh)")
        return last
    if not Path(resume).is_dir():
        raise FileNotFoundError(f"training.resume: checkpoint {resume} does not exist")
    return resume
