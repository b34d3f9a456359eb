"""Training recipes (validation, overrides, paths, what reaches the Trainer), the model card,
and one real fine-tuning run of the default encoder: a few steps, interrupted and resumed, saved,
reloaded, giving the same output. Kills, other recipes and empty splits: test_training_faults."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml
from transformers import BertConfig, GPT2Config

import newsie.training.trainer as trainer_module
from newsie.cli import main
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Document
from newsie.encoders import DEFAULT_ENCODER
from newsie.evaluation import flat_metrics
from newsie.extractor import Extractor
from newsie.inference import default_batch_size
from newsie.models import save_model_folder
from newsie.models.modeling import set_attention_dropout
from newsie.schema import DEFAULT_SCHEMA
from newsie.training import NewsieTrainingArguments, Recipe, load_recipe, train
from newsie.training.card import model_card
from newsie.training.trainer import NewsieTrainer

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "newsie-news"

RECIPE = """\
model:
  encoder: {encoder}
  max_length: 128
  stride: 32
data:
  data_dir: {data_dir}
  train: [train.jsonl]
  dev: [dev.jsonl]
training:
  output_dir: never-used
  learning_rate: 5e-5
  per_device_train_batch_size: 8
  per_device_eval_batch_size: 16
  logging_steps: 1
  eval_strategy: steps
  save_strategy: steps
  eval_steps: 2
  save_steps: 2
  load_best_model_at_end: true
