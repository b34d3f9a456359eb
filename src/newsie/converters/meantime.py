"""MEANTIME, English part: `meantime_en.jsonl.gz`, one Wikinews article a line with tokenised
`sentences`, token-indexed `mentions` (entity mentions carry `ent_type` and `refers_to`, the
instance they mention), `instances` and `relations`.

MEANTIME annotates the start of each article (the title and the first sentences of the body),
so a document is its sentences up to the last one that holds any annotation (of any layer); the
rest is not converted. Text and offsets are rebuilt from the tokens
(`newsie.converters.detokenise`).

- PER, ORG -> ACTOR, less victims and generic people (`newsie.converters.participants`).
- LOC -> LOCATION; a LOC mention that is the agent (PropBank Arg0 of a HAS_PARTICIPANT relation:
  "the United States government will appoint") -> ACTOR, as the guidelines treat metonymy.
- PRO, FIN, MIX, untyped entities, events, times, values, signals: no newsie type; relations
  other than REFERS_TO (coreference) are counted, not converted.
- Coreference (mentions that refer to one instance) -> `actors` clusters, with their pronouns.
Documents annotate ACTOR and LOCATION only.
"""

from __future__ import annotations

from pathlib import Path

from newsie.converters.base import ConversionReport, register_converter
from newsie.converters.coreference import join_chains
from newsie.converters.detokenise import detokenise
from newsie.converters.mentions import (
    TokenMention,
    convert_token_corpus,
    read_mention,
    read_sentences,
    spans_and_clusters,
)
from newsie.converters.reading import field_of
from newsie.data import CorpusError, Document

MEANTIME_LABELS = {"PER": "ACTOR", "ORG": "ACTOR", "LOC": "LOCATION"}
ENTITY_TAG = "ENTITY_MENTION"
AGENT_ROLE = "Arg0"
FILE_NAME = "meantime_en.jsonl.gz"


@register_converter("meantime")
def convert_meantime(
    paths: list[Path], label_map: dict[str, str] | None, report: ConversionReport
) -> list[Document]:
    """Convert MEANTIME (the folder holding meantime_en.jsonl.gz, or the file)."""
    return convert_token_corpus(
        paths, FILE_NAME, label_map or MEANTIME_LABELS, report, _convert_document
    )


def _convert_document(
    row: dict, label_map: dict[str, str], report: ConversionReport, path: Path, line: int
) -> Document | None:
    doc_id = field_of(row, "doc_id", str, source=path, line=line)
    sentences = read_sentences(row, path, line)
    instances = field_of(row, "instances", dict, source=path, line=line)
    raw_mentions = field_of(row, "mentions", list, source=path, line=line)
    read = [read_mention(raw, sentences, path, line, f"mentions[{k}]")
            for k, raw in enumerate(raw_mentions)]
    if not read:
        report.skip("meantime document: no annotation")
        return None
    agents = _agents(row, report, path, line)
    mentions, instance_of = [], {}
    for raw, (mention_id, tag, sentence, tokens) in zip(raw_mentions, read, strict=True):
        if tag != ENTITY_TAG:
            report.skip(f"meantime {tag}: no newsie type")
            continue
        instance = raw.get("refers_to") or None
        ent_type = raw.get("ent_type") or (instances.get(instance) or {}).get("ent_type") or ""
        label = label_map.get(ent_type)
        if label is None:
            report.skip(f"meantime {ent_type or 'untyped'} entity: no newsie type")
            continue
        if label == "LOCATION" and mention_id in agents:
            label = "ACTOR"
            report.adjust(f"meantime {ent_type} as agent ({AGENT_ROLE}): ACTOR")
        if instance is not None:
            instance_of[mention_id] = str(instance)
        mentions.append(TokenMention(mention_id, label, sentence, tokens))
    last = max(sentence for _, _, sentence, _ in read)
    token_text = detokenise(sentences[:last + 1])
    chains = {}
    for mention_id, instance in instance_of.items():
        chains.setdefault(instance, []).append(mention_id)
    spans, actors = spans_and_clusters(token_text, mentions, join_chains(chains.values()), report)
    return Document(text=token_text.text, spans=spans, id=doc_id, actors=actors,
                    meta={"source": "meantime", "subcorpus": row.get("subcorpus"),
                          "sentences": last + 1})


def _agents(row: dict, report: ConversionReport, path: Path, line: int) -> set[str]:
    """Mentions that are an event's agent; every relation but coreference is counted as skipped."""
    agents: set[str] = set()
    for k, relation in enumerate(field_of(row, "relations", list, source=path, line=line)):
        where = f"relations[{k}]"
        if not isinstance(relation, dict):
            raise CorpusError("must be an object", source=str(path), line=line, field=where)
        kind = field_of(relation, "type", str, source=path, line=line, where=where)
        if kind == "REFERS_TO":
            continue
        report.skip(f"meantime relation {kind}: no newsie type")
        role = (relation.get("attrs") or {}).get("sem_role")
        if kind == "HAS_PARTICIPANT" and role == AGENT_ROLE:
            agents |= {str(t) for t in relation.get("targets", [])}
    return agents
