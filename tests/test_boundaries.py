"""The guidelines' boundary rules applied to predicted spans: trimming, snapping, overlaps."""

from __future__ import annotations

import pytest

from newsie.text.boundaries import SNAP_REGIONS, snap_span, trim_span
from newsie.text.overlaps import LIKELIEST, OUTERMOST, REFUSE, OverlapError, resolve_overlaps
from newsie.text.quotes import quotation_regions


def trimmed(text: str, label: str = "ACTOR") -> str | None:
    found = trim_span(text, 0, len(text), label)
    return None if found is None else text[found[0] : found[1]]


@pytest.mark.parametrize("span, expected", [
    ("the rebels", "rebels"),
    ("The UN", "UN"),
    ("an army", "army"),
    ("Foreign Minister Sergei Lavrov", "Sergei Lavrov"),
    ("Prime Minister Narendra Modi", "Narendra Modi"),
    ("former President Jimmy Carter", "Jimmy Carter"),
    ("the Interior Minister Amal Idris", "Amal Idris"),
    ("Mr. Smith", "Smith"),
    ("Dr Amina Bello", "Amina Bello"),
    ("Russia's", "Russia"),
    ("Russia’s", "Russia"),
    ("the rebels'", "rebels"),
    ("General Motors", "General Motors"),  # no title rule for "General"
    ("President", "President"),  # a title alone is the whole mention
    ("the president", "president"),
    ("director of the agency", "director of the agency"),  # the title rule needs a name after it
    ("Minister of Health", "Minister of Health"),
    ("  Ahmed Saleh, ", "Ahmed Saleh"),
    ('"Hamas"', "Hamas"),
    ("(UNICEF", "UNICEF"),
    ("Egypt's top diplomat", "Egypt's top diplomat"),  # a nominal ACTOR keeps its words
    ("the", "the"),
    (" , ", None),
])
def test_trim_actor(span, expected):
    assert trimmed(span) == expected


@pytest.mark.parametrize("span, expected", [
    ("the Gaza Strip", "Gaza Strip"),
    ("Minister Road", "Minister Road"),  # titles are trimmed from actors only
    ("Syria's", "Syria"),
    (" Homs,", "Homs"),
])
def test_trim_location(span, expected):
    assert trimmed(span, "LOCATION") == expected


@pytest.mark.parametrize("span, label, expected", [
    (" We will not go to Moscow, ", "QUOTE", "We will not go to Moscow,"),
    ("the 12 people's", "CASUALTY", "the 12 people's"),
    ("\n\t", "QUOTE", None),
])
def test_trim_other_types_strips_only_whitespace(span, label, expected):
    assert trimmed(span, label) == expected


def test_trim_span_works_inside_a_longer_text():
    text = "Yesterday the Foreign Minister Sergei Lavrov's plane landed."
    start = text.index("the")
    end = text.index(" plane")
    found = trim_span(text, start, end, "ACTOR")
    assert found is not None and text[found[0] : found[1]] == "Sergei Lavrov"


def test_trim_span_with_known_cuts_gives_the_same_offsets():
    # One dict for a whole text: each name's second mention reuses the first's cut, wherever the
    # words around it differ (subword edges widen to whole words before the rules run).
    text = ("The rebels met Foreign Minister Sergei Lavrov's envoy. Foreign Minister Sergei "
            "Lavrov's plane, the rebels said, and (UNICEF and the rebels' (UNICEF")
    known: dict = {}
    spans = [(start, end, label) for label in ("ACTOR", "LOCATION", "QUOTE")
             for start in range(len(text)) for end in range(start + 1, min(len(text), start + 40))]
    for start, end, label in spans:
        assert trim_span(text, start, end, label, known) == trim_span(text, start, end, label)
    assert known


def test_snap_span_takes_the_containing_region_or_keeps_the_span():
    regions = [(5, 20), (30, 40)]
    assert snap_span(8, 12, regions) == (5, 20)
    assert snap_span(18, 32, regions) == (18, 32)  # across two regions: no snapping
    assert snap_span(18, 32, regions, required=True) is None
    assert snap_span(0, 3, regions, required=True) is None


def test_quote_and_casualty_spans_snap_to_the_text_regions():
    text = 'He said: "We will not go to Moscow," adding that 15 civilians were killed.'
    quote = text.index("We")
    assert SNAP_REGIONS["QUOTE"](text) == [(quote, text.index('"', quote))]
    start = text.index("15")
    assert snap_span(start, start + 2, SNAP_REGIONS["CASUALTY"](text)) == (
        start, start + len("15 civilians"))


