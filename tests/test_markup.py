"""The markup compiler, the seeded split, and the committed corpus against its sources."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from newsie.corpus import read_jsonl
from newsie.data import CorpusError, Document
from newsie.markup import compile_source, parse_markup, split_documents
from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "newsie-news"
SPLITS = ("train", "dev", "test")


def located(text: str, spans: list[dict]) -> list[tuple[str, str, str]]:
    return [(s["id"], s["label"], text[s["start"] : s["end"]]) for s in spans]


def test_parse_markup_computes_offsets():
    text, spans = parse_markup("[Rebels]{a1:ACTOR} shelled [Homs]{l1:LOCATION} on Monday.")
    assert text == "Rebels shelled Homs on Monday."
    assert located(text, spans) == [("a1", "ACTOR", "Rebels"), ("l1", "LOCATION", "Homs")]
    assert spans[1]["start"] == 15 and spans[1]["end"] == 19


def test_parse_markup_nests_spans_and_closes_the_inner_one_first():
    text, spans = parse_markup('"[We will go to [Moscow]{l2:LOCATION} soon]{q1:QUOTE}," he said.')
    assert text == '"We will go to Moscow soon," he said.'
    assert located(text, spans) == [("l2", "LOCATION", "Moscow"),
                                    ("q1", "QUOTE", "We will go to Moscow soon")]


def test_parse_markup_escapes_and_attributes():
    text, spans = parse_markup(
        r"\[sic\] \{x\} a\\b [at least 12]{c1:CASUALTY count=12 qualifier=at_least "
        r"status=killed} and [dozens]{c2:CASUALTY count=null qualifier=approximately}")
    assert text == r"[sic] {x} a\b at least 12 and dozens"
    assert located(text, spans) == [("c1", "CASUALTY", "at least 12"),
                                    ("c2", "CASUALTY", "dozens")]
    assert spans[0]["attrs"] == {"count": 12, "qualifier": "at_least", "status": "killed"}
    assert spans[1]["attrs"] == {"count": None, "qualifier": "approximately"}


def test_a_backslash_before_an_ordinary_character_is_kept():
    text, spans = parse_markup(r"C:\temp [Homs]{l1:LOCATION}")
    assert text == r"C:\temp Homs" and located(text, spans) == [("l1", "LOCATION", "Homs")]


@pytest.mark.parametrize("markup, message", [
    ("Rebels] shelled", "closes no"),
    ("[Rebels] shelled", "must be followed by"),
    ("[Rebels]{a1:ACTOR shelled", "no closing"),
    ("[Rebels]{ACTOR} shelled", "is not 'id:LABEL"),
    ("[Rebels]{a1:actor} shelled", "is not 'id:LABEL"),
    ("[Rebels]{a1:ACTOR count} shelled", "is not 'id:LABEL"),
    ("Rebels {shelled}", "unescaped"),
    ("[[Rebels]{a1:ACTOR} shelled", "1 '\\[' left open"),
])
def test_parse_markup_errors_say_what_is_wrong(markup, message):
    with pytest.raises(ValueError, match=message):
        parse_markup(markup)


def write_source(folder: Path, body: str) -> Path:
    path = folder / "source.yaml"
    path.write_text(body, encoding="utf-8")
    return path


SOURCE = """\
- id: t-001
  topic: crime
  style: wire
  text: |
    [Gunmen]{a1:ACTOR} killed [two guards]{c1:CASUALTY count=2 qualifier=exact status=killed}
    in [Kano]{l1:LOCATION}.
  relations:
    - PLACE c1 l1
    - PERPETRATOR c1 a1
- id: t-002
  topic: courts
  annotated:
    spans: [ACTOR]
    relations: []
  text: "[The court]{a1:ACTOR} adjourned."
