"""A seeded generator of news-like documents, the benchmark's default corpus.

Sentences are filled from templates in newsie's markup (`[words]{id:LABEL attrs}`, see
`newsie.markup`), so every document carries gold spans and relations: the untrained model's
tagger is calibrated to predict about as many spans as they annotate. Document lengths are
log-uniform between a minimum and a maximum word count (news lengths are skewed short). The same
seed gives the same documents.
"""

from __future__ import annotations

import itertools
import math
import random
import string

from newsie.data import Document
from newsie.markup import parse_markup

# Sentence templates in newsie's markup (`[words]{id:LABEL attrs}`, see newsie.markup) with
# `$slots`; a `$quote` holds markup of its own, so slots are filled twice.
TEMPLATES: list[tuple[str, list[str]]] = [
    (
        "[$Group]{a:ACTOR} shelled [$place]{l:LOCATION} on $day, killing [at least $n $victims]"
        "{c:CASUALTY count=$n qualifier=at_least status=killed}.",
        ["PLACE c l", "PERPETRATOR c a"],
    ),
    (
        "[$n $victims]{c:CASUALTY count=$n qualifier=exact status=injured} were wounded when a "
        "bomb went off near a market in [$place]{l:LOCATION}, [$name]{a:ACTOR}, a local $role, "
        "said.",
        ["PLACE c l"],
    ),
    (
        '"[$quote]{q:QUOTE}," said [$name]{a:ACTOR}, a $role in [$place]{l:LOCATION}.',
        ["SPEAKER q a"],
    ),
    (
        '[$name]{a:ACTOR} told reporters in [$place]{l:LOCATION}: "[$quote]{q:QUOTE}."',
        ["SPEAKER q a"],
    ),
    (
        "An air strike on a convoy outside [$place]{l:LOCATION} killed [about $n $victims]"
        "{c:CASUALTY count=$n qualifier=approximately status=killed}, according to the "
        "[$agency]{a:ACTOR}.",
        ["PLACE c l"],
    ),
    (
        "[$Group]{a:ACTOR} and [$group]{b:ACTOR} clashed for hours on the road between "
        "[$place]{l:LOCATION} and [$place2]{m:LOCATION}.",
        [],
    ),
    (
        "The [$agency]{a:ACTOR} said on $day that more than $big people had fled "
        "[$place]{l:LOCATION} since $month.",
        [],
    ),
    (
        "In [$place]{l:LOCATION}, [$group]{a:ACTOR} opened fire on a crowd, wounding [$word "
        "$victims]{c:CASUALTY count=$wordn qualifier=exact status=injured}.",
        ["PLACE c l", "PERPETRATOR c a"],
    ),
    ('"[$quote]{q:QUOTE}," [$name]{a:ACTOR} wrote on social media on $day.', ["SPEAKER q a"]),
    ("Prices of bread and fuel have risen by $n percent since $month, traders said.", []),
    ("The talks are expected to resume next week, although no date has been set.", []),
    ("Schools in the district stayed closed for the $ordinal day in a row.", []),
    ("Electricity was restored to most neighbourhoods by the evening of $day.", []),
]
QUOTES = [
    "We will not leave until the last family is safe",
    "The situation is getting worse every hour",
    "Nobody warned us, and nobody came to help",
    "We need food, clean water and medicine, and we need them now",
    "The road to [$place3]{n:LOCATION} has been closed for a week",
    "This attack was planned, and those behind it will answer for it",
    "They came at night and burned everything we had",
]
# Slot values, "|"-separated.
SLOTS = {
    "group": "rebels|government forces|police|militants|security forces|gunmen|troops|insurgents",
    "place": "Homs|Mosul|Kabul|Lagos|Abuja|Kharkiv|Goma|Mogadishu|Cusco|Mandalay|Tripoli|Sanaa|"
    "Juba|Maiduguri|Bamako|Kraków|São Paulo|Düsseldorf|Port-au-Prince",
    "first": "Omar|Amina|Li|Sofia|Tomasz|Priya|Kwame|Elena|Hassan|Mei|Diego|Fatima|Yusuf|Ingrid|"
    "Ravi|Chloé",
    "last": "Haddad|Bello|Wei|Moreno|Kowalski|Sharma|Mensah|Petrova|Saleh|Tanaka|Alvarez|Diallo|"
    "Okafor|Lindqvist|Nair|Dubois",
    "agency": "United Nations|Red Cross|World Health Organization|Red Crescent|interior ministry|"
    "local health authority",
    "role": "spokesman|official|doctor|witness|aid worker|police commander|shopkeeper|teacher",
    "victims": "civilians|people|soldiers|children|police officers|villagers|passengers|workers",
    "day": "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday",
    "month": "January|March|April|June|August|October|December",
    "ordinal": "second|third|fourth|fifth|sixth",
}
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]


