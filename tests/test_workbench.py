"""The annotation workbench's working files: conversion to stand-off records and their checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsie.data import Document
from newsie.standoff import attach_text, text_sha256
from newsie.workbench import (
    AnnotationError,
    parse_working_file,
    record_differences,
    saved_working_file_text,
    working_file_text,
    working_file_to_record,
)

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data"

TEXT = ('Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad. '
        '"We will not go to Homs," Haddad told reporters. The 12 victims were buried. '
        'He said the rebels would pay.')
HEADER = "id: doc-1\nsource: wikinews\n"


def record(body: str, text: str = TEXT) -> dict:
    return working_file_to_record(parse_working_file(HEADER + body, "w.ann"), text)


def problems(body: str, text: str = TEXT) -> list[str]:
    with pytest.raises(AnnotationError) as caught:
        record(body, text)
    return caught.value.problems


GOOD = """
[spans]
a1 ACTOR "Rebels"
l1 LOCATION "Homs"#1
c1 CASUALTY "at least 12 people" count=12 qualifier=at_least status=killed
a2 ACTOR 64:75 "Omar Haddad"
q1 QUOTE "We will not go to Homs,"
l2 LOCATION "Homs"@100
a3 ACTOR "Haddad"@105
c2 CASUALTY "The 12 victims" count=12 qualifier=exact status=killed
a4 ACTOR "rebels"

[relations]
PLACE c1 l1
PERPETRATOR c1 a1
SPEAKER q1 a3

[events]
c1 c2 place=l1 perpetrator=a1

[actors]
a2 a3 "He"
a1 a4
"""


def test_a_valid_working_file_becomes_a_record_that_reads_back():
    made = record(GOOD)
    spans = {s["id"]: TEXT[s["start"]:s["end"]] for s in made["spans"]}
    assert spans["l1"] == spans["l2"] == "Homs"
    assert [s["start"] for s in made["spans"] if s["id"] in ("l1", "l2")] == [
        TEXT.index("Homs"), TEXT.index("Homs", 20)]
    assert spans["a2"] == "Omar Haddad" and spans["q1"] == "We will not go to Homs,"
    assert made["sha256"] == text_sha256(TEXT) and "text" not in made
    assert made["casualty_events"] == [{"mentions": ["c1", "c2"], "killed": 12, "injured": 0,
                                        "place": "l1", "perpetrator": "a1"}]
    assert made["doc_counts"] == {"killed": 12, "injured": 0}
    clusters = {c["name"]: c["mentions"] for c in made["actors"]}
    assert clusters["Omar Haddad"][:2] == ["a2", "a3"]
    assert TEXT[clusters["Omar Haddad"][2]["start"]:clusters["Omar Haddad"][2]["end"]] == "He"
    document = Document.from_dict({**made, "text": TEXT})
    assert document.doc_counts == {"killed": 12, "injured": 0}
    assert len(document.actors) == 2


def test_singleton_actors_are_added_when_actors_are_annotated():
    made = record('[spans]\na1 ACTOR "Rebels"\na2 ACTOR "Omar Haddad"\n[actors]\n')
    assert [c["mentions"] for c in made["actors"]] == [["a1"], ["a2"]]


def test_a_document_without_events_section_annotates_no_doc_counts():
    assert "doc_counts" not in record('[spans]\na1 ACTOR "Rebels"\n')


@pytest.mark.parametrize("line, expected", [
    ('a1 ACTOR "Damascus"', "does not occur"),
    ('a1 LOCATION "Homs"', "occurs 2 times"),
    ('a1 LOCATION "Homs"#3', "not #3"),
    ('a1 ACTOR 0:7 "Rebel"', "not 'Rebel'"),
    ('a1 ACTOR 0:9999', "outside the text"),
    ('a1 ACTOR "The 12 victims"', "determiner"),
    ('a1 ACTOR "He"', "pronoun"),
    ('q1 QUOTE ""We will not go to Homs,"', "quotation marks"),
    ('q1 QUOTE "Rebels shelled"', "between no quotation marks"),
    ('c1 CASUALTY "at least 12 people" count=12', "CASUALTY needs ['qualifier', 'status']"),
    ('c1 CASUALTY "at least 12 people" count=12 qualifier=some status=killed', "qualifier"),
    ('c1 CASUALTY "at least 12 people" count=x qualifier=exact status=killed', "whole number"),
    ('a1 ACTOR "Rebels" count=3', "take no attributes"),
    ('a1 WEAPON "Rebels"', "not annotated here"),
])
def test_span_errors_name_the_line(line, expected):
    found = problems(f"[spans]\n{line}\n")
    assert len(found) == 1 and found[0].startswith("w.ann:4: ") and expected in found[0]


def test_keep_waives_the_boundary_checks():
    made = record('[spans]\na1 ACTOR "The 12 victims" !keep\n')
    assert TEXT[made["spans"][0]["start"]:made["spans"][0]["end"]] == "The 12 victims"


def test_relation_event_and_actor_errors_are_all_reported():
    found = problems("""[spans]
