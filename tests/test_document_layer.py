"""The document layer (`newsie.document`): casualty events and totals, actor clusters, speakers
across the article; and the document-level scores (`newsie.evaluation.document`)."""

from __future__ import annotations

import pytest
from conftest import make_document
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.data import PRONOUN, Document, Relation
from newsie.document import (
    actor_clusters,
    add_document_level,
    casualty_events,
    doc_counts,
    mention_sums,
)
from newsie.document.actors import _is_initials, _key, names_match
from newsie.evaluation import evaluate


def killed(n: int, cid: str, words: str) -> str:
    return f"[{words}]{{{cid}:CASUALTY count={n} qualifier=exact status=killed}}"


def injured(n: int, cid: str, words: str) -> str:
    return f"[{words}]{{{cid}:CASUALTY count={n} qualifier=exact status=injured}}"


def event_texts(doc: Document) -> list[list[str]]:
    return [[m.text for m in event.mentions] for event in casualty_events(doc)]


# --- casualty events -----------------------------------------------------------------------------

def test_a_subset_joins_its_event_and_is_not_added_twice():
    doc = make_document(
        f"Air raids on [Al-Safira]{{l1:LOCATION}} killed {killed(15, 'c1', '15 civilians')}, "
        f"{killed(8, 'c2', 'eight of them children')}.", ["PLACE c1 l1"])
    [event] = casualty_events(doc)
    assert [m.text for m in event.mentions] == ["15 civilians", "eight of them children"]
    assert (event.killed, event.injured, event.place.text) == (15, 0, "Al-Safira")
    assert doc_counts([event]) == {"killed": 15, "injured": 0}
    assert mention_sums(doc) == {"killed": 23, "injured": 0}  # what summing mentions says