def fill_slots(rng: random.Random) -> dict[str, str]:
    """One value for every `$slot` of the templates and quotes."""
    options = {name: choices.split("|") for name, choices in SLOTS.items()}
    values = {name: rng.choice(choices) for name, choices in options.items()}
    values["Group"] = values["group"][0].upper() + values["group"][1:]
    values["group"] = rng.choice(options["group"])  # a second, often different, group
    values["place2"], values["place3"] = rng.sample(options["place"], 2)
    values["name"] = f"{values['first']} {values['last']}"
    values["n"] = str(rng.randint(2, 250))
    values["big"] = f"{rng.randint(2, 90) * 1000:,}"
    values["wordn"] = str(rng.randint(2, 11))
    values["word"] = NUMBER_WORDS[int(values["wordn"]) - 2]
    values["quote"] = rng.choice(QUOTES)
    return values


def make_sentence(rng: random.Random) -> tuple[str, list[dict], list[str]]:
    """A sentence's text, its spans (offsets into it) and its relations ("LABEL head tail")."""
    markup, relations = rng.choice(TEMPLATES)
    values = fill_slots(rng)
    filled = string.Template(string.Template(markup).substitute(values)).substitute(values)
    text, spans = parse_markup(filled)
    return text, spans, relations


def make_document(rng: random.Random, doc_id: str, min_words: int, max_words: int) -> Document:
    """Sentences until a log-uniform word count is reached (news lengths are skewed short)."""
    target = math.exp(rng.uniform(math.log(min_words), math.log(max_words)))
    text, spans, relations, words = "", [], [], 0
    for sentence_number in itertools.count():
        if words >= target:
            break
        sentence, sentence_spans, sentence_relations = make_sentence(rng)
        if text:
            text += "\n\n" if rng.random() < 0.25 else " "
        prefix, offset = f"s{sentence_number}", len(text)  # ids unique in the document
        spans += [
            {
                **span,
                "id": prefix + span["id"],
                "start": span["start"] + offset,
                "end": span["end"] + offset,
            }
            for span in sentence_spans
        ]
        for relation in sentence_relations:
            label, head, tail = relation.split()
            relations.append({"label": label, "head": prefix + head, "tail": prefix + tail})
        text += sentence
        words += len(sentence.split())
    return Document.from_dict({"id": doc_id, "text": text, "spans": spans, "relations": relations})


def make_corpus(
    n_docs: int, seed: int, min_words: int = 100, max_words: int = 3000
) -> list[Document]:
    """`n_docs` documents of `min_words` to `max_words` words, the same ones for the same seed."""
    rng = random.Random(seed)
    return [make_document(rng, f"bench-{i:05d}", min_words, max_words) for i in range(n_docs)]


def make_long_text(n_bytes: int, seed: int) -> str:
    """Generated documents, one after another, until the text is `n_bytes` long in UTF-8."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n_bytes:
        part = make_document(rng, "part", 2000, 3000).text
        parts.append(part)
        size += len(part.encode("utf-8")) + 2
    return "\n\n".join(parts)
