"""Rule-based labellers: quotes and speakers, casualties and their places and perpetrators, the
rules-only extractor, and silver layers for partially annotated documents."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.data import Annotated, Document, Span
from newsie.markup import parse_markup
from newsie.rules import (
    RELATION_LINKERS,
    SPAN_FINDERS,
    RuleExtractor,
    add_silver_layers,
    find_actors,
    find_casualties,
    find_locations,
    find_quotes,
    label_casualties,
    label_quotes,
)
from newsie.schema import DEFAULT_SCHEMA


def _texts(spans: list[Span]) -> list[str]:
    return [s.text for s in spans]


def _actors(text: str, *names: str) -> list[Span]:
    """ACTOR spans for the first occurrence of each name, as a document's gold layer."""
    spans = []
    for name in names:
        start = text.index(name)
        spans.append(Span("ACTOR", start, start + len(name), name))
    return spans


def test_registries_cover_the_schema():
    assert set(SPAN_FINDERS) == set(DEFAULT_SCHEMA.span_types)
    assert set(RELATION_LINKERS) == set(DEFAULT_SCHEMA.relation_names)


# --- quotes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, quotes", [
    ('"We will not go to Lagos," Amina Bello told reporters.', ["We will not go to Lagos,"]),
    ("“We will not go,” she said.", ["We will not go,"]),
    ("'We will not stop,' said Omar Haddad.", ["We will not stop,"]),
    ("He accused them of 'interfering'.", ["interfering"]),
    ('Haddad said: "The talks failed because nobody came."', [
        "The talks failed because nobody came."]),
    # apostrophes are not quotation marks
    ("The rebels' positions were hit and Russia's envoy left, officials said.", []),
    ("In the '90s the town's market was rebuilt, he said.", []),
    # titles, nicknames and scare quotes are not speech
    ('The film "Gone With The Wind" was shown, the organisers said.', []),
    ('The so-called "peace train" left on Monday, officials said.', []),
    ('Residents dubbed the camp "home" years ago, he said.', []),
    ('The "pastil" rice packs were sent to a laboratory.', []),
    # a long quotation with no reporting verb is still speech, unless it is a whole block
    ('Rain fell. "We lost everything we had in one night and nobody came to help us." '
     "The river rose.", ["We lost everything we had in one night and nobody came to help us."]),
    ('"This paragraph is quoted as a block by the corpus, not spoken."\nNext line.', []),
    # doubled marks (CSV-escaped text) count as one
    ('Al-Zarqawi said they would hold Husaybah with an ""iron fist"".', ["iron fist"]),
    # tokenised text puts spaces around every mark
    ('Helsinki , studies " the amazing adaptations of ants " , she said .',
     ["the amazing adaptations of ants"]),
    # a short quotation that goes on from another is speech too
    ('"We will not stop," she said. "Never."', ["We will not stop,", "Never."]),
])
def test_find_quotes(text, quotes):
    found = find_quotes(text)
    assert _texts(found) == quotes
    assert all(text[s.start:s.end] == s.text for s in found)


def test_a_quotation_over_several_paragraphs_is_one_span_per_paragraph():
    text = ('Haddad spoke at length. "We buried our neighbours this morning.\n\n'
            '"Nobody has come to help us," he said.')
    assert _texts(find_quotes(text)) == [
        "We buried our neighbours this morning.", "Nobody has come to help us,"]


@pytest.mark.parametrize("text, speaker", [
    ('"We will not go to Lagos," Amina Bello told reporters.', "Amina Bello"),
    ('"We will not go to Lagos," said Amina Bello, the party leader.', "Amina Bello"),
    ('Amina Bello said: "We will not go to Lagos."', "Amina Bello"),
    ('Foreign Minister Sergei Lavrov said the talks were aimed "at ending the violence."',
     "Sergei Lavrov"),
    ('Lavrov said Brahimi would come to "end the violence at last."', "Lavrov"),
])
def test_label_quotes_finds_the_speaker_without_given_actors(text, speaker):
    [(quote, found)] = label_quotes(text)
    assert found is not None and found.text == speaker


def test_label_quotes_resolves_a_pronoun_to_the_source_not_the_nearest_name():
    text = ('Langat said security officers would be sent to Dukana. '
            '"We will not allow a battlefield here," he said.')
    actors = _actors(text, "Langat", "security officers")
    [(quote, speaker)] = label_quotes(text, actors)
    assert speaker is actors[0]


