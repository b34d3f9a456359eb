"""Actor clusters from a corpus's coreference chains (ECB+, MEANTIME).

Every kept ACTOR span joins the chain of the first mention it was kept from (a mention in no
chain is a chain of its own), so each ACTOR span is in exactly one cluster; a chain's pronoun
mentions join its cluster as `PRONOUN` mentions. The cluster's name is its longest named ACTOR
mention (one with a capitalised word), or its longest ACTOR mention when none is named.
"""

from __future__ import annotations

from collections.abc import Iterable

from newsie.converters.normalise import Candidate
from newsie.data import PRONOUN, ActorCluster, Span
from newsie.text.boundaries import is_name_word
from newsie.text.lexicon import PRONOUNS


def join_chains(links: Iterable[Iterable[str]]) -> dict[str, str]:
    """Mention id -> chain id, for mentions that some link names; each link joins its mentions."""
    parent: dict[str, str] = {}

    def root(m: str) -> str:
        parent.setdefault(m, m)
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for link in links:
        roots = [root(m) for m in link]
        for other in roots[1:]:
            parent[other] = roots[0]
    return {m: root(m) for m in parent}


def actor_clusters(
    kept: list[Candidate], spans: list[Span], chain_of: dict[str, str],
    pronouns: dict[str, Span],
) -> list[ActorCluster]:
    """Clusters of the ACTOR `spans` (kept from `kept`, in the same order) and of the pronoun
    mentions in `pronouns` (mention id -> its text range) whose chain holds an ACTOR span."""
    by_chain: dict[str, list[Span]] = {}
    for cand, span in zip(kept, spans, strict=True):
        if span.label == "ACTOR":
            by_chain.setdefault(chain_of.get(cand.refs[0], cand.refs[0]), []).append(span)
    for ref, span in pronouns.items():
        chain = chain_of.get(ref)
        if chain in by_chain and span.text.lower() in PRONOUNS:
            by_chain[chain].append(Span(PRONOUN, span.start, span.end, span.text))
    clusters = []
    for mentions in by_chain.values():
        by_range: dict[tuple[int, int], Span] = {}
        for mention in mentions:  # ACTOR spans come first, so a pronoun never replaces one
            by_range.setdefault((mention.start, mention.end), mention)
        unique = sorted(by_range.values(), key=lambda m: m.start)
        actors = [m.text for m in unique if m.label != PRONOUN]
        named = [t for t in actors if any(is_name_word(w) for w in t.split())]
        name = max(named or actors, key=len)
        clusters.append(ActorCluster(name, unique))
    return sorted(clusters, key=lambda c: c.mentions[0].start)
