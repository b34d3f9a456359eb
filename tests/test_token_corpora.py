"""ECB+ and MEANTIME converters: text rebuilt from tokens, the mapping to the guidelines, what the
skip report counts, errors that name file, line and field, and one pass over the real corpora.
The fixtures are invented sentences in the corpora's formats."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pytest

from newsie.cli import main
from newsie.converters import convert
from newsie.converters.detokenise import detokenise
from newsie.converters.participants import VICTIM
from newsie.corpus import read_jsonl
from newsie.data import PRONOUN, CorpusError, Document
from newsie.sources import CorpusSource

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_gz(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    return path.parent


def mention(m_id: str, tag: str, sentence: int, tokens: list[int], **extra) -> dict:
    return {"m_id": m_id, "tag": tag, "sentence": sentence, "tokens": tokens, "text": "", **extra}


def check_offsets(doc: Document) -> None:
    assert all(doc.text[s.start:s.end] == s.text for s in doc.spans)
    for cluster in doc.actors:
        assert all(doc.text[m.start:m.end] == m.text for m in cluster.mentions)


# --- detokenisation ------------------------------------------------------------------------------

def test_detokenise_joins_tokens_by_the_rule_and_keeps_their_offsets():
    sentences = [["``", "We", "left", ",", "''", "Ana", "Ruiz", "said", "."],
                 ["It", "'s", "(", "not", ")", "US$", "5", "\t", '"', "ok", '"', "."]]
    built = detokenise(sentences)
    assert built.text == '"We left," Ana Ruiz said.\nIt\'s (not) US$5 "ok".'
    for tokens, offsets in zip(sentences, built.offsets, strict=True):
        for token, (start, end) in zip(tokens, offsets, strict=True):
            if token not in ("``", "''"):
                assert built.text[start:end] == token.strip()
    start, end = built.char_range(0, [5, 6])
    assert built.text[start:end] == "Ana Ruiz"
    assert built.char_range(0, [5, 7]) is None  # a gap: not one span


# --- ECB+ --------------------------------------------------------------------------------------

ECB_SENTENCES = [
    ["Maria", "Delgado", "opened", "a", "clinic", "in", "Vellmar", "."],
    ["Nobody", "annotated", "Tomas", "Berg", "here", "."],
    ["Gunmen", "killed", "three", "villagers", "in", "Harlow", ",", "she", "said", "."],
    ["Anyone", "could", "see", "it", "."],
]
ECB_MENTIONS = [
    mention("1", "HUMAN_PART_PER", 0, [0, 1]),
    mention("2", "LOC_FAC", 0, [3, 4]),                  # unnamed place
    mention("3", "LOC_GEO", 0, [5, 6]),                  # "in Vellmar": preposition removed
    mention("4", "HUMAN_PART_PER", 1, [2, 3]),           # outside the selected sentences
    mention("5", "HUMAN_PART_ORG", 2, [0]),
    mention("6", "ACTION_OCCURRENCE", 2, [1]),
    mention("7", "HUMAN_PART_PER", 2, [2, 3]),           # victims: a casualty phrase
    mention("8", "LOC_GEO", 2, [4, 5]),
    mention("9", "HUMAN_PART_PER", 2, [7]),              # pronoun: a cluster mention only
    mention("10", "HUMAN_PART_GENERIC", 3, [0]),
]
ECB_RELATIONS = [
    {"type": "CROSS_DOC_COREF", "note": "HUM1", "sources": ["1"], "target": ["20"]},
    {"type": "INTRA_DOC_COREF", "note": None, "sources": ["9"], "target": ["20"]},
]


def ecb_document(**changes) -> dict:
    return {"doc_id": "7_1ecbplus", "topic": 7, "subcorpus": "ECB+", "sentences": ECB_SENTENCES,
            "sentence_ids": [0, 1, 2, 3], "selected_sentences": [3, 0, 2],
            "mentions": ECB_MENTIONS, "relations": ECB_RELATIONS, **changes}


def test_ecbplus_converts_only_the_selected_sentences_to_the_guidelines(tmp_path):
    folder = write_gz(tmp_path / "ecbplus.jsonl.gz",
                      [ecb_document(), ecb_document(doc_id="8_2ecb", selected_sentences=[])])
    result = convert("ecbplus", [folder])
    [doc] = result.documents
    check_offsets(doc)
    assert "Tomas" not in doc.text and doc.text.count("\n") == 2
    assert doc.meta == {"source": "ecbplus", "topic": 7, "subcorpus": "ECB+",
                        "sentences": [0, 2, 3]}
    assert [(s.label, s.text) for s in doc.spans] == [
        ("ACTOR", "Maria Delgado"), ("LOCATION", "Vellmar"), ("ACTOR", "Gunmen"),
        ("LOCATION", "Harlow")]
    assert doc.annotated.spans == ("ACTOR", "LOCATION") and doc.annotated.relations == ()
    clusters = {c.name: [(m.label, m.text) for m in c.mentions] for c in doc.actors}
    assert clusters == {"Maria Delgado": [("ACTOR", "Maria Delgado"), (PRONOUN, "she")],
                        "Gunmen": [("ACTOR", "Gunmen")]}
    skipped, adjusted = result.report.skipped, result.report.adjusted
    assert skipped["ecbplus HUMAN_PART_PER: outside the selected sentences"] == 1
    assert skipped[f"ACTOR: {VICTIM}"] == 1
    assert skipped["ACTOR: generic person (ecbplus HUMAN_PART_GENERIC)"] == 1
    assert skipped["ACTOR: pronoun"] == 1
    assert skipped["LOCATION: unnamed place"] == 1
    assert skipped["ecbplus ACTION_OCCURRENCE: no newsie type"] == 1
    assert skipped["ecbplus document: no selected sentences"] == 1
    assert adjusted["LOCATION: leading preposition removed"] == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"mentions": [mention("1", "HUMAN_PART_PER", 0, [8])]}, "mentions[0].tokens"),
    ({"mentions": [mention("1", "HUMAN_PART_PER", 9, [0])]}, "mentions[0].sentence"),
    ({"selected_sentences": [4]}, "selected_sentences"),
    ({"sentences": [["a", 1]]}, "sentences[0]"),
    ({"relations": [{"type": "CROSS_DOC_COREF", "sources": ["1"]}]}, "relations[0].target"),
])
def test_ecbplus_malformed_rows_name_file_line_and_field(tmp_path, changes, field):
    folder = write_gz(tmp_path / "ecbplus.jsonl.gz", [ecb_document(), ecb_document(**changes)])
    with pytest.raises(CorpusError, match=re.escape(f"ecbplus.jsonl.gz:2: {field}")):
        convert("ecbplus", [folder])


def test_ecbplus_folder_without_its_file_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no ecbplus.jsonl.gz here"):
        convert("ecbplus", [tmp_path])


def test_ecbplus_through_the_command_line_and_a_recipe_source(tmp_path, capsys):
    folder = write_gz(tmp_path / "ecbplus" / "ecbplus.jsonl.gz", [ecb_document()])
    out = tmp_path / "ecbplus.jsonl"
    assert main(["convert", "--from", "ecbplus", str(folder), "-o", str(out)]) == 0
    assert "ACTOR: generic person (ecbplus HUMAN_PART_GENERIC)" in capsys.readouterr().err
    [doc] = read_jsonl(out)
    assert [c.name for c in doc.actors] == ["Maria Delgado", "Gunmen"]
    source = CorpusSource.parse({"path": "ecbplus", "format": "ecbplus"})
    assert [d.text for d in source.load(tmp_path, tmp_path)] == [doc.text]


# --- MEANTIME ----------------------------------------------------------------------------------

MEANTIME_SENTENCES = [
    ["Orvane", "buys", "Kestrel"],
    ["May", "2", ",", "2011"],
    ["Orvane", "chief", "Lena", "Holt", "said", "the", "United", "States", "will", "approve", "it",
     "."],
    ["She", "expects", "profits", "in", "Ohio", "."],
    ["The", "rest", "of", "the", "article", "is", "not", "annotated", "."],
]
MEANTIME_MENTIONS = [
    mention("1", "ENTITY_MENTION", 0, [0], ent_type="ORG", refers_to="50"),
    mention("2", "ENTITY_MENTION", 0, [2], ent_type="", refers_to="51"),    # type from instance
    mention("3", "TIMEX3", 1, [0, 1, 2, 3]),
    mention("4", "ENTITY_MENTION", 2, [0], ent_type="ORG", refers_to="50"),
    mention("5", "ENTITY_MENTION", 2, [2, 3], ent_type="PER", refers_to="52"),
    mention("6", "ENTITY_MENTION", 2, [5, 6, 7], ent_type="LOC", refers_to="53"),  # an agent
    mention("7", "EVENT_MENTION", 2, [9]),
    mention("8", "ENTITY_MENTION", 3, [0], ent_type="PER", refers_to="52"),
    mention("9", "ENTITY_MENTION", 3, [2], ent_type="FIN", refers_to="54"),
    mention("10", "ENTITY_MENTION", 3, [4], ent_type="LOC", refers_to="55"),
]
MEANTIME_INSTANCES = {"51": {"tag": "ENTITY", "ent_type": "ORG"}}
MEANTIME_RELATIONS = [
    {"type": "REFERS_TO", "sources": ["1"], "targets": ["50"], "attrs": {}},
    {"type": "HAS_PARTICIPANT", "sources": ["7"], "targets": ["6"], "attrs": {"sem_role": "Arg0"}},
    {"type": "TLINK", "sources": ["7"], "targets": ["3"], "attrs": {}},
]


def test_meantime_maps_entities_agents_and_coreference(tmp_path):
    folder = write_gz(tmp_path / "meantime_en.jsonl.gz", [{
        "doc_id": "1_Orvane", "subcorpus": "X", "sentences": MEANTIME_SENTENCES,
        "mentions": MEANTIME_MENTIONS, "instances": MEANTIME_INSTANCES,
        "relations": MEANTIME_RELATIONS}])
    result = convert("meantime", [folder])
    [doc] = result.documents
    check_offsets(doc)
    assert "rest of the article" not in doc.text and doc.text.count("\n") == 3
    assert [(s.label, s.text) for s in doc.spans] == [
        ("ACTOR", "Orvane"), ("ACTOR", "Kestrel"), ("ACTOR", "Orvane"), ("ACTOR", "Lena Holt"),
        ("ACTOR", "United States"), ("LOCATION", "Ohio")]
    assert doc.annotated.spans == ("ACTOR", "LOCATION")
    clusters = {c.name: [m.text for m in c.mentions] for c in doc.actors}
    assert clusters["Orvane"] == ["Orvane", "Orvane"]
    assert clusters["Lena Holt"] == ["Lena Holt", "She"]
    skipped = result.report.skipped
    assert skipped["meantime FIN entity: no newsie type"] == 1
    assert skipped["meantime TIMEX3: no newsie type"] == 1
    assert skipped["meantime relation TLINK: no newsie type"] == 1
    assert result.report.adjusted["meantime LOC as agent (Arg0): ACTOR"] == 1


# --- the real corpora --------------------------------------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="no ../shared/data here")


@pytest.fixture(scope="module")
def real() -> dict:
    return {name: convert(name, [SHARED_DATA / name]) for name in ("ecbplus", "meantime")}


@needs_shared
def test_real_token_corpora_are_valid_and_partial(real):
    for name, result in real.items():
        for doc in result.documents:
            check_offsets(doc)
            assert doc.annotated.spans == ("ACTOR", "LOCATION")
            again = Document.from_dict(doc.to_dict())
            assert [(s.label, s.text) for s in again.spans] == [(s.label, s.text)
                                                                for s in doc.spans]
        spans = sum(len(d.spans) for d in result.documents)
        assert spans > 500, name
        assert sum(len(c.mentions) > 1 for d in result.documents for c in d.actors) > 100, name
    assert len(real["meantime"].documents) == 121


@needs_shared
def test_real_ecbplus_documents_are_the_sentences_its_index_selects(real):
    with (SHARED_DATA / "ecbplus" / "ECBplus_coreference_sentences.csv").open() as handle:
        index: dict[str, list[int]] = {}
        for row in csv.DictReader(handle):
            index.setdefault(f"{row['Topic']}_{row['File']}", []).append(
                int(row["Sentence Number"]))
    documents = real["ecbplus"].documents
    assert {d.id: d.meta["sentences"] for d in documents} == {k: sorted(v)
                                                             for k, v in index.items()}
    assert all(d.text.count("\n") == len(d.meta["sentences"]) - 1 for d in documents)


def test_the_news_plus_recipe_reads_both_corpora():
    from newsie.training.arguments import load_recipe

    recipe = load_recipe(Path(__file__).resolve().parents[1] / "configs" / "news-plus.yaml")
    formats = [source.format for source in recipe.data.train]
    assert {"ecbplus", "meantime"} <= set(formats)
