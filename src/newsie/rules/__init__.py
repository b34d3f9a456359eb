"""Rule-based labellers: silver QUOTE and CASUALTY layers, and a rules-only baseline system.

- `add_silver_layers(doc)` fills in the layers a corpus does not annotate (re3d and GUM have no
  CASUALTY, re3d has no QUOTE) with rule-found spans marked `attrs["silver"] = True`; the layers
  a document annotates (gold) are never touched.
- `RuleExtractor` has the Extractor's interface (`extractor(text)`, `extractor.pipe(texts)`) and
  labels every type, so it serves as a baseline.

The rules aim at precision, not recall: silver layers become training data, where a wrong span
does more harm than a missed one. Span finders are registered by span type in `SPAN_FINDERS` and
relation linkers by relation type in `RELATION_LINKERS`; both the extractor and the silver
labeller are driven by these two registries.

One concept a module:

    base          the two registries, SILVER_SPAN_TYPES and the helpers every rule shares
    names         capitalised names: find_actors (ACTOR), find_locations (LOCATION)
    quotes        find_quotes (QUOTE): quotations that read as speech
    casualties    find_casualties (CASUALTY): counted people near a killing or injuring cue
    mentions      actor mentions and pronouns, as speakers and perpetrators read them
    speakers      link_speakers (SPEAKER: quote -> actor)
    places        link_places (PLACE: casualty -> location)
    perpetrators  link_perpetrators (PERPETRATOR: casualty -> actor)
    system        RuleExtractor, add_silver_layers, label_quotes, label_casualties
"""

from __future__ import annotations

from newsie.rules.base import (
    RELATION_LINKERS,
    SILVER_SPAN_TYPES,
    SPAN_FINDERS,
    RelationLinker,
    SpanFinder,
    relation_linker,
    span_finder,
)

# Importing a rule module registers its finder or linker, and the registries run the rules in
# registration order, which is the order of the baseline's spans and relations and of the silver
# relation types: ACTOR, LOCATION, QUOTE, CASUALTY, then SPEAKER, PLACE, PERPETRATOR. Keep these
# imports in that order (isort would sort them by module name).
# isort: off
from newsie.rules.names import NAME, find_actors, find_locations
from newsie.rules.quotes import SHORT_QUOTE_WORDS, find_quotes
from newsie.rules.casualties import NON_CASUALTY_CUES, find_casualties
from newsie.rules.speakers import link_speakers
from newsie.rules.places import link_places
from newsie.rules.perpetrators import link_perpetrators
# isort: on
from newsie.rules.system import RuleExtractor, add_silver_layers, label_casualties, label_quotes

__all__ = [
    "NAME",
    "NON_CASUALTY_CUES",
    "RELATION_LINKERS",
    "SHORT_QUOTE_WORDS",
    "SILVER_SPAN_TYPES",
    "SPAN_FINDERS",
    "RelationLinker",
    "RuleExtractor",
    "SpanFinder",
    "add_silver_layers",
    "find_actors",
    "find_casualties",
    "find_locations",
    "find_quotes",
    "label_casualties",
    "label_quotes",
    "link_perpetrators",
    "link_places",
    "link_speakers",
    "relation_linker",
    "span_finder",
]