def test_a_repeated_count_is_one_event_and_different_statuses_are_two():
    doc = make_document(
        f"A gunman killed {killed(6, 'c1', 'six people')} and wounded "
        f"{injured(6, 'c2', 'six others')}. Police named {killed(6, 'c3', 'the six victims')} "
        "on Tuesday.", [])
    assert event_texts(doc) == [["six people", "the six victims"], ["six others"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 6, "injured": 6}


def test_partitives_of_the_injured_join_the_injured_event_however_far_back():
    doc = make_document(
        f"The blast killed {killed(11, 'c1', '11 workers')} and injured "
        f"{injured(34, 'c2', '34 others')}. " + "The plant had passed inspections. " * 12
        + f"{injured(6, 'c3', 'Six of the injured')} were in critical condition.", [])
    assert event_texts(doc) == [["11 workers"], ["34 others", "Six of the injured"]]


@pytest.mark.parametrize("sentence", [
    "The war has claimed {} since 2011.",
    "Fighting in the region has killed {}.",
    "Security forces have killed {} across the country since the coup.",
])
def test_a_background_toll_belongs_to_no_event(sentence):
    toll = killed(45000, "c2", "over 45,000 lives")
    doc = make_document(f"Shelling killed {killed(3, 'c1', 'three rebel fighters')}. "
                        + sentence.format(toll), [])
    assert event_texts(doc) == [["three rebel fighters"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 3, "injured": 0}


def test_a_period_toll_is_the_story_alone_and_background_beside_another_toll():
    alone = make_document(f"Dengue has killed {killed(94, 'c1', '94 people')} this year.", [])
    assert doc_counts(casualty_events(alone)) == {"killed": 94, "injured": 0}
    beside = make_document(
        f"Gunmen killed {killed(2, 'c1', 'two teenagers')} on Friday. Police say "
        f"{killed(127, 'c2', '127 people')} were killed in the city this year.", [])
    assert doc_counts(casualty_events(beside)) == {"killed": 2, "injured": 0}


def test_no_casualties_give_zero_totals_not_none():
    doc = make_document("[Talks]{a1:ACTOR} resumed.", [])
    assert add_document_level(doc).doc_counts == {"killed": 0, "injured": 0}
    assert doc.to_dict()["doc_counts"] == {"killed": 0, "injured": 0}


def test_a_null_count_adds_nothing():
    doc = make_document("Raids killed [dozens of people]{c1:CASUALTY qualifier=approximately "
                        "status=killed}.", [])
    assert doc_counts(casualty_events(doc)) == {"killed": 0, "injured": 0}


# --- actor clusters ------------------------------------------------------------------------------

@pytest.mark.parametrize("short, full, same", [
    ("Brahimi", "Lakhdar Brahimi", True),
    ("al-Khatib", "Ahmed Moaz al-Khatib", True),
    ("Herrera", "Lucía Herrera Campos", True),
    ("SOHR", "Syrian Observatory for Human Rights", True),
    ("Syrian Observatory", "Syrian Observatory for Human Rights", True),
    ("Russia's", "Russia", True),
    ("Lavrov", "Lakhdar Brahimi", False),
    ("UN", "Syrian Observatory for Human Rights", False),
])
def test_named_mentions_match_by_string_rules(short, full, same):
    assert names_match(short, full) is same and names_match(full, short) is same


_NAME = st.lists(st.sampled_from(
    ["Brahimi", "Lakhdar", "al-Khatib", "Herrera", "Campos", "Syrian", "Observatory", "for",
     "Human", "Rights", "SOHR", "UN", "United", "Nations", "the", "'s", "Russia's", "of", "EU"]),
    min_size=1, max_size=5).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_NAME, _NAME)
def test_names_match_only_names_sharing_a_word_or_initials(a, b):
    # actor clustering tries only the clusters that share a word or hold initials
    if names_match(a, b):
        assert set(_key(a)) & set(_key(b)) or _is_initials(a) or _is_initials(b)


def test_clusters_hold_named_nominal_and_pronoun_mentions_with_the_longest_name():
    doc = make_document(
        "[Lakhdar Brahimi]{a1:ACTOR} met [Sergei Lavrov]{a2:ACTOR}. [Brahimi]{a3:ACTOR} said "
        "talks would go on. Later [the envoy]{a4:ACTOR} left, and he said nothing. "
        "[Rebels]{a5:ACTOR} fired. [rebels]{a6:ACTOR} retreated.", [])
    clusters = {c.name: [(m.label, m.text) for m in c.mentions] for c in actor_clusters(doc)}
    assert clusters["Lakhdar Brahimi"][:2] == [("ACTOR", "Lakhdar Brahimi"), ("ACTOR", "Brahimi")]
    assert clusters["Sergei Lavrov"] == [("ACTOR", "Sergei Lavrov"), ("ACTOR", "the envoy"),
                                        (PRONOUN, "he")]  # the closest earlier person
    assert clusters["Rebels"] == [("ACTOR", "Rebels"), ("ACTOR", "rebels")]
    assert sum(len(c.actor_mentions()) for c in actor_clusters(doc)) == 6  # each ACTOR once


# --- speakers ------------------------------------------------------------------------------------

def speakers(doc: Document) -> dict[str, str]:
    add_document_level(doc)
    return {r.head.text: r.tail.text for r in doc.relations if r.label == "SPEAKER"}


def test_a_pronoun_speaker_resolves_to_its_clusters_closest_earlier_mention():
    far = " The talks went on for hours." * 20  # far beyond one encoder window
    doc = make_document(
        f"[Ahmed Moaz al-Khatib]{{a1:ACTOR}} arrived in [Cairo]{{l1:LOCATION}}.{far} "
        '"[We will not go to Moscow,]{q1:QUOTE}" he said.', [])
    assert speakers(doc) == {"We will not go to Moscow,": "Ahmed Moaz al-Khatib"}


def test_attributions_after_before_and_carried_to_the_next_paragraph():
    doc = make_document(
        '"[They came with two car bombs,]{q1:QUOTE}" said regional commander '
        "[Abdirahman Warsame]{a1:ACTOR}.\n\n[The ministry]{a2:ACTOR} said: "
        '"[The base held.]{q2:QUOTE}"\n\n"[We need help.]{q3:QUOTE}"', [])
    assert speakers(doc) == {"They came with two car bombs,": "Abdirahman Warsame",
                             "The base held.": "The ministry", "We need help.": "The ministry"}


def test_a_quote_that_runs_on_takes_the_speaker_of_its_last_paragraph():
    doc = make_document(
        '[Herrera]{a1:ACTOR} walked on.\n\n"[The answer is simple.]{q1:QUOTE}\n\n'
        '"[If I stop, nobody looks for him,]{q2:QUOTE}" [Mothers United]{a2:ACTOR} said.', [])
    assert speakers(doc)["The answer is simple."] == "Mothers United"


def test_the_models_speaker_is_kept_and_a_sentence_after_a_full_stop_is_not_an_attribution():
    doc = make_document(
        '[Ana Ruiz]{a1:ACTOR} spoke first. "[It was a betrayal.]{q1:QUOTE}" '
        "[Luis Vega]{a2:ACTOR} said he would appeal.", [])
    doc.relations.append(Relation("SPEAKER", doc.spans_of("QUOTE")[0], doc.spans[0]))
    assert speakers(doc) == {"It was a betrayal.": "Ana Ruiz"}
    alone = make_document(
        '[Ana Ruiz]{a1:ACTOR} left. "[It was a betrayal.]{q1:QUOTE}" [Luis Vega]{a2:ACTOR} '
        "said he would appeal.", [])
    assert speakers(alone) == {}


def test_a_speaker_named_right_after_the_quote_outranks_the_models_other_actor():
    doc = make_document(
        '[Shamkhi Faraj]{a1:ACTOR} was hopeful. "[It is chaotic,]{q1:QUOTE}" said '
        "[Man Financial]{a2:ACTOR} analyst [Edward Meir]{a3:ACTOR}.", [])
    doc.relations.append(Relation("SPEAKER", doc.spans_of("QUOTE")[0], doc.spans[0]))
    assert speakers(doc) == {"It is chaotic,": "Edward Meir"}  # the last of the role chain
    assert [r.score for r in doc.relations] == [None]  # the model did not score that speaker


def with_model_speaker(markup: str) -> Document:
    """A document whose one QUOTE the model gave to its first span (scored 0.9)."""
    doc = make_document(markup, [])
    doc.relations.append(Relation("SPEAKER", doc.spans_of("QUOTE")[0], doc.spans[0], 0.9))
    return doc


def test_a_pronoun_after_the_quote_outranks_a_model_choice_named_before_its_antecedent():
    doc = with_model_speaker(
        '[Ana Ruiz]{a1:ACTOR} met [Luis Vega]{a2:ACTOR}. "[It was a betrayal,]{q1:QUOTE}" he '
        "said.")
    assert speakers(doc) == {"It was a betrayal,": "Luis Vega"}


def test_a_subject_named_before_the_quote_in_its_sentence_outranks_another_sentences_actor():
    doc = with_model_speaker(
        "The remarks echoed [Nouri al-Maliki]{a1:ACTOR}. One resident, [Hussein Ali]{a2:ACTOR}, "
        'said that the incident "[shows their arrogance.]{q1:QUOTE}"')
    assert speakers(doc) == {"shows their arrogance.": "Hussein Ali"}
    # a pronoun subject's antecedent is a guess: the model's choice stays
    pronoun = with_model_speaker(
        "[Ana Ruiz]{a1:ACTOR} met [Luis Vega]{a2:ACTOR} at noon. Later he said that the deal "
        '"[was a betrayal.]{q1:QUOTE}"')
    assert speakers(pronoun) == {"was a betrayal.": "Ana Ruiz"}
    # and so does the model's actor inside the quote's sentence
    same = with_model_speaker(
        '[Ana Ruiz]{a1:ACTOR} said, after [Luis Vega]{a2:ACTOR} said it was over, '
        '"[We go on.]{q1:QUOTE}"')
    assert speakers(same) == {"We go on.": "Ana Ruiz"}


def test_a_pronoun_resolves_to_no_mention_inside_a_quotation():
    doc = with_model_speaker(
        '[Ana Ruiz]{a1:ACTOR} spoke first. "[Yes, [Luis Vega]{a2:ACTOR} lied to us,]{q1:QUOTE}" '
        "she said.")
    assert speakers(doc) == {"Yes, Luis Vega lied to us,": "Ana Ruiz"}


# --- document-level scores -----------------------------------------------------------------------

def v2_gold(doc: Document) -> Document:
    """`doc` as a v2 gold document: its own events, totals and clusters."""
    return Document.from_dict(add_document_level(Document.from_dict(doc.to_dict())).to_dict())


def test_doc_counts_are_scored_exactly_and_by_absolute_error():
    gold = v2_gold(make_document(
        f"Raids killed {killed(15, 'c1', '15 civilians')}, {killed(8, 'c2', 'eight of them')}.",
        []))
    right = Document.from_dict(gold.to_dict())
    naive = Document.from_dict({k: v for k, v in gold.to_dict().items()
                                if k not in ("doc_counts", "casualty_events", "actors")})
    scores = evaluate([gold, gold], [right, naive]).document
    assert (scores.counts["killed"].correct, scores.counts["killed"].total) == (1, 2)
    assert scores.counts["both"].correct == 1 and scores.counts["injured"].correct == 2
    assert scores.mean_absolute_error("killed") == pytest.approx(8 / 2)  # naive: 23, not 15


def test_a_speaker_in_the_gold_speakers_cluster_is_right_and_clusters_get_bcubed():
    text = ('[Lakhdar Brahimi]{a1:ACTOR} arrived. [Brahimi]{a2:ACTOR} met [Lavrov]{a3:ACTOR}. '
            '"[No deal,]{q1:QUOTE}" he said.')
    gold = v2_gold(make_document(text, ["SPEAKER q1 a2"]))
    other_mention = Document.from_dict(gold.to_dict())
    quote, lakhdar_brahimi = other_mention.spans_of("QUOTE")[0], other_mention.spans[0]
    other_mention.relations = [Relation("SPEAKER", quote, lakhdar_brahimi)]
    wrong = make_document(text, ["SPEAKER q1 a3"])
    scores = evaluate([gold, gold], [other_mention, wrong]).document
    assert (scores.speaker.tp, scores.speaker.fp, scores.speaker.fn) == (1, 1, 1)
    precision, recall, _ = scores.bcubed()
    assert precision == 1.0 and recall < 1.0  # `wrong` has no clusters: all singletons


def test_a_named_single_victim_after_a_group_is_one_of_the_group():
    doc = make_document(
        f"{killed(3, 'c1', 'Three men')} were shot dead. Police named them as "
        f"{killed(1, 'c2', 'Kemar Lewis')} and {killed(1, 'c3', 'Delroy Whyte')}. Separately, "
        f"{killed(1, 'c4', 'a man')} drowned.", [])
    assert event_texts(doc) == [["Three men", "Kemar Lewis", "Delroy Whyte"], ["a man"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 4, "injured": 0}


def test_those_of_an_injured_group_who_died_stay_in_its_event():
    doc = make_document(
        f"{injured(2, 'c1', 'Two teenagers')} were stabbed on Soho Road. "
        f"{killed(1, 'c2', 'One of the boys')} died at the scene.", [])
    assert event_texts(doc) == [["Two teenagers", "One of the boys"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 1, "injured": 1}


def test_a_partitive_of_the_deaths_joins_the_larger_toll():
    doc = make_document(
        f"Troops killed {killed(50, 'c1', 'at least 50 civilians')} last week. The commission "
        f"confirmed {killed(45, 'c2', 'at least 45 of the deaths')}.", [])
    assert doc_counts(casualty_events(doc)) == {"killed": 50, "injured": 0}


def test_a_subset_named_after_a_period_toll_keeps_that_toll_the_story():
    doc = make_document(
        f"Lassa fever has killed {killed(142, 'c1', '142 people')} across Nigeria this year. "
        f"{killed(4, 'c2', 'Four health workers')} are among the dead.", [])
    assert event_texts(doc) == [["142 people", "Four health workers"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 142, "injured": 0}


def test_a_large_toll_of_last_year_is_background():
    doc = make_document(
        f"Gang violence killed {killed(1100, 'c1', 'more than 1,100 people')} last year, the "
        "minister said.", [])
    assert doc_counts(casualty_events(doc)) == {"killed": 0, "injured": 0}


def test_a_toll_in_one_place_alone_is_part_of_the_wider_toll():
    doc = make_document(
        f"The storm killed {killed(37, 'c1', 'at least 37 people')} in central Vietnam. In Quang "
        f"Ngai province alone, {killed(21, 'c2', '21 people')} died.", [])
    assert event_texts(doc) == [["at least 37 people", "21 people"]]


def test_coordinated_groups_are_different_people_and_share_a_subset_lead():
    doc = make_document(
        f"The bomb killed {killed(2, 'c1', 'two soldiers')} and {killed(2, 'c2', 'two civilians')}"
        f" and injured {injured(11, 'c3', '11 people')}.", [])
    assert doc_counts(casualty_events(doc)) == {"killed": 4, "injured": 11}
    subsets = make_document(
        f"They named {killed(14, 'c1', '14 farmers')}, among them "
        f"{killed(5, 'c2', 'five women')} and {killed(3, 'c3', 'three children')}.", [])
    assert event_texts(subsets) == [["14 farmers", "five women", "three children"]]


def test_of_the_dead_draws_from_the_killed_not_the_injured():
    doc = make_document(
        f"Police shot dead {killed(3, 'c1', 'three people')} and wounded "
        f"{injured(27, 'c2', '27 others')}. {killed(2, 'c3', 'Two of the dead')} were shot in "
        f"Kisumu. {injured(3, 'c4', 'Three of the 27 injured')} are in intensive care.", [])
    assert event_texts(doc) == [["three people", "Two of the dead"],
                                ["27 others", "Three of the 27 injured"]]
    assert doc_counts(casualty_events(doc)) == {"killed": 3, "injured": 27}


def test_a_breakdown_in_apposition_is_the_group_itself():
    doc = make_document(
        f"{injured(4, 'c1', 'Four staff members')}, {injured(3, 'c2', 'three nurses')} and "
        f"{injured(1, 'c3', 'a security guard')}, were injured. Police named "
        f"{killed(2, 'c4', 'the two men')}, {killed(1, 'c5', 'a taxi rider')} and "
        f"{killed(1, 'c6', 'a student')}.", [])
    assert event_texts(doc) == [["Four staff members", "three nurses", "a security guard"],
                                ["the two men", "a taxi rider", "a student"]]


@pytest.mark.parametrize("text, totals", [
    pytest.param(
        f"At least {killed(19, 'c1', '19 people')} were killed, "
        f"{killed(13, 'c2', '13 of them children')}, and {injured(30, 'c3', 'more than 30')} "
        "wounded.",
        {"killed": 19, "injured": 30}, id="conjunct of another status"),
    pytest.param(
        f"She comes for her son, {killed(1, 'c1', 'Hassan')}, one of "
        f"{killed(9, 'c2', 'nine traders')} shot dead by soldiers.",
        {"killed": 9, "injured": 0}, id="one of nine traders"),
    pytest.param(
        f"The bomb killed {killed(8, 'c1', 'eight people')} and wounded "
        f"{injured(20, 'c2', 'more than 20')}. {killed(3, 'c3', 'Three children')} were among the "
        f"eight dead and {injured(5, 'c4', 'five')} among the wounded. "
        f"{injured(4, 'c5', 'Four of them')} went home. {injured(3, 'c6', 'The remaining three')} "
        "stayed in hospital.",
        {"killed": 8, "injured": 20}, id="among the eight dead, the remaining"),
    pytest.param(
        f"Monsoon floods have killed {killed(52, 'c1', '52 people')} in Sindh since the start of "
        f"the month, officials said. In Balochistan, {killed(8, 'c2', 'eight people')} died when a "
        "van was swept away.",
        {"killed": 60, "injured": 0}, id="period toll in the lede"),
    pytest.param(
        f"Raids killed {killed(9, 'c1', 'nine people')}, among them {killed(1, 'c2', 'a man')}, "
        f"{killed(4, 'c3', 'four of his sons')}, and {killed(2, 'c4', 'two farm workers')}. "
        f"Gunmen later shot dead {killed(1, 'c5', 'an official')} and "
        f"{killed(1, 'c6', 'his brother')}.",
        {"killed": 11, "injured": 0}, id="lists"),
    pytest.param(
        f"{killed(3, 'c1', 'Three members of the family')} died. {killed(1, 'c2', 'Priya')}, "
        f"34, and {killed(1, 'c3', 'her son Arjun')}, {killed(9, 'c4', 'nine')}, were named. "
        f"Last month {killed(2, 'c5', 'two pupils')}, both {killed(19, 'c6', '19')}, were shot.",
        {"killed": 5, "injured": 0}, id="ages between commas"),
    pytest.param(
        f"{killed(7, 'c1', 'Seven people')} died when a restored World War II plane came down "
        "at an air show.",
        {"killed": 7, "injured": 0}, id="World War II plane"),
    pytest.param(
        f"Dengue has killed {killed(214, 'c1', '214 people')} in Bangladesh so far this year. "
        "Hospitals ran short of beds. "
        f"{injured(41000, 'c2', 'More than 41,000 patients')} have been admitted since January.",
        {"killed": 214, "injured": 0}, id="later period toll"),
    pytest.param(
        f"Flu killed {killed(19, 'c1', '19 people')} this month. "
        f"{killed(11, 'c2', 'Eleven of the dead')} were over 80, and {killed(7, 'c3', 'seven')} "
        "lived in care homes.",
        {"killed": 19, "injured": 0}, id="a clause coordinated with a subset"),
    pytest.param(
        f"{killed(2, 'c1', 'Two people')} died in the pile-up. The coroner identified the dead as "
        f"{killed(1, 'c2', 'a 61-year-old driver')} from Ohio and {killed(1, 'c3', 'a woman')} "
        "from Laramie.",
        {"killed": 2, "injured": 0}, id="identified the dead as"),
    pytest.param(
        f"{killed(1, 'c1', 'A motorcyclist')} was killed. Police said "
        f"{injured(1, 'c2', 'the passenger')}, {injured(1, 'c3', 'a woman of 45')}, was flown to "
        "hospital.",
        {"killed": 1, "injured": 1}, id="a single victim in apposition"),
    pytest.param(
        f"The hospital received {injured(23, 'c1', '23 wounded')}. {killed(2, 'c2', 'Two')} died "
        "before noon.",
        {"killed": 2, "injured": 21}, id="some of the wounded died"),
    pytest.param(
        f"Police said {injured(2, 'c1', 'two officers')} were shot. "
        f"{killed(1, 'c2', 'Sergeant Toro')}, 34, later died in hospital.",
        {"killed": 1, "injured": 1}, id="one of the wounded died later"),
    pytest.param(
        f"Police said {injured(2, 'c1', 'two officers')} were shot. "
        f"{killed(2, 'c2', 'Two people')} died in a separate crash.",
        {"killed": 2, "injured": 2}, id="a new group that died is no one of the wounded"),
    pytest.param(
        f"{killed(9, 'c1', 'Nine people')} were killed in clashes. The ministry said "
        f"{killed(6, 'c2', 'six people')} died in Dakar and {killed(3, 'c3', 'three others')} in "
        "Ziguinchor.",
        {"killed": 9, "injured": 0}, id="a breakdown that adds up"),
    pytest.param(
        f"The ministry said {killed(6, 'c1', 'six people')} died in Dakar and "
        f"{killed(3, 'c2', 'three others')} in Ziguinchor.",
        {"killed": 9, "injured": 0}, id="parts with nothing to add up to"),
    pytest.param(
        f"2011 Syrian uprising: {killed(13, 'c1', 'Thirteen people')} are killed in Hama.",
        {"killed": 13, "injured": 0}, id="a summary's topic label is no background cue"),
])
def test_totals_of_subsets_lists_and_aggregates(text, totals):
    assert doc_counts(casualty_events(make_document(text, []))) == totals


def test_a_sentence_that_only_names_the_speaker_attributes_the_quote_before_it():
    doc = make_document(
        '[Ana Ruiz]{a1:ACTOR} left. "[It was a betrayal.]{q1:QUOTE}" [Luis Vega]{a2:ACTOR} said.',
        [])
    assert speakers(doc) == {"It was a betrayal.": "Luis Vega"}
    source = make_document(
        '[Ana Ruiz]{a1:ACTOR} left. "[It was a betrayal.]{q1:QUOTE}" [Reuters]{a2:ACTOR} '
        "reported.", [])
    assert speakers(source) == {}  # a news source, not the speaker


def test_an_apposition_left_open_by_a_missing_comma_keeps_its_subject_the_speaker():
    doc = make_document(
        "[Howard Berman]{a1:ACTOR}, the chairperson for the [Committee on Foreign Affairs]"
        '{a2:ACTOR} said the details were "[disturbing]{q1:QUOTE}".', [])
    assert speakers(doc) == {"disturbing": "Howard Berman"}
