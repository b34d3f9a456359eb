"""scripts/build_corpus.py: document-level fields from a source, and the errors that name them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from newsie.data import CorpusError

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_corpus", REPO / "scripts" / "build_corpus.py")
build_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_corpus)

PARAGRAPH = (
    "    [Gunmen]{a1:ACTOR} killed [six people]{c1:CASUALTY count=6 qualifier=exact status=killed}"
    " in [Homs]{l1:LOCATION}. [Two of them]{c2:CASUALTY count=2 qualifier=exact status=killed}"
    " were boys, said [Ali Saleh]{a2:ACTOR}. \"[We buried [the six]{c3:CASUALTY count=6"
    " qualifier=exact status=killed},]{q1:QUOTE}\" he said. [Saleh]{a3:ACTOR} added that the"
    " war had claimed [10,000 lives]{c4:CASUALTY count=10000 qualifier=at_least status=killed}."
)
SOURCE = f"""\
- id: t-001
  topic: test
  text: |
{PARAGRAPH}
  relations:
    - PLACE c1 l1
    - PERPETRATOR c1 a1
    - SPEAKER q1 a2
  events:
    - c1 c2 c3
  aggregates: c4
  actors:
    - a2 a3 he>q1
  doc_counts: {{killed: 6, injured: 0}}
"""


def compile_text(tmp_path: Path, source: str):
    path = tmp_path / "source.yaml"
    path.write_text(source, encoding="utf-8")
    return build_corpus.compile_file(path)


def test_events_clusters_and_counts_follow_the_source(tmp_path: Path):
    (doc,) = compile_text(tmp_path, SOURCE)
    data = doc.to_dict()
    assert data["doc_counts"] == {"killed": 6, "injured": 0}
    (event,) = data["casualty_events"]
    assert event["mentions"] == ["c1", "c2", "c3"] and event["killed"] == 6
    assert event["place"] == "l1" and event["perpetrator"] == "a1"
    clusters = {c["name"]: c["mentions"] for c in data["actors"]}
    assert set(clusters) == {"Gunmen", "Ali Saleh"}  # every ACTOR span in one cluster
    (pronoun,) = [m for m in clusters["Ali Saleh"] if isinstance(m, dict)]
    assert doc.text[pronoun["start"] : pronoun["end"]] == "he"
    assert doc.text[pronoun["start"] :].startswith("he said")


@pytest.mark.parametrize("old, new, message", [
    ("doc_counts: {killed: 6,", "doc_counts: {killed: 16,", "killed is 16 but the events sum to 6"),
    ("  aggregates: c4\n", "", "killed is 6 but the events sum to 10006"),
    ("    - c1 c2 c3\n", "    - c1 c2 c9\n", "'c9' is not the id of a CASUALTY span"),
    ("    - c1 c2 c3\n", "    - c1 c2 c4\n", "'c4' is already in aggregates"),
    ("a2 a3 he>q1", "a2 a3 she>q1", "no word 'she' after q1"),
    ("a2 a3 he>q1", "a2 a3 Homs>q1", "'Homs' is not a pronoun"),
    ("a2 a3 he>q1", "a2 c1", "'c1' is not the id of a ACTOR span"),
    ("    - c1 c2 c3\n", "    - c1 c2 c3 dead=2\n", "'dead=2' is not killed=N or injured=N"),
    ("  doc_counts: {killed: 6, injured: 0}\n", "", "must be {killed: K, injured: I}"),
])
def test_errors_name_the_file_line_and_field(tmp_path: Path, old: str, new: str, message: str):
    assert old in SOURCE
    with pytest.raises(CorpusError) as caught:
        compile_text(tmp_path, SOURCE.replace(old, new))
    assert message in str(caught.value)
    assert caught.value.line == 1 and caught.value.source.endswith("source.yaml")


def test_stated_event_counts_replace_the_mentions(tmp_path: Path):
    source = SOURCE.replace("    - c1 c2 c3\n", "    - c1 c2 c3 killed=5 injured=1\n")
    source = source.replace("{killed: 6, injured: 0}", "{killed: 5, injured: 1}")
    (doc,) = compile_text(tmp_path, source)
    assert doc.to_dict()["doc_counts"] == {"killed": 5, "injured": 1}