"""


def test_compile_source_builds_validated_documents(tmp_path: Path):
    first, second = compile_source(write_source(tmp_path, SOURCE))
    assert first.text == "Gunmen killed two guards\nin Kano."  # the final newline is dropped
    assert [(s.label, s.text) for s in first.spans] == [
        ("ACTOR", "Gunmen"), ("CASUALTY", "two guards"), ("LOCATION", "Kano")]
    assert [(r.label, r.head.text, r.tail.text) for r in first.relations] == [
        ("PLACE", "two guards", "Kano"), ("PERPETRATOR", "two guards", "Gunmen")]
    assert first.meta == {"topic": "crime", "style": "wire", "source": "newsie-news"}
    assert second.annotated.spans == ("ACTOR",) and second.annotated.relations == ()
    assert all(doc.text[s.start : s.end] == s.text for doc in (first, second) for s in doc.spans)


@pytest.mark.parametrize("body, line, field, message", [
    ("- id: x\n  text: fine\n- id: y\n  text: '[broken'\n", 3, "text", "left open"),
    ("- id: x\n  text: '[a]{a1:ACTOR}'\n  relations: [PLACE a1]\n", 1, "relations[0]",
     "is not 'LABEL head_id tail_id'"),
    ("- id: x\n  text: fine\n\n- id: y\n  text: '[a]{a1:PERSON}'\n", 4, "spans[0].label",
     "unknown label"),
    ("- id: x\n  text: '[a]{a1:ACTOR} [b]{c1:CASUALTY}'\n  relations: [PLACE c1 a1]\n", 1,
     "relations[0].tail", "needs a LOCATION tail"),
    ("- text: no id\n", 1, None, "needs 'id' and 'text'"),
])
def test_compile_source_errors_name_file_line_and_field(tmp_path, body, line, field, message):
    path = write_source(tmp_path, body)
    with pytest.raises(CorpusError, match=message) as caught:
        compile_source(path)
    assert (caught.value.source, caught.value.line, caught.value.field) == (str(path), line, field)


def test_compile_source_refuses_a_file_that_is_not_a_list(tmp_path: Path):
    with pytest.raises(CorpusError, match="expected a YAML list"):
        compile_source(write_source(tmp_path, "id: x\ntext: y\n"))


def topic_documents(sizes: dict[str, int]) -> list[Document]:
    return [Document(text=f"{topic} {k}", id=f"{topic}-{k:03d}", meta={"topic": topic})
            for topic, n in sizes.items() for k in range(n)]


def ids(split: dict[str, list[Document]]) -> dict[str, list[str]]:
    return {name: [d.id for d in docs] for name, docs in split.items()}


def test_split_documents_is_a_seeded_partition_covering_every_topic():
    documents = topic_documents({"crime": 20, "courts": 7, "health": 13})
    split = split_documents(documents, seed=13)
    assert ids(split) == ids(split_documents(list(reversed(documents)), seed=13))
    assert ids(split) != ids(split_documents(documents, seed=14))
    assert Counter(d.id for docs in split.values() for d in docs) == Counter(
        d.id for d in documents)  # every document in exactly one split
    for name in SPLITS:
        assert {d.meta["topic"] for d in split[name]} == {"crime", "courts", "health"}, name
    assert [len(split[name]) for name in SPLITS] == [28, 6, 6]  # 15% dev, 15% test per topic


def test_split_documents_fractions():
    split = split_documents(topic_documents({"a": 10}), seed=1, fractions=(0.2, 0.3))
    assert [len(split[name]) for name in SPLITS] == [5, 2, 3]


def test_committed_corpus_is_a_fresh_compile_of_the_sources(tmp_path: Path):
    """Nobody edits corpus/newsie-news/*.jsonl without corpus/sources/*.yaml, or the reverse:
    rebuild with `python scripts/build_corpus.py` after changing a source."""
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_corpus.py"), "--out", str(tmp_path),
         "--seed", "13"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for name in SPLITS:
        fresh = (tmp_path / f"{name}.jsonl").read_text(encoding="utf-8")
        committed = (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8")
        assert fresh == committed, (
            f"corpus/newsie-news/{name}.jsonl differs from a compile of corpus/sources/*.yaml "
            "with seed 13: run python scripts/build_corpus.py")


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Document]]:
    return {name: read_jsonl(CORPUS / f"{name}.jsonl") for name in SPLITS}


def test_corpus_splits_are_disjoint_and_cover_every_topic(corpus):
    all_ids = [d.id for docs in corpus.values() for d in docs]
    assert len(all_ids) == len(set(all_ids))
    topics = {d.meta["topic"] for docs in corpus.values() for d in docs}
    for name, docs in corpus.items():
        assert {d.meta["topic"] for d in docs} == topics, name


def test_every_corpus_casualty_has_valid_attributes(corpus):
    casualties = [(doc.id, span) for docs in corpus.values() for doc in docs
                  for span in doc.spans_of("CASUALTY")]
    assert casualties
    for doc_id, span in casualties:
        where = f"{doc_id} {span.id} {span.text!r}"
        assert set(span.attrs) == {"count", "qualifier", "status"}, where
        count = span.attrs["count"]
        assert count is None or (type(count) is int and count >= 0), where
        assert span.attrs["qualifier"] in CASUALTY_QUALIFIERS, where
        assert span.attrs["status"] in CASUALTY_STATUSES, where

