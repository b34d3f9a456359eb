"""CASUALTY attributes: counts and qualifiers from count phrases, status from nearby words."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.schema import CASUALTY_QUALIFIERS, CASUALTY_STATUSES
from newsie.text import sentences
from newsie.text.casualty import (
    _CASE_FOLDED,
    CASUALTY_HEADS,
    CASUALTY_PHRASE,
    COUNT_PATTERN,
    MULTIPLIERS,
    NUMBER_WORDS,
    PHRASE_BODY,
    QUALIFIER_PHRASES,
    SCALES,
    STATUS_PATTERNS,
    VAGUE_QUANTITIES,
    casualty_attributes,
    nearest_cue,
    parse_count,
    parse_status,
    sentence_window,
)


@pytest.mark.parametrize("phrase, expected", [
    # digits and separators
    ("15 civilians", (15, "exact")),
    ("45,000 lives", (45000, "exact")),
    ("1 200 people", (1200, "exact")),
    ("1\u00a0200 people", (1200, "exact")),
    ("12.000 people", (12000, "exact")),
    ("1.200.000 people", (1200000, "exact")),
    # number words
    ("eight of them children", (8, "exact")),
    ("Seventeen people", (17, "exact")),
    ("twenty one soldiers", (21, "exact")),
    ("forty-five protesters", (45, "exact")),
    ("two hundred and forty-five people", (245, "exact")),
    ("one hundred and fifty", (150, "exact")),
    ("three thousand", (3000, "exact")),
    ("three thousand two hundred", (3200, "exact")),
    ("a hundred people", (100, "exact")),
    ("both people inside", (2, "exact")),
    # decimals with a scale
    ("1.2 million", (1200000, "exact")),
    ("1.200 million", (1200000, "exact")),
    ("1,5 million", (1500000, "exact")),
    ("2.5 thousand refugees", (2500, "exact")),
    ("45k", (45000, "exact")),
    ("1.5 people", (None, "approximately")),
    # round figures
    ("a dozen people", (12, "approximately")),
    ("two dozen", (24, "approximately")),
    ("half a dozen", (6, "approximately")),
    ("a couple of tourists", (2, "approximately")),
    ("more than a dozen", (12, "at_least")),
    # ranges
    ("10 to 15 people", (10, "at_least")),
    ("10-15", (10, "at_least")),
    ("10 – 15", (10, "at_least")),
    ("between 10 and 15", (10, "at_least")),
    ("between ten and fifteen people", (10, "at_least")),
    ("10 or 12 people", (10, "at_least")),
    ("about 10-15", (10, "approximately")),
    ("up to 10-15", (15, "at_most")),
    # qualifiers
    ("at least 12 people", (12, "at_least")),
    ("more than 20", (20, "at_least")),
    ("over 45,000 lives", (45000, "at_least")),
    ("upwards of 300", (300, "at_least")),
    ("no fewer than 30", (30, "at_least")),
    ("up to 10 people", (10, "at_most")),
    ("fewer than five", (5, "at_most")),
    ("less than 100", (100, "at_most")),
    ("at most 3", (3, "at_most")),
    ("no more than 4", (4, "at_most")),
    ("about 20", (20, "approximately")),
    ("nearly 300", (300, "approximately")),
    ("almost 40", (40, "approximately")),
    ("some 200 people", (200, "approximately")),
    ("around 50", (50, "approximately")),
    ("roughly 60", (60, "approximately")),
    ("an estimated 5,000", (5000, "approximately")),
    ("approximately 7", (7, "approximately")),
    ("At  least\n12 people", (12, "at_least")),
    # vague quantities
    ("dozens of protesters", (None, "approximately")),
    ("scores of people", (None, "approximately")),
    ("hundreds", (None, "approximately")),
    ("tens of thousands of people", (None, "approximately")),
    ("several hundred people", (None, "approximately")),
    ("many civilians", (None, "approximately")),
    ("at least dozens", (None, "at_least")),
    # one person
    ("a man", (1, "exact")),
    ("one woman", (1, "exact")),
    ("a child", (1, "exact")),
    ("a 45-year-old man", (1, "exact")),
    ("two 10-year-old boys", (2, "exact")),
    ("the 23-year-old", (1, "exact")),  # an age that ends the phrase is its noun
    ("The 23-year-old,", (1, "exact")),
    ("two 23-year-old", (2, "exact")),
    ("the British soldier", (1, "exact")),
    ("his wife", (1, "exact")),
    ("another", (1, "exact")),
    ("The inventor of the steering lock", (1, "exact")),
    ("Daniel Lazcano", (1, "exact")),
    ("Abu Bakr al-Baghdadi", (1, "exact")),
    ("Kail Miramontes", (1, "exact")),  # a surname may end in s
    # no count: plurals, groups, and names that may be plural
    ("the victims", (None, "approximately")),
    ("The others", (None, "approximately")),
    ("the crew", (None, "approximately")),
    ("the dead", (None, "approximately")),
    ("Palestinians", (None, "approximately")),
    ("The Victims", (None, "approximately")),
    ("everyone on board", (None, "approximately")),
    ("the", (None, "approximately")),
    ("", (None, "approximately")),
    ("12th", (None, "approximately")),
])
def test_parse_count(phrase, expected):
    assert parse_count(phrase) == expected


def test_parse_count_rejects_non_strings():
    with pytest.raises(TypeError, match="got int"):
        parse_count(12)


def test_count_pattern_finds_a_count_inside_a_sentence():
    match = re.search(COUNT_PATTERN, "Shelling killed AT LEAST 12 people.", re.IGNORECASE)
    assert match is not None
    assert (match["qualifier"], match["number"]) == ("AT LEAST", "12")


def _attributes(marked: str) -> dict:
    """casualty_attributes for the span written [like this] in a sentence."""
    start = marked.index("[")
    end = marked.index("]") - 1
    return casualty_attributes(marked.replace("[", "").replace("]", ""), start, end)


@pytest.mark.parametrize("marked, status", [
    ("Air raids killed [15 civilians] on Monday.", "killed"),
    ("Air raids killed 15 civilians and wounded [20 others].", "injured"),
    ("[Three soldiers] were hurt in the blast.", "injured"),
    ("Two people died and [three others] were injured.", "injured"),
    ("The attack killed at least nine people, [two of them civilians], and wounded 27.", "killed"),
    ("The war has claimed [over 45,000 lives].", "killed"),
    ("The bodies of [six soldiers] were found.", "killed"),
    ("[Four people] drowned when the boat capsized.", "killed"),
    ("[More than 60 people] were taken to hospital.", "injured"),
    ("The ministry counted [12 people] on the bus.", "unknown"),
    # the status of another sentence does not leak in
    ("Three people were killed. [Two children] were found later.", "unknown"),
    ("Mr. Smith said [four people] were wounded.", "injured"),
    # people whose own predicate says they came out alive, unless it names an injury
    ("At least 17 people died and [35] were rescued, officials said.", "unknown"),
    ("Three people died, and [around twenty people] were rescued by firefighters.", "unknown"),
    ("Two people died and [35] were rescued with injuries.", "injured"),
    ("[Two people] died and 35 were rescued.", "killed"),
    ("[No-one] was injured.", "unknown"),
    # a negated casualty predicate says no one was hurt; "not seriously" still says hurt
    ("The rider died. [The van's driver] was not hurt.", "unknown"),
    ("Two people died. [The bus driver] wasn't injured.", "unknown"),
    ("[The bus driver] was not seriously injured.", "injured"),
    # wounds named by where they are, treatment, burial
    ("[A customer] who tried to stop him was shot in the leg.", "injured"),
    ("[One guard] was hit in the thigh.", "injured"),
    ("[Two more] lost legs in the blast.", "injured"),
    ("Hospitals reported treating [47 people] for breathing problems.", "injured"),
    ("[The lorry driver] was in hospital under police guard.", "injured"),
    ("[The woman] broke her wrist in the fall.", "injured"),
    ("[The passenger] was flown to hospital in Swansea.", "injured"),
    ("The priest buried [18 parishioners] in one week.", "killed"),
    ("[Thirty people] are missing and presumed dead.", "killed"),
])
def test_status_comes_from_the_cue_that_describes_the_span(marked, status):
    assert _attributes(marked)["status"] == status


def test_casualty_attributes_returns_all_three():
    assert _attributes("Shelling killed [at least 12 people] in Homs.") == {
        "count": 12, "qualifier": "at_least", "status": "killed"}


@pytest.mark.parametrize("start, end", [(5, 5), (-1, 3), (0, 99)])
def test_casualty_attributes_rejects_bad_offsets(start, end):
    with pytest.raises(ValueError, match=f"span {start}:{end}"):
        casualty_attributes("twelve people died", start, end)


def test_casualty_attributes_rejects_non_string_text():
    with pytest.raises(TypeError, match="got bytes"):
        casualty_attributes(b"12 people died", 0, 2)


def test_parse_status_without_a_position_takes_the_first_cue():
    assert parse_status("killed and wounded") == "killed"
    assert parse_status("nothing happened") == "unknown"


def test_parse_status_prefers_the_closest_cue():
    context = "killed 15 people and wounded 20"
    start = context.index("20")
    assert parse_status(context, start, start + 2) == "injured"
    assert parse_status(context, 7, 16) == "killed"


def test_nearest_cue_prefers_the_longer_cue_it_contains():
    patterns = {**STATUS_PATTERNS,
                "excluded": re.compile(r"\bsaved\s+the\s+lives\b", re.IGNORECASE)}
    context = "Doctors saved the lives of 12 people."
    start = context.index("12")
    cue = nearest_cue(context, start, start + 9, patterns)
    assert cue.label == "excluded"
    assert not cue.across_clause


def test_nearest_cue_prefers_a_cue_in_the_spans_own_clause():
    context = "Five died and three others were hurt."
    start = context.index("three")
    cue = nearest_cue(context, start, start + 12, STATUS_PATTERNS)
    assert (cue.label, context[cue.start:cue.end]) == ("injured", "hurt")
    killed_only = {"killed": STATUS_PATTERNS["killed"]}
    assert nearest_cue(context, start, start + 12, killed_only).across_clause


def test_sentence_window_cuts_at_sentence_breaks_but_not_abbreviations():
    text = "It rained. Gen. Smith said U.S. troops killed 12 people. Then it stopped."
    start = text.index("12")
    lo, hi = sentence_window(text, start, start + 9)
    assert text[lo:hi] == "Gen. Smith said U.S. troops killed 12 people."
    lo, hi = sentence_window(text, start, start + 9, max_chars=10)
    assert text[lo:hi] == "ps killed 12 people."


# sentence_window finds its breaks once per text; a search of the window alone is what it means.
_SENTENCE_TEXT = st.lists(st.sampled_from(
    ["x", "A", "1", ".", ". ", ".\n\n", "\n", "  ", '."', "” ", "“", "(", "]", "!", "?",
     "Mr.", "U.S.", "b."]), max_size=30).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_SENTENCE_TEXT, st.data())
def test_sentence_window_is_the_search_of_the_window_alone(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 4)))
    max_chars = data.draw(st.integers(0, 6) | st.just(120))
    lo, hi = max(0, start - max_chars), min(len(text), end + max_chars)
    expected = (sentences._searched_lo(text, lo, start), sentences._searched_hi(text, end, hi))
    assert sentence_window(text, start, end, max_chars) == expected


@pytest.mark.parametrize("text, start, end, max_chars", [
    ("x. \n  A b", 6, 7, 3),  # the window opens inside a break, before its line break
    ("x.\n\nA b", 4, 5, 1),  # ... between two line breaks
    ("x. \nA b", 3, 4, 2),  # the span opens inside a break
    ("A b. Cd", 0, 3, 6),  # the break after the span needs a character past the window
    ('A b." \n Cd', 0, 5, 3),  # the span ends inside a break
])
def test_sentence_window_at_the_edges_of_a_break(text, start, end, max_chars):
    lo, hi = max(0, start - max_chars), min(len(text), end + max_chars)
    expected = (sentences._searched_lo(text, lo, start), sentences._searched_hi(text, end, hi))
    assert sentence_window(text, start, end, max_chars) == expected


def test_casualty_phrase_first_word_classes_hold_every_case_insensitive_match():
    letters = re.compile("[a-z]", re.IGNORECASE)
    folded = {chr(c) for c in range(sys.maxunicode + 1)
              if not chr(c).isascii() and letters.fullmatch(chr(c))}
    assert folded <= set(_CASE_FOLDED)


# CASUALTY_PHRASE without its first-word filter: what it must match the same as.
_UNFILTERED_PHRASE = re.compile(r"(?<!\w)(?=\w)" + PHRASE_BODY, re.IGNORECASE)
_SEPARATOR = st.sampled_from([" ", "  ", "\n", ", ", "-", ""])
# Phrase-like pieces: each a start (every lexicon's words, and oddly cased ones), something in
# the middle, a head or not.
_PHRASE_PIECE = st.tuples(
    st.sampled_from([*QUALIFIER_PHRASES, *VAGUE_QUANTITIES, *NUMBER_WORDS, *MULTIPLIERS,
                     *SCALES, "between", "half", "a", "an", "12", "1,200", "3.5", "İn", "ſome",
                     "SOME", "x"]),
    _SEPARATOR,
    st.sampled_from(["", "12", "two", "hundred", "and", "of them", "U.S.", "wounded", "-"]),
    _SEPARATOR,
    st.sampled_from([*CASUALTY_HEADS[:12], "Syrians", "killed", "K", "x"]),
    _SEPARATOR,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PHRASE_PIECE, max_size=6).map("".join))
def test_casualty_phrase_first_word_filter_changes_no_match(text):
    def matches(pattern):
        return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]

    assert matches(CASUALTY_PHRASE) == matches(_UNFILTERED_PHRASE)


_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from([
        "at least", "more than", "up to", "about", "between", "and", "to", "-", "or", "a", "an",
        "half", "dozen", "dozens", "hundred", "hundreds", "thousand", "million", "billion", "one",
        "twelve", "forty-five", "0", "12", "1,200", "1.5", "12.000", "1 200", "99999999999999999",
        "45k", "m", "people", "killed", "year-old", ",", ".", " ",
    ]), max_size=12).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_parse_count_never_raises_and_stays_in_range(phrase):
    count, qualifier = parse_count(phrase)
    assert qualifier in CASUALTY_QUALIFIERS
    assert count is None or (isinstance(count, int) and count >= 0)


@settings(max_examples=150, deadline=None)
@given(_TEXT, st.data())
def test_casualty_attributes_never_raises_on_valid_offsets(text, data):
    text = text or "x"
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    attrs = casualty_attributes(text, start, end)
    assert attrs["status"] in CASUALTY_STATUSES
    assert attrs["qualifier"] in CASUALTY_QUALIFIERS


def test_an_age_after_a_single_victim_is_not_a_count():
    assert parse_count("A boy of 10") == (1, "exact")
    assert parse_count("a total of 10 people") == (10, "exact")


@pytest.mark.parametrize("sentence, span, status", [
    # the span's own predicate beats a nearer cue of the clause before
    ("At least 19 people drowned and 30 others were missing.", "30 others", "unknown"),
    ("Two officers suffered injuries and eight people were arrested.", "eight people", "unknown"),
    # a participle after the span governs what follows it
    ("The bomb killed seven officers and two passers-by and wounding a dozen others.",
     "two passers-by", "killed"),
    # "attempted murder" says no one died; a relative clause describes its noun
    ("They are charged with the attempted murder of two commuters who were wounded.",
     "two commuters", "injured"),
    ("Men accused of murdering four taxi operators appeared in court.", "four taxi operators",
     "killed"),
    ("About 30 others are being treated at the medical centre.", "About 30 others", "injured"),
    # survivors may be injured
    ("About 35 people were rescued with injuries.", "About 35 people", "injured"),
    # an apposition between the span and its own predicate
    ("The shooting left three men dead and two teenagers, aged 14 and 16, wounded.",
     "two teenagers", "injured"),
])
def test_casualty_status_reads_the_spans_own_predicate(sentence, span, status):
    start = sentence.index(span)
    assert casualty_attributes(sentence, start, start + len(span))["status"] == status
