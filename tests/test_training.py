"""Training recipes (validation, overrides, paths), and one real fine-tuning run of the default
encoder: a few steps, interrupted and resumed, saved, reloaded, giving the same output."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

import newsie.training.trainer as trainer_module
from newsie.cli import main
from newsie.corpus import read_jsonl, write_jsonl
from newsie.data import Document
from newsie.encoders import DEFAULT_ENCODER
from newsie.evaluation import flat_metrics
from newsie.extractor import Extractor
from newsie.models import save_model_folder
from newsie.training import load_recipe

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
  batch_size: 8
  eval_batch_size: 16
  logging_steps: 1
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
    default = load_recipe(REPO / "configs" / "default.yaml")
    assert default.model.encoder == DEFAULT_ENCODER
    assert default.training.learning_rate == pytest.approx(1e-4)
    assert Path(default.data.data_dir).resolve() == CORPUS
    assert len(default.data.load("dev")) == len(read_jsonl(CORPUS / "dev.jsonl"))


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
    recipe = load_recipe(path, ["training.epochs=3", "model.use_casing=true",
                                "training.max_steps=7", "model.encoder=some/encoder",
                                "training.learning_rate=2e-5"],
                         output_dir=str(tmp_path / "out"))
    assert recipe.training.epochs == 3.0 and isinstance(recipe.training.epochs, float)
    assert recipe.model.use_casing is True and recipe.training.max_steps == 7
    assert recipe.model.encoder == "some/encoder"
    assert recipe.training.learning_rate == pytest.approx(2e-5)
    assert recipe.training.output_dir == str(tmp_path / "out")


def test_numbers_written_as_strings_are_coerced(tmp_path):
    text = RECIPE.format(encoder="x", data_dir="data") + (
        '  head_learning_rate: "1.0e-4"\n  max_steps: "4"\n  epochs: 2\n')
    recipe = load_recipe(write_recipe(tmp_path, text))
    settings = recipe.training
    assert settings.learning_rate == pytest.approx(5e-5)  # YAML reads 5e-5 as a string
    assert settings.head_learning_rate == pytest.approx(1e-4)
    assert settings.max_steps == 4 and settings.epochs == 2.0
    assert all(isinstance(v, float) for v in (settings.learning_rate, settings.epochs))


@pytest.mark.parametrize("overrides, message", [
    (["training.epochs"], "must look like section.key=value"),
    (["epochs=3"], "must look like section.key=value"),
    (["optimizer.lr=0.1"], r"unknown section\(s\) \['optimizer'\]"),
    (["training.epoch=3"], r"training: unknown key\(s\) \['epoch'\]"),
    (["model.encodr=x"], r"model: unknown key\(s\) \['encodr'\]"),
    (["training.learning_rate=fast"], "learning_rate: 'fast' is not of type float"),
    (["training.max_steps=many"], "max_steps: 'many' is not of type int"),
    (["model.max_length=8"], r"model.max_length must lie in \[16, 8192\]"),
    (["model.stride=64"], "model.stride must lie in"),
    (["model.relation_threshold=1.5"], "relation_threshold must lie strictly between"),
    (["training.precision=fp8"], "training.precision must be"),
    (["training.batch_size=0"], "batch_size"),
    (["training.learning_rate=0"], "must be positive"),
    (["training.epochs=0"], "epochs > 0 or training.max_steps > 0"),
    (["data.train=[]"], "data.train must name at least one corpus"),
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
    assert main(["train", "--config", str(write_recipe(tmp_path)), "training.epochs"]) == 2
    assert "section.key=value" in capsys.readouterr().err


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
    model: object  # the model in memory when train() saved it
    tokenizer: object


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> TrainedRun:
    """`newsie train` on 12 newsie-news documents for 2 steps, keeping its checkpoints, then again
    to 4 steps: the second run resumes from the first's checkpoint (training.resume=auto)."""
    root = tmp_path_factory.mktemp("training")
    write_corpus(root / "data", read_jsonl(CORPUS / "train.jsonl")[:12],
                 read_jsonl(CORPUS / "dev.jsonl")[:4])
    recipe = write_recipe(root)
    output_dir = root / "model"
    saved: dict[str, object] = {}

    def spy(model, tokenizer, path):
        saved.update(model=model, tokenizer=tokenizer)
        return save_model_folder(model, tokenizer, path)

    printed = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer_module, "save_model_folder", spy)
        for steps in (2, 4):
            stdout = io.StringIO()
            with redirect_stdout(stdout):
                code = main(["train", "--config", str(recipe), "--output-dir", str(output_dir),
                             f"training.max_steps={steps}", "training.keep_checkpoints=true"])
            assert code == 0
            printed.append(stdout.getvalue())
    return TrainedRun(output_dir, printed, saved["model"], saved["tokenizer"])


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
    checkpoints = trained.output_dir / "checkpoints"
    assert "resuming from" not in trained.printed[0]
    assert f"resuming from {checkpoints / 'checkpoint-2'}" in trained.printed[1]
    state = json.loads((checkpoints / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    steps = [entry["step"] for entry in state["log_history"] if "loss" in entry]
    assert steps == [1, 2, 3, 4]  # steps 1-2 come from the first run, each trained once
    evaluated = [entry["step"] for entry in state["log_history"] if "eval_micro_f1" in entry]
    assert evaluated == [2, 4]  # a fresh 4-step run would evaluate at step 4 only


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
