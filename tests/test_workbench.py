"""The annotation workbench's working files: conversion to stand-off records and their checks."""

from __future__ import annotations

import pytest

from newsie.data import Document
from newsie.standoff import text_sha256
from newsie.workbench import (
    AnnotationError,
    parse_working_file,
    working_file_text,
    working_file_to_record,
)

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