a1 ACTOR "Rebels"
l1 LOCATION "Homs"#1
c1 CASUALTY "at least 12 people" count=12 qualifier=at_least status=killed
[relations]
SPEAKER a1 l1
PLACE c1 a9
[events]
c1 place=a1
c1
[actors]
a1 "Monday"
""")
    assert len(found) == 5
    assert found[0].startswith("w.ann:8:") and "QUOTE is needed" in found[0]
    assert found[1].startswith("w.ann:9:") and "'a9'" in found[1]
    assert found[2].startswith("w.ann:11:") and "LOCATION is needed" in found[2]
    assert found[3].startswith("w.ann:12:") and "two events" in found[3]
    assert found[4].startswith("w.ann:14:") and "no pronoun" in found[4]


def test_overlapping_spans_of_one_type_are_refused():
    found = problems('[spans]\na1 ACTOR "Omar Haddad"\na2 ACTOR "Haddad"#1\n')
    assert "overlaps" in found[0]


def test_a_changed_text_is_refused_by_its_hash():
    body = '[spans]\na1 ACTOR "Rebels"\n'
    content = f"{HEADER}sha256: {text_sha256(TEXT)}\n{body}"
    with pytest.raises(AnnotationError, match="sha256"):
        working_file_to_record(parse_working_file(content, "w.ann"), TEXT + " ")


def test_a_working_file_written_from_a_document_converts_back_to_it():
    original = Document.from_dict({**record(GOOD), "text": TEXT})
    written = working_file_text(original, {"id": "doc-1", "source": "wikinews"},
                                ("events", "actors"))
    again = Document.from_dict({**working_file_to_record(parse_working_file(written, "w"), TEXT),
                                "text": TEXT})
    assert again.to_dict() == {**original.to_dict(), "annotator": ""}


def round_trip(made: dict, text: str = TEXT) -> dict:
    """`load` then `save` of a record, without edits."""
    sections = tuple(s for s, key in (("events", "casualty_events"), ("actors", "actors"))
                     if key in made)
    header = {"id": made["id"], "source": made["source"], "annotator": made["annotator"]}
    written = saved_working_file_text({**made, "text": text}, header, sections)
    return working_file_to_record(parse_working_file(written, "w.ann"), text)


def test_a_saved_record_round_trips_with_no_events_overrides_and_kept_spans():
    made = record("""[spans]