def test_label_quotes_gives_a_continuing_quotation_the_same_speaker():
    text = '"We will stay," said Amina Bello. "Nobody will move us from this village."'
    pairs = label_quotes(text)
    assert [(q.text, s.text) for q, s in pairs] == [
        ("We will stay,", "Amina Bello"), ("Nobody will move us from this village.", "Amina Bello")]


def test_label_quotes_resolves_he_to_the_subject_of_a_sentence():
    text = 'Lavrov met Brahimi in Moscow. "We are ready to talk about everything," he said.'
    [(quote, speaker)] = label_quotes(text, _actors(text, "Lavrov", "Brahimi"))
    assert (quote.text, speaker.text) == ("We are ready to talk about everything,", "Lavrov")


def test_label_quotes_leaves_the_speaker_unknown_rather_than_guess():
    text = ('Talks with Lavrov and Brahimi ended in Moscow. '
            '"We are ready to talk about everything," he said.')
    [(quote, speaker)] = label_quotes(text, _actors(text, "Lavrov", "Brahimi"))
    assert quote.text == "We are ready to talk about everything,"
    assert speaker is None


def test_label_quotes_prefers_the_given_actor_spans():
    text = '"We are ready," the group\'s spokesman, Ali Omar, told Reuters.'
    actors = _actors(text, "spokesman")
    [(quote, speaker)] = label_quotes(text, actors)
    assert speaker is actors[0]


# --- casualties ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, casualties", [
    ("Rebels shelled Homs on Monday, killing at least 12 people.", ["at least 12 people"]),
    ("Government air raids on the town of Al-Safira killed 15 civilians, eight of them "
     "children.", ["15 civilians", "eight of them children"]),
    ("The crisis has claimed over 45,000 lives.", ["over 45,000 lives"]),
    ("The corpses of six soldiers were found near the road.", ["six soldiers"]),
    ("Dozens of protesters were wounded by rubber bullets.", ["Dozens of protesters"]),
    ("A bomb killed two people and wounded 19, police said.", ["two people", "19"]),
    ("Twelve soldiers were killed and 20 others were wounded.", ["Twelve soldiers", "20 others"]),
    ("A man was shot dead outside the bank.", ["A man"]),
    ("Three U.S. soldiers died in the blast.", ["Three U.S. soldiers"]),
    ("Fifteen people, including eight children, were killed.", ["Fifteen people"]),
    # not casualties
    ("Some 200 refugees fled the fighting.", []),
    ("Police arrested 30 people after the attack.", []),
    ("Four passengers remained missing after the boat sank.", []),
    ("In 2012 people voted for change.", []),
    ("A soldier said that 12 people were killed.", ["12 people"]),
    ("Two gunmen on a motorcycle killed three people.", ["three people"]),
    ("Two passenger trains collided, injuring 40 people.", ["40 people"]),
    ("A police spokesman said nobody was hurt.", []),
    ("Doctors saved the lives of 12 people.", []),
    ("Many more people die at home without being counted.", []),
    ("Two people died and 300 homes were flooded.", ["Two people"]),
    ("The town has 12,000 residents.", []),
    ("Five people were killed. Eight people were pulled out alive.", ["Five people"]),
])
def test_find_casualties(text, casualties):
    found = find_casualties(text)
    assert _texts(found) == casualties
    assert all(text[s.start:s.end] == s.text for s in found)


def test_casualties_carry_their_attributes():
    [dead, hurt] = find_casualties("The blast killed at least 12 people and injured dozens more.")
    assert dead.attrs == {"count": 12, "qualifier": "at_least", "status": "killed"}
    assert hurt.attrs == {"count": None, "qualifier": "approximately", "status": "injured"}


def test_label_casualties_links_the_most_specific_place_and_the_perpetrator():
    text = ("Government air raids on the town of Al-Safira, south of second city Aleppo, killed "
            "15 civilians, eight of them children.")
    locations = [Span("LOCATION", text.index(n), text.index(n) + len(n), n)
                 for n in ("Al-Safira", "Aleppo")]
    actors = _actors(text, "Government")
    triples = label_casualties(text, locations, actors)
    assert [(c.text, p.text, a.text) for c, p, a in triples] == [
        ("15 civilians", "Al-Safira", "Government"),
        ("eight of them children", "Al-Safira", "Government")]