"""


def write_recipe(folder: Path, text: str = "", data_dir: str = "data") -> Path:
    path = folder / "recipe.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text or RECIPE.format(encoder=DEFAULT_ENCODER, data_dir=data_dir),
                    encoding="utf-8")
    return path


def write_corpus(folder: Path, documents: list[Document], dev: list[Document] | None = None):
    write_jsonl(documents, folder / "train.jsonl")
    write_jsonl(dev if dev is not None else documents, folder / "dev.jsonl")


# --- recipes -----------------------------------------------------------------------------------


def test_every_committed_config_loads():
    configs = sorted((REPO / "configs").glob("*.yaml"))
    assert REPO / "configs" / "default.yaml" in configs
    for path in configs:
        recipe = load_recipe(path)
        assert recipe.source == str(path)
        assert isinstance(recipe.training, NewsieTrainingArguments)
    original = load_recipe(REPO / "configs" / "original-only.yaml")
    assert original.model.encoder == DEFAULT_ENCODER
    assert Path(original.data.data_dir).resolve() == CORPUS
    assert len(original.data.load("dev")) == len(read_jsonl(CORPUS / "dev.jsonl"))
    args = original.training.to_dict()
    assert {k: args[k] for k in (
        "num_train_epochs", "learning_rate", "head_learning_rate", "per_device_train_batch_size",
        "weight_decay", "warmup_steps", "seed", "logging_steps", "eval_strategy", "save_strategy",
        "load_best_model_at_end", "metric_for_best_model", "greater_is_better",
        "save_total_limit", "train_sampling_strategy", "remove_unused_columns", "resume",
        "keep_checkpoints")} == {
        "num_train_epochs": 8, "learning_rate": 1e-4, "head_learning_rate": 1e-3,
        "per_device_train_batch_size": 8, "weight_decay": 0.01, "warmup_steps": 0.1, "seed": 13,
        "logging_steps": 20, "eval_strategy": "epoch", "save_strategy": "epoch",
        "load_best_model_at_end": True, "metric_for_best_model": "micro_f1",
        "greater_is_better": True, "save_total_limit": 2,
        "train_sampling_strategy": "group_by_length", "remove_unused_columns": False,
        "resume": "auto", "keep_checkpoints": False}


def test_default_config_is_the_original_recipe_plus_real_news():
    """Only the data, the epochs that fit them in the time and the output folder differ."""
    default = load_recipe(REPO / "configs" / "default.yaml")
    original = load_recipe(REPO / "configs" / "original-only.yaml")
    assert default.model == original.model
    assert Path(default.data.data_dir).resolve() == (REPO.parent / "shared" / "data").resolve()
    train = [Path(source.path).name for source in default.data.train]
    # newsie-news twice: an epoch reads it as often as the real news would outweigh it
    assert train == ["train.jsonl", "train.jsonl", "wikinews-train.standoff.jsonl",
                     "wcep-train.standoff.jsonl"]
    ignored = {"num_train_epochs", "output_dir", "logging_dir"}
    mixed, alone = default.training.to_dict(), original.training.to_dict()
    assert {k: v for k, v in mixed.items() if k not in ignored} == {
        k: v for k, v in alone.items() if k not in ignored}


def test_precision_and_device_default_to_what_the_machine_has(tmp_path):
    args = load_recipe(write_recipe(tmp_path)).training
    has_cuda = torch.cuda.is_available()
    assert args.use_cpu is not has_cuda
    assert args.bf16 is (has_cuda and torch.cuda.is_bf16_supported())
    assert load_recipe(write_recipe(tmp_path), ["training.bf16=false"]).training.bf16 is False


def test_data_paths_are_relative_to_the_config_file(tmp_path, monkeypatch, documents):
    write_corpus(tmp_path / "corpus", documents)
    path = write_recipe(tmp_path / "configs", data_dir="../corpus")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory does not matter
    recipe = load_recipe(path)
    assert Path(recipe.data.data_dir).resolve() == (tmp_path / "corpus").resolve()
    assert [d.id for d in recipe.data.load("train")] == [d.id for d in documents]


def test_data_dir_argument_replaces_the_recipes(tmp_path, documents):
    write_corpus(tmp_path / "configs" / "data", documents)
    write_corpus(tmp_path / "other", documents[:1])
    path = write_recipe(tmp_path / "configs")
    assert len(load_recipe(path).data.load("train")) == len(documents)
    recipe = load_recipe(path, data_dir=str(tmp_path / "other"))
    assert recipe.data.data_dir == str(tmp_path / "other")
    assert [d.id for d in recipe.data.load("train")] == [documents[0].id]


def test_a_missing_corpus_file_is_named(tmp_path, documents):
    write_jsonl(documents, tmp_path / "data" / "train.jsonl")  # no dev.jsonl
    recipe = load_recipe(write_recipe(tmp_path))
    assert recipe.data.load("train")
    with pytest.raises(FileNotFoundError, match=r"dev\.jsonl.*does not exist"):
        recipe.data.load("dev")


def test_overrides_apply_before_validation_with_yaml_types(tmp_path):
    path = write_recipe(tmp_path)
    recipe = load_recipe(path, ["training.num_train_epochs=3", "model.use_casing=true",
                                "training.max_steps=7", "model.encoder=some/encoder",
                                "training.learning_rate=2e-5", "model.casing_dim=8",
                                "model.relation_loss_weight=0.25",
                                "training.gradient_accumulation_steps=4",
                                "training.lr_scheduler_type=cosine"],
                         output_dir=str(tmp_path / "out"))
    args = recipe.training
    assert args.num_train_epochs == 3.0 and isinstance(args.num_train_epochs, float)
    assert args.max_steps == 7 and args.learning_rate == pytest.approx(2e-5)
    assert args.gradient_accumulation_steps == 4 and args.lr_scheduler_type == "cosine"
    assert args.output_dir == str(tmp_path / "out")
    assert recipe.model.use_casing is True and recipe.model.encoder == "some/encoder"
    assert recipe.model.casing_dim == 8 and recipe.model.relation_loss_weight == 0.25


def test_strings_are_read_as_the_fields_type(tmp_path):
    text = RECIPE.format(encoder="x", data_dir="data").replace(
        "  max_length: 128\n", '  max_length: 128\n  use_casing: "false"\n  casing_dim: "8"\n'
    ) + '  head_learning_rate: "1.0e-4"\n  max_steps: "4"\n  num_train_epochs: 2\n'
    recipe = load_recipe(write_recipe(tmp_path, text))
    args = recipe.training
    assert args.learning_rate == pytest.approx(5e-5)  # YAML reads 5e-5 as a string
    assert args.head_learning_rate == pytest.approx(1e-4)
    assert args.max_steps == 4 and args.num_train_epochs == 2.0
    assert all(isinstance(v, float) for v in (args.learning_rate, args.num_train_epochs))
    assert recipe.model.use_casing is False  # never the truthy string "false"
    assert recipe.model.casing_dim == 8


@pytest.mark.parametrize("overrides, message", [
    (["training.num_train_epochs"], "must look like section.key=value"),
    (["epochs=3"], "must look like section.key=value"),
    (["optimizer.lr=0.1"], r"unknown section\(s\) \['optimizer'\]"),
    (["training.num_train_epocs=3"], r"training: .*\['num_train_epocs'\].*did you mean "
                                     "num_train_epochs"),
    (["training.epochs=3"], "epochs: did you mean num_train_epochs"),
    (["training.precision=bf16"], "precision: did you mean bf16 or fp16"),
    (["model.encodr=x"], r"model: .*\['encodr'\].*did you mean encoder"),
    (["data.dev_set=[a]"], r"data: .*\['dev_set'\]"),
    (["training.learning_rate=fast"], "training.learning_rate: 'fast' is not of type float"),
    (["training.max_steps=many"], "training.max_steps: 'many' is not of type int"),
    (["training.gradient_accumulation_steps=2.5"],
     "training.gradient_accumulation_steps: 2.5 is not of type int"),
    (["training.per_device_train_batch_size=true"], "True is not of type int"),
    (["model.use_casing=maybe"], "model.use_casing: 'maybe' is not of type bool"),
    (["model.relation_loss_weight=heavy"], "relation_loss_weight: 'heavy' is not of type float"),
    (["training.save_strategy=no"], "save_strategy: False is not of type .*quote it"),
    (["training.resume=sometimes"], "training.resume: 'sometimes' is not of type Literal"),
    (["model.max_length=8"], r"model.max_length must lie in \[16, 8192\]"),
    (["model.stride=64"], "model.stride must lie in"),
    (["model.relation_threshold=1.5"], "relation_threshold must lie strictly between"),
    (["model.attention_dropout=1.0"], r"model.attention_dropout must lie in \[0, 1\)"),
    (["model.dropout=-0.1"], r"model.dropout must lie in \[0, 1\)"),
    (["training.per_device_train_batch_size=0"], "per_device_train_batch_size must be at least 1"),
    (["training.per_device_eval_batch_size=0"], "per_device_eval_batch_size must be at least 1"),
    (["training.learning_rate=0"], "must be positive"),
    (["training.num_train_epochs=0"], "num_train_epochs > 0 or max_steps > 0"),
    (["training.save_strategy=epoch"], "load_best_model_at_end requires the save and eval"),
    (["data.train=[]"], "data.train must name at least one corpus"),
    (["data.train=[{path: train.jsonl, weight: 0}]"], "weight must be a positive number"),
])
def test_invalid_recipes_are_refused_clearly(tmp_path, overrides, message):
    path = write_recipe(tmp_path)
    with pytest.raises(ValueError, match=message) as caught:
        load_recipe(path, overrides)
    assert str(path) in str(caught.value) or "section.key=value" in str(caught.value)


def test_unknown_sections_and_non_mappings_in_the_file_are_refused(tmp_path):
    path = write_recipe(tmp_path, RECIPE.format(encoder="x", data_dir="d") + "optim:\n  lr: 1\n")
    with pytest.raises(ValueError, match=r"unknown section\(s\) \['optim'\]"):
        load_recipe(path)
    path = write_recipe(tmp_path, "model: 5\ndata:\n  train: [a]\n  dev: [b]\n")
    with pytest.raises(ValueError, match="model: expected a mapping"):
        load_recipe(path)
    with pytest.raises(ValueError, match="section 'model' is not a mapping"):
        load_recipe(path, ["model.stride=3"])
    path = write_recipe(tmp_path, "- a list\n")
    with pytest.raises(ValueError, match="expected a mapping with sections"):
        load_recipe(path)


def test_a_missing_config_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.yaml does not exist"):
        load_recipe(tmp_path / "nowhere.yaml")


def test_train_command_errors_exit_2(tmp_path, capsys):
    assert main(["train", "--config", str(tmp_path / "nowhere.yaml")]) == 2
    assert "newsie train: error: config" in capsys.readouterr().err
    path = str(write_recipe(tmp_path))
    assert main(["train", "--config", path, "training.num_train_epochs"]) == 2
    assert "section.key=value" in capsys.readouterr().err
    assert main(["train", "--config", path, "training.gradient_acumulation_steps=2"]) == 2
    err = capsys.readouterr().err
    assert path in err and "gradient_acumulation_steps" in err


def test_default_recipe_without_the_data_folder_names_it_and_the_way_out(tmp_path, capsys):
    missing = tmp_path / "no-data"
    args = ["train", "--config", str(REPO / "configs" / "default.yaml"), "--data-dir",
            str(missing), "--output-dir", str(tmp_path / "model")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"data folder {missing} does not exist" in err
    assert "--data-dir" in err and "NEWSIE_DATA_DIR" in err and "original-only.yaml" in err
    assert not (tmp_path / "model").exists()


# --- what reaches the Trainer ------------------------------------------------------------------


class TrainingStarted(Exception):
    pass


def built_trainer(recipe: Recipe, monkeypatch) -> NewsieTrainer:
    """The Trainer `train(recipe)` builds, stopped where its training would start."""
    built = []

    def stop(self, **kwargs):
        built.append(self)
        raise TrainingStarted

    monkeypatch.setattr(NewsieTrainer, "train", stop)
    with pytest.raises(TrainingStarted):
        train(recipe)
    return built[0]


@pytest.fixture
def tiny_recipe(tmp_path, documents, tiny_encoder_dir) -> Path:
    """A recipe over the tiny encoder and three documents, setting options newsie never names."""
    write_corpus(tmp_path / "data", documents)
    text = RECIPE.format(encoder=tiny_encoder_dir, data_dir="data") + (
        "  gradient_accumulation_steps: 3\n  adam_beta2: 0.99\n")
    return write_recipe(tmp_path, text)


def test_any_training_argument_reaches_the_trainer(tiny_recipe, monkeypatch):
    args = built_trainer(load_recipe(tiny_recipe), monkeypatch).args
    assert args.gradient_accumulation_steps == 3 and args.adam_beta2 == 0.99
    overridden = load_recipe(tiny_recipe, ["training.gradient_accumulation_steps=2",
                                           "training.max_grad_norm=0.5"])
    args = built_trainer(overridden, monkeypatch).args
    assert args.gradient_accumulation_steps == 2 and args.max_grad_norm == 0.5
    assert args.adam_beta2 == 0.99


def test_every_model_field_reaches_the_model_config(tiny_recipe, monkeypatch):
    recipe = load_recipe(tiny_recipe, ["model.relation_loss_weight=0.25", "model.casing_dim=8",
                                       "model.use_casing=true", "model.dropout=0.2"])
    model = built_trainer(recipe, monkeypatch).model
    assert model.config.relation_loss_weight == 0.25 and model.config.dropout == 0.2
    assert model.config.use_casing is True and model.config.casing_dim == 8
    assert model.shape_embedding.embedding_dim == 8
    assert (model.config.max_length, model.config.stride) == (128, 32)


def test_attention_dropout_replaces_the_encoders_own_and_is_saved(tiny_recipe, monkeypatch):
    model = built_trainer(load_recipe(tiny_recipe), monkeypatch).model
    assert model.config.attention_dropout is None
    assert model.encoder.config.attention_probs_dropout_prob == 0.1  # the checkpoint's
    recipe = load_recipe(tiny_recipe, ["model.attention_dropout=0.0"])
    model = built_trainer(recipe, monkeypatch).model
    assert model.encoder.config.attention_probs_dropout_prob == 0.0
    attention = model.encoder.encoder.layer[0].attention.self
    assert attention.dropout.p == 0.0
    assert model.config.encoder_config().attention_probs_dropout_prob == 0.0  # a saved model's


def test_an_encoder_without_attention_dropout_is_refused_by_name():
    config = BertConfig()
    set_attention_dropout(config, 0.05)
    assert config.attention_probs_dropout_prob == 0.05
    with pytest.raises(ValueError, match="the gpt2 encoder's config has none of the fields"):
        set_attention_dropout(GPT2Config(), 0.0)


def test_frozen_word_embeddings_stay_as_pretrained(tiny_recipe, monkeypatch):
    recipe = load_recipe(tiny_recipe, ["training.freeze_word_embeddings=true"])
    trainer = built_trainer(recipe, monkeypatch)
    words = trainer.model.encoder.get_input_embeddings().weight
    before = words.detach().clone()
    optimized = {id(p) for g in trainer.create_optimizer().param_groups for p in g["params"]}
    assert id(words) not in optimized
    assert id(trainer.model.encoder.embeddings.position_embeddings.weight) in optimized
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    trainer.model.train()
    trainer.model(**batch).loss.backward()
    trainer.optimizer.step()
    assert words.grad is None and torch.equal(words, before)


def test_a_corpus_weight_reaches_its_windows_and_the_run_settings(tiny_recipe, monkeypatch):
    recipe = load_recipe(tiny_recipe, ["data.train=[{path: train.jsonl, weight: 2}]"])
    trainer = built_trainer(recipe, monkeypatch)
    assert set(trainer.train_dataset["weight"]) == {2.0}
    assert trainer.settings["data"]["train_weights"] == [2.0]
    plain = built_trainer(load_recipe(tiny_recipe), monkeypatch)
    assert set(plain.train_dataset["weight"]) == {1.0}
    assert plain.settings["data"]["train_weights"] == [1.0]  # so no resume across the two


def test_window_stride_sets_the_overlap_of_training_windows_only(tiny_recipe, monkeypatch):
    short = ["model.max_length=16", "model.stride=4"]
    overlapping = built_trainer(load_recipe(tiny_recipe, short), monkeypatch)
    adjacent = built_trainer(
        load_recipe(tiny_recipe, [*short, "training.window_stride=0"]), monkeypatch)

    def content_tokens(trainer) -> int:  # special tokens aside
        return sum(len(ids) - 2 for ids in trainer.train_dataset["input_ids"])

    # No overlap: every token of the train documents once.
    texts = [d.text for d in load_recipe(tiny_recipe).data.load("train")]
    tokenizer = adjacent.processing_class
    assert content_tokens(adjacent) == sum(len(tokenizer(t)["input_ids"]) - 2 for t in texts)
    assert content_tokens(overlapping) > content_tokens(adjacent)
    assert adjacent.model.config.stride == 4  # the model reads with its own overlap
    assert adjacent.settings["training"]["window_stride"] == 0  # so no resume across the two
    with pytest.raises(ValueError, match="window_stride must be below half of model.max_length"):
        load_recipe(tiny_recipe, [*short, "training.window_stride=8"])
    with pytest.raises(ValueError, match="window_stride must be at least 0"):
        load_recipe(tiny_recipe, ["training.window_stride=-1"])


def test_heads_and_encoder_learn_at_their_own_rates(tiny_recipe, monkeypatch):
    recipe = load_recipe(tiny_recipe, ["training.head_learning_rate=3e-3"])
    trainer = built_trainer(recipe, monkeypatch)
    groups = trainer.create_optimizer().param_groups
    rates = {(g["lr"], g["weight_decay"]) for g in groups if g["params"]}
    assert rates == {(5e-5, 0.0), (3e-3, 0.0)}  # weight_decay defaults to transformers' 0
    encoder = {id(p) for p in trainer.model.encoder.parameters()}
    for group in groups:
        assert all((id(p) in encoder) == (group["lr"] == 5e-5) for p in group["params"])


def test_an_unset_eval_batch_size_is_sized_to_the_device(tiny_recipe, monkeypatch):
    recipe = load_recipe(tiny_recipe, ["training.per_device_eval_batch_size=null"])
    trainer = built_trainer(recipe, monkeypatch)
    encoder = trainer.model.encoder.config
    assert trainer.args.per_device_eval_batch_size == default_batch_size(
        encoder, 128, trainer.args.device)
    assert trainer.dev_predictor().batch_size == trainer.args.per_device_eval_batch_size


def test_the_size_of_an_epoch_is_logged_before_training(tiny_recipe, monkeypatch, caplog):
    recipe = load_recipe(tiny_recipe, ["training.num_train_epochs=2.5"])
    with caplog.at_level(logging.INFO, logger="newsie"):
        trainer = built_trainer(recipe, monkeypatch)
    windows = len(trainer.train_dataset)
    assert (f"training on {windows} windows of up to 128 tokens (32 shared with the next) from "
            in caplog.text)
    assert ", 2.5 epochs; " in caplog.text


def test_resume_never_starts_afresh_and_checkpoints_go_once_saved(tiny_recipe, tmp_path, caplog):
    out = tmp_path / "model"
    steps = ["training.max_steps=2", "training.gradient_accumulation_steps=1"]
    train(load_recipe(tiny_recipe, [*steps, "training.keep_checkpoints=true"], output_dir=str(out)))
    assert (out / "checkpoint-2").is_dir()
    with caplog.at_level(logging.INFO, logger="newsie"):
        train(load_recipe(tiny_recipe, [*steps, "training.resume=never"], output_dir=str(out)))
    assert "resuming" not in caplog.text
    assert not list(out.glob("checkpoint-*")) and (out / "model.safetensors").is_file()


# --- the model card ----------------------------------------------------------------------------


def test_model_card_records_the_recipe_whatever_its_text(tmp_path, documents):
    recipe = load_recipe(write_recipe(tmp_path), ["model.encoder=odd```name",
                                                  "training.gradient_accumulation_steps=3"])
    card = model_card(tmp_path, recipe=recipe, train_docs=documents, dev_docs=documents,
                      metrics={}, schema=DEFAULT_SCHEMA)
    assert "Encoder ````odd```name```` fine-tuned" in card
    block = card.split("## Training recipe")[1].split("````yaml\n")[1].split("\n````")[0]
    record = yaml.safe_load(block)
    assert record["model"]["encoder"] == "odd```name"
    training = record["training"]
    assert training["gradient_accumulation_steps"] == 3 and training["head_learning_rate"] == 1e-3
    assert training["per_device_eval_batch_size"] == 16 and training["resume"] == "auto"
    assert "adam_beta1" not in training  # transformers' defaults are left out


# --- one real fine-tuning run ------------------------------------------------------------------

TEXTS = [
    "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.",
    '"We will not go to Lagos," Amina Bello told reporters in Abuja.',
    "A bus crash near Cusco left three tourists injured, police said.",
]


@dataclass
class TrainedRun:
    output_dir: Path
    printed: list[str]  # what each `newsie train` call printed
    logged: list[list[str]]  # what each call logged to the "newsie" logger
    model: object  # the model in memory when train() saved it
    tokenizer: object


class Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Interrupted(Exception):
    """What a kill between checkpoints leaves: the run stops, and writes nothing more."""


def stopping_after(step: int | None):
    """`NewsieTrainer._save_checkpoint`, interrupting the run once checkpoint-`step` is saved."""
    save = NewsieTrainer._save_checkpoint

    def save_then_stop(self, model, trial):
        save(self, model, trial)
        if self.state.global_step == step:
            raise Interrupted

    return save_then_stop


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> TrainedRun:
    """`newsie train` on 12 newsie-news documents for 4 steps, keeping its checkpoints,
    interrupted once checkpoint-2 is saved; then the same command again, which resumes from
    checkpoint-2 (training.resume=auto)."""
    root = tmp_path_factory.mktemp("training")
    write_corpus(root / "data", read_jsonl(CORPUS / "train.jsonl")[:12],
                 read_jsonl(CORPUS / "dev.jsonl")[:4])
    recipe = write_recipe(root)
    output_dir = root / "model"
    saved: dict[str, object] = {}

    def spy(model, tokenizer, path, **options):
        saved.update(model=model, tokenizer=tokenizer)
        return save_model_folder(model, tokenizer, path, **options)

    printed, logged = [], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer_module, "save_model_folder", spy)
        for stop_after in (2, None):
            patch.setattr(NewsieTrainer, "_save_checkpoint", stopping_after(stop_after))
            stdout, messages = io.StringIO(), Messages()
            logging.getLogger("newsie").addHandler(messages)
            try:
                with redirect_stdout(stdout):
                    code = main(["train", "--config", str(recipe), "--output-dir",
                                 str(output_dir), "training.max_steps=4",
                                 "training.keep_checkpoints=true"])
            except Interrupted:
                code = None
            finally:
                logging.getLogger("newsie").removeHandler(messages)
            assert code == (None if stop_after else 0)
            printed.append(stdout.getvalue())
            logged.append(messages.messages)
    return TrainedRun(output_dir, printed, logged, saved["model"], saved["tokenizer"])


def test_training_writes_a_complete_model_folder(trained):
    folder = trained.output_dir
    for name in ("config.json", "model.safetensors", "schema.json", "tokenizer.json",
                 "metrics.json", "README.md"):
        assert (folder / name).is_file(), name
    assert f"saved model to {folder}" in trained.printed[-1]
    metrics = json.loads((folder / "metrics.json").read_text())["dev"]
    for name in ("micro_f1", "ACTOR_f1", "LOCATION_f1", "SPEAKER_f1", "relation_micro_f1"):
        assert 0.0 <= metrics[name] <= 1.0, name
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert DEFAULT_ENCODER in card and "Extractor.from_pretrained" in card
    assert "| train | 12 |" in card and "| dev | 4 |" in card
    assert f"| micro | {metrics['micro_precision']:.3f} |" in card
    assert "max_steps: 4" in card


def test_training_resumes_from_the_last_checkpoint(trained):
    checkpoints = trained.output_dir  # transformers' layout: checkpoint-N in output_dir
    assert not any("resuming from" in m for m in trained.logged[0])
    assert f"resuming from {checkpoints / 'checkpoint-2'} (training.resume=never starts afresh)" \
        in trained.logged[1]
    state = json.loads((checkpoints / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    steps = [entry["step"] for entry in state["log_history"] if "loss" in entry]
    assert steps == [1, 2, 3, 4]  # steps 1-2 come from the first run, each trained once
    evaluated = [entry["step"] for entry in state["log_history"] if "eval_micro_f1" in entry]
    assert evaluated == [2, 4]  # step 2 by the first run, 4 by the second


def test_reloaded_model_gives_identical_output(trained):
    before = Extractor(trained.model, trained.tokenizer, device="cpu", batch_size=16)
    after = Extractor.from_pretrained(trained.output_dir, device="cpu", batch_size=16)
    dev = read_jsonl(trained.output_dir.parent / "data" / "dev.jsonl")
    texts = [*TEXTS, dev[0].text]
    for text in texts:
        assert after(text).to_dict() == before(text).to_dict()
    metrics = json.loads((trained.output_dir / "metrics.json").read_text())["dev"]
    reloaded = flat_metrics(dev, list(after.pipe(doc.text for doc in dev)))
    assert reloaded == pytest.approx(metrics)