a1 ACTOR "The 12 victims" !keep   # a kept span; "quoted" words in the comment
c1 CASUALTY "at least 12 people" count=12 qualifier=at_least status=killed
a2 ACTOR "Omar Haddad"
a3 ACTOR "Haddad"@105
[events]
[actors]
a2 a3 "He"
""")
    assert made["casualty_events"] == [] and made["doc_counts"] == {"killed": 0, "injured": 0}
    assert round_trip(made) == made
    overridden = record('[spans]\nc1 CASUALTY "at least 12 people" count=12 qualifier=at_least '
                        'status=killed\n[events]\nc1 killed=14 injured=3\n')
    assert round_trip(overridden) == overridden


def test_a_span_inside_a_longer_word_round_trips_by_its_offsets():
    text = "Haddadi met Haddad in Homs."
    made = record("[spans]\na1 ACTOR 0:6 !keep\na2 ACTOR 12:18\n", text)
    again = round_trip(made, text)
    assert [(s["start"], s["end"]) for s in again["spans"]] == [(0, 6), (12, 18)]
    assert again == made


def test_cluster_mentions_keep_their_record_order():
    made = record('[spans]\na1 ACTOR "Omar Haddad"\na2 ACTOR "Haddad"@105\n[actors]\na2 "He" a1\n')
    assert made["actors"][0]["mentions"][0] == "a2"
    assert round_trip(made) == made


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason="the shared data folder is absent")
def test_every_committed_record_round_trips_but_for_cluster_names():
    def unnamed(made: dict) -> dict:
        return {**made, "actors": [{**c, "name": None} for c in made.get("actors", [])]}

    paths = sorted((REPO / "corpus/realnews/batches").glob("*.standoff.jsonl"))
    records = [json.loads(line) for path in paths for line in path.read_text("utf-8").splitlines()]
    assert records
    for saved in records:
        text = attach_text(saved, DATA_DIR, source=saved["id"])["text"]
        assert unnamed(round_trip(saved, text)) == unnamed(saved), saved["id"]


def test_a_quotation_mark_in_a_comment_is_not_span_text():
    made = record('[spans]\na1 ACTOR "Rebels" # not "the rebels"\n')
    assert (made["spans"][0]["start"], made["spans"][0]["end"]) == (0, 6)


def test_all_capital_acronyms_are_no_pronouns():
    text = "The WHO and the US said he would help."
    made = record('[spans]\na1 ACTOR "WHO"\na2 ACTOR "US"\n', text)
    assert len(made["spans"]) == 2
    assert "pronoun" in problems('[spans]\na1 ACTOR "he"\n', text)[0]
    assert "no pronoun" in problems('[spans]\na1 ACTOR "WHO"\n[actors]\na1 "US"\n', text)[0]


def test_a_cluster_is_named_by_its_longest_named_mention():
    text = "The President spoke. Bush said he would go."
    made = record('[spans]\na1 ACTOR "President"\na2 ACTOR "Bush"\n[actors]\na1 a2\n', text)
    assert made["actors"][0]["name"] == "Bush"


@pytest.mark.parametrize("name", ["Parti libéral du Québec", "Partido ng Bayan"])
def test_connecting_words_inside_a_name_are_no_role(name):
    text = f"The {name} won the vote."
    assert record(f'[spans]\na1 ACTOR "{name}"\n', text)["spans"][0]["end"] == 4 + len(name)


def test_a_role_word_before_a_name_is_still_refused():
    text = "The Swedish citizen Mohamed Moumou was freed."
    found = problems('[spans]\na1 ACTOR "Swedish citizen Mohamed Moumou"\n', text)
    assert "title or role" in found[0]


def test_record_differences_name_each_difference_by_its_text():
    first = record(GOOD)
    same = record_differences(first, record(GOOD), TEXT)
    second = json.loads(json.dumps(first))
    shelled = next(s for s in second["spans"] if TEXT[s["start"]:s["end"]] == "Homs")
    shelled["end"] -= 1  # "Hom"
    casualty = next(s for s in second["spans"] if s["label"] == "CASUALTY")
    casualty["attrs"]["qualifier"] = "exact"
    second["relations"] = [r for r in second["relations"] if r["label"] != "PLACE"]
    second["doc_counts"] = {"killed": 13, "injured": 0}
    lines = record_differences(first, second, TEXT)
    assert same == []
    assert any(line.split()[:2] == ["first", "only"] and '"Homs"' in line for line in lines)
    assert any(line.split()[:2] == ["second", "only"] and '"Hom"' in line for line in lines)
    assert any(line.split()[0] == "attributes" and "'exact'" in line for line in lines)
    assert any("PLACE" in line and line.split()[:2] == ["first", "only"] for line in lines)
    assert any(line.split()[0] == "doc_counts:" for line in lines)