@pytest.mark.parametrize("text, actors, perpetrator", [
    ("Twelve soldiers were killed by Taliban militants near Kandahar.", ["Taliban militants"],
     "Taliban militants"),
    ("Gunmen abducted two engineers from a mine on Monday, killing one guard.", ["Gunmen"],
     "Gunmen"),
    ("Police said gunmen attacked the village overnight, killing nine people.",
     ["Police", "gunmen"], "gunmen"),
    ("The air force said it had struck a camp, killing 30 fighters.", ["air force"],
     "air force"),
    ("Rebels shelled Homs on Monday, killing at least 12 people.", ["Rebels"], "Rebels"),
    # no perpetrator where the text does not say one
    ("Clashes with the army killed 12 people.", ["army"], None),
    ("A court convicted two men of killing four people.", ["court", "two men"], None),
    ("Taliban forces and Pakistani troops exchanged fire, killing one guard.",
     ["Taliban forces", "Pakistani troops"], None),
])
def test_label_casualties_perpetrator(text, actors, perpetrator):
    [(casualty, place, found)] = label_casualties(text, [], _actors(text, *actors))
    assert (found.text if found else None) == perpetrator


def test_label_casualties_finds_actors_itself_without_a_gold_layer():
    [(casualty, place, perpetrator)] = label_casualties(
        "Twelve soldiers were killed by Taliban militants in Kandahar.")
    assert (casualty.text, place.text, perpetrator.text) == (
        "Twelve soldiers", "Kandahar", "Taliban militants")


def test_label_casualties_skips_where_people_were_treated():
    text = "The blast in Mosul killed 12 people, doctors at a hospital in Erbil said."
    locations = [Span("LOCATION", text.index(n), text.index(n) + len(n), n)
                 for n in ("Mosul", "Erbil")]
    [(casualty, place, _)] = label_casualties(text, locations, [])
    assert place.text == "Mosul"


# --- names --------------------------------------------------------------------------------------

def test_find_actors_and_locations_are_precise_heuristics():
    text = ("Foreign Minister Sergei Lavrov said on Saturday that talks in central Moscow had "
            "failed. Officials in Kabul said the rebels shelled the city. Police said nothing.")
    assert _texts(find_actors(text)) == ["Sergei Lavrov", "rebels", "Police"]
    assert _texts(find_locations(text)) == ["Moscow", "Kabul"]


# --- the rules-only extractor -------------------------------------------------------------------

ARTICLE = ('Rebels shelled Homs on Monday, killing at least 12 people. "We will not stop," said '
           'Omar Haddad, a rebel commander, in Homs.')


def test_rule_extractor_labels_every_type():
    doc = RuleExtractor()(ARTICLE)
    assert doc.annotated == Annotated.full()
    spans = {(s.label, s.text) for s in doc.spans}
    assert {("ACTOR", "Rebels"), ("ACTOR", "Omar Haddad"), ("CASUALTY", "at least 12 people"),
            ("QUOTE", "We will not stop,")} <= spans
    relations = {(r.label, r.head.text, r.tail.text) for r in doc.relations}
    assert relations == {("SPEAKER", "We will not stop,", "Omar Haddad"),
                         ("PERPETRATOR", "at least 12 people", "Rebels")}


def test_rule_extractor_output_is_a_valid_corpus_line():
    doc = RuleExtractor()(ARTICLE)
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again.to_dict() == doc.to_dict()


def test_rule_extractor_rejects_non_strings_naming_the_type():
    with pytest.raises(TypeError, match="got bytes"):
        RuleExtractor()(b"Rebels shelled Homs.")


def test_pipe_streams_documents_in_order():
    texts = (t for t in ["A man was shot dead in Homs.", "", ARTICLE])
    docs = RuleExtractor().pipe(texts, batch_size=2)
    assert [d.text for d in docs] == ["A man was shot dead in Homs.", "", ARTICLE]


@pytest.mark.parametrize("batch_size", [0, -1, 1.5])
def test_pipe_rejects_a_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        RuleExtractor().pipe(["x"], batch_size=batch_size)


_NEWS_WORDS = st.lists(st.sampled_from([
    "Rebels", "shelled", "Homs", "killing", "at least", "12", "people", "said", "Omar Haddad",
    '"', "“", "”", "'", "’", ",", ".", "\n", "\n\n", "he", "in", "the town of", "Aleppo", "a man",
    "was", "killed", "by", "police", "wounded", "dozens of", "civilians", "according to", "told",
]), max_size=30).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=120), _NEWS_WORDS))
def test_rule_extractor_output_always_validates(text):
    doc = RuleExtractor()(text)
    assert all(text[s.start:s.end] == s.text for s in doc.spans)
    Document.from_dict(doc.to_dict())  # offsets in range, no same-type overlap, valid relations