def test_quotation_regions_pair_double_marks_before_single_ones():
    text = "“It is ‘over’,” she said, and 'they know it,' he said."
    regions = [text[a:b] for a, b in quotation_regions(text)]
    assert regions == ["It is ‘over’,", "they know it,"]


def bounds(item):
    return item[0], item[1], item[2]


def test_outermost_keeps_the_first_longest_of_each_type():
    items = [("A", 0, 5), ("A", 0, 9), ("A", 7, 12), ("A", 12, 14), ("B", 1, 3)]
    dropped = []
    kept = resolve_overlaps(items, OUTERMOST, bounds, on_drop=lambda d, k: dropped.append((d, k)))
    assert kept == [("A", 0, 9), ("A", 12, 14), ("B", 1, 3)]
    assert dropped == [(("A", 0, 5), ("A", 0, 9)), (("A", 7, 12), ("A", 0, 9))]


def test_likeliest_keeps_the_higher_score_and_the_shorter_on_a_tie():
    items = [("A", 0, 9, 0.4), ("A", 5, 12, 0.9), ("A", 20, 22, 0.1), ("B", 0, 30, 0.2)]
    kept = resolve_overlaps(items, LIKELIEST, bounds, score=lambda item: item[3])
    assert kept == [("A", 5, 12, 0.9), ("A", 20, 22, 0.1), ("B", 0, 30, 0.2)]
    tie = [("A", 0, 9, 0.4), ("A", 0, 5, 0.4)]
    assert resolve_overlaps(tie, LIKELIEST, bounds, score=lambda item: item[3]) == [tie[1]]


def test_refuse_raises_with_both_items():
    with pytest.raises(OverlapError) as info:
        resolve_overlaps([("A", 4, 8), ("A", 0, 5), ("B", 0, 9)], REFUSE, bounds)
    assert (info.value.earlier, info.value.later) == (("A", 0, 5), ("A", 4, 8))
    touching = [("A", 0, 4), ("A", 4, 8)]
    assert resolve_overlaps(touching, REFUSE, bounds) == touching


def test_unknown_mode_and_missing_score_are_errors():
    with pytest.raises(ValueError, match="unknown overlap mode 'widest'"):
        resolve_overlaps([], "widest", bounds)
    with pytest.raises(ValueError, match="needs a score"):
        resolve_overlaps([], LIKELIEST, bounds)


@pytest.mark.parametrize(
    ("text", "span", "widened"),
    [
        ("at the Tanak oilfield east", "Tanak oil", "Tanak oilfield"),
        ("said Tsvangirai today", "Tsvang", "Tsvangirai"),
        ("said Tsvangirai today", "angirai", "Tsvangirai"),
        ("Russia's army", "Russia", "Russia"),  # a word edge already: the 's is no letter
        ("U.S. forces", "U", "U"),  # a full stop ends the word
    ],
)
def test_names_cut_inside_a_word_are_widened_to_the_word(text, span, widened):
    assert widened_span(text, span, "LOCATION") == widened


def widened_span(text: str, span: str, label: str) -> str:
    start = text.index(span)
    found = trim_span(text, start, start + len(span), label)
    assert found is not None
    return text[found[0] : found[1]]


def test_quotes_are_not_widened_to_words():
    text = "He said 'abcdef' then"
    start = text.index("abc")
    assert trim_span(text, start, start + len("abc"), "QUOTE") == (start, start + 3)


@pytest.mark.parametrize(
    ("text", "span", "widened"),
    [
        ("The 23-year-old was not wearing a helmet", "23-year-", "23-year-old"),
        ("More than 41,000 patients were admitted", "More than 41,", "More than 41,000"),
        ("the strike that killed Qasem Soleimani at", "Qasem Soleiman", "Qasem Soleimani"),
        ("a 9-year-old boy", "year-old boy", "9-year-old boy"),
        ("killing 12 people, police said", "12 people", "12 people"),  # a comma before a space
    ],
)
def test_casualties_cut_inside_a_joined_word_are_widened_to_it(text, span, widened):
    assert widened_span(text, span, "CASUALTY") == widened


def test_names_are_not_widened_across_a_hyphen():
    text = "ISIL-held Mosul"
    assert trim_span(text, 0, len("ISIL"), "ACTOR") == (0, 4)