# --- silver layers ------------------------------------------------------------------------------

def _document(markup: str, spans: tuple[str, ...], relations: tuple[str, ...] = ()) -> Document:
    text, raw = parse_markup(markup)
    return Document.from_dict({"id": "d", "text": text, "spans": raw, "relations": [],
                               "annotated": {"spans": list(spans), "relations": list(relations)}})


RE3D_LIKE = (
    "[Rebels]{a1:ACTOR} shelled the town of [Al-Safira]{l1:LOCATION} on Monday, killing at least "
    '12 people. "We will not stop," said [Omar Haddad]{a2:ACTOR}.'
)


def test_add_silver_layers_fills_the_missing_layers():
    doc = _document(RE3D_LIKE, ("ACTOR", "LOCATION"))
    silver = add_silver_layers(doc)
    assert silver.annotated == Annotated(
        spans=("ACTOR", "LOCATION", "QUOTE", "CASUALTY"),
        relations=("SPEAKER", "PLACE", "PERPETRATOR"))
    [quote] = silver.spans_of("QUOTE")
    [casualty] = silver.spans_of("CASUALTY")
    assert quote.attrs == {"silver": True}
    assert casualty.attrs == {"count": 12, "qualifier": "at_least", "status": "killed",
                              "silver": True}
    assert {(r.label, r.head.text, r.tail.text) for r in silver.relations} == {
        ("SPEAKER", "We will not stop,", "Omar Haddad"),
        ("PLACE", "at least 12 people", "Al-Safira"),
        ("PERPETRATOR", "at least 12 people", "Rebels")}
    assert silver.meta["silver"] == {"spans": ["QUOTE", "CASUALTY"],
                                     "relations": ["SPEAKER", "PLACE", "PERPETRATOR"]}
    Document.from_dict(json.loads(json.dumps(silver.to_dict())))


def test_add_silver_layers_never_changes_its_input():
    doc = _document(RE3D_LIKE, ("ACTOR", "LOCATION"))
    before = doc.to_dict()
    silver = add_silver_layers(doc)
    assert doc.to_dict() == before
    assert silver is not doc and all(s is not t for s in silver.spans for t in doc.spans)


def test_add_silver_layers_leaves_gold_layers_alone():
    gum_like = ('"[We will not stop,]{q1:QUOTE}" said [Omar Haddad]{a1:ACTOR}. "Never," he '
                "added, as shelling killed 12 people in [Homs]{l1:LOCATION}.")
    doc = _document(gum_like, ("ACTOR", "LOCATION", "QUOTE"), ("SPEAKER",))
    silver = add_silver_layers(doc)
    assert _texts(silver.spans_of("QUOTE")) == ["We will not stop,"]  # gold: "Never" not added
    assert not silver.spans_of("QUOTE")[0].attrs
    assert [r.label for r in silver.relations if r.label == "SPEAKER"] == []
    assert _texts(silver.spans_of("CASUALTY")) == ["12 people"]
    assert silver.annotated.relations == ("SPEAKER", "PLACE", "PERPETRATOR")


def test_add_silver_layers_adds_speakers_for_gold_quotes():
    doc = _document('"[We will not stop,]{q1:QUOTE}" said [Omar Haddad]{a1:ACTOR}.',
                    ("ACTOR", "QUOTE"))
    silver = add_silver_layers(doc)
    assert [(r.label, r.head.text, r.tail.text) for r in silver.relations] == [
        ("SPEAKER", "We will not stop,", "Omar Haddad")]
    assert "SPEAKER" in silver.annotated.relations


def test_add_silver_layers_adds_no_relation_whose_ends_are_unannotated():
    doc = _document("[Homs]{l1:LOCATION}: a man was shot dead in [Homs]{l2:LOCATION}.",
                    ("LOCATION",))
    silver = add_silver_layers(doc)
    assert _texts(silver.spans_of("CASUALTY")) == ["a man"]
    assert silver.annotated.relations == ("PLACE",)  # no ACTOR layer: no SPEAKER, PERPETRATOR
    assert [(r.label, r.tail.text) for r in silver.relations] == [("PLACE", "Homs")]


def test_add_silver_layers_is_idempotent():
    once = add_silver_layers(_document(RE3D_LIKE, ("ACTOR", "LOCATION")))
    assert add_silver_layers(once).to_dict() == once.to_dict()
