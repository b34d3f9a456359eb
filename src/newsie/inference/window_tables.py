"""Per-token work on the model's device: from a batch's hidden states to compact tables.

    window_tables(model, hidden, lengths, owned, lead) -> WindowTables

1. tags: per span type, the best BIO sequence of each window (`viterbi.bio_tags`);
2. spans: where each window's spans start and end (`tags.find_spans`);
3. pieces: each span cut to the tokens its window owns (`newsie.windows`): the document's spans
   are made of these, a span that crosses into the next window's tokens in two pieces;
4. pairs: the spans of one window whose types may relate, scored by the relation scorer.

Everything runs where `hidden` lives; what the host receives are these tables, a few numbers per
span, piece and scored pair, never per-token arrays. Rows keep the order the host relies on:
spans by window, type and position; pairs by head, then tail, then relation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from newsie.inference.tags import FoundSpans, find_spans
from newsie.inference.viterbi import NEG_INF, bio_tags
from newsie.models.modeling import NewsieModel
from newsie.windows import O


@dataclass
class WindowTables:
    """A batch's results; positions are window content positions, inclusive at both ends."""

    spans: torch.Tensor  # (S, 4) int64: window row, type, first, last
    pieces: torch.Tensor  # (Q, 4) int64: span row, first, last, 1 if the span began before it
    piece_log_probs: torch.Tensor  # (Q,) float64: the piece's summed tag log-probabilities
    pairs: torch.Tensor  # (E, 4) int64: head span row, tail span row, relation, centrality
    pair_scores: torch.Tensor  # (E,) float32: the relation's probability


def tag_log_probs(model: NewsieModel, hidden: torch.Tensor, lengths: torch.Tensor, lead: int):
    """Log-probabilities (N, L, K, 3) of O, B, I at each window's content positions; positions
    past a window's end are forced to O."""
    log_probs = torch.log_softmax(model.tag(hidden).float(), dim=-1)
    content = log_probs[:, lead : lead + int(lengths.max())]
    padding = torch.arange(content.shape[1], device=content.device)[None, :] >= lengths[:, None]
    forced = torch.full((3,), NEG_INF, device=content.device)
    forced[O] = 0.0
    return torch.where(padding[:, :, None, None], forced, content)


def window_tables(
    model: NewsieModel,
    hidden: torch.Tensor,
    lengths: torch.Tensor,
    owned: torch.Tensor,
    lead: int,
    pairable: torch.Tensor,
) -> WindowTables:
    """The tables of a batch: `lengths` (N,) content tokens per window, `owned` (N, 2) the
    [start, end) content positions each window owns, `lead` the special tokens before the
    content, `pairable` (K, K) whether a head of one type may pair with a tail of another."""
    log_probs = tag_log_probs(model, hidden, lengths, lead)
    found = find_spans(bio_tags(log_probs), log_probs)
    spans = torch.stack([found.window, found.type_index, found.first, found.last], 1)
    pieces, piece_log_probs = owned_pieces(found, owned)
    heads, tails, centrality = window_pairs(found, lengths, pairable)
    if not len(heads):
        empty = spans.new_zeros((0, 4))
        return WindowTables(spans, pieces, piece_log_probs, empty, hidden.new_zeros(0).float())
    span_index = torch.stack(
        [found.window, found.first + lead, found.last + lead, found.type_index], 1
    )
    logits = model.score_pairs(hidden, span_index, torch.stack([heads, tails], 1))
    allowed = model.allowed_relations[found.type_index[heads], found.type_index[tails]]
    pair_at, relation = allowed.nonzero().unbind(1)
    pairs = torch.stack([heads[pair_at], tails[pair_at], relation, centrality[pair_at]], 1)
    scores = torch.sigmoid(logits.float())[pair_at, relation]
    return WindowTables(spans, pieces, piece_log_probs, pairs, scores)


def owned_pieces(found: FoundSpans, owned: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each span cut to its window's owned positions, where anything of it is left."""
    bounds = owned[found.window]
    first = torch.maximum(found.first, bounds[:, 0])
    last = torch.minimum(found.last, bounds[:, 1] - 1)
    kept = (first <= last).nonzero()[:, 0]
    first, last = first[kept], last[kept]
    began_before = (found.first[kept] < first).long()
    pieces = torch.stack([kept, first, last, began_before], 1)
    return pieces, found.log_prob(kept, first, last)


def window_pairs(found: FoundSpans, lengths: torch.Tensor, pairable: torch.Tensor):
    """(heads, tails, centrality) of the pairs of spans of one window whose types may relate,
    ordered by head then tail; centrality is how far the pair lies from the window's edges."""
    device = found.first.device
    per_window = torch.bincount(found.window, minlength=len(lengths))
    window_first = torch.cumsum(per_window, 0) - per_window
    tails_each = per_window[found.window]  # every span of the head's window is a candidate tail
    total = int(tails_each.sum())
    heads = torch.repeat_interleave(torch.arange(len(found), device=device), tails_each)
    run_start = torch.repeat_interleave(torch.cumsum(tails_each, 0) - tails_each, tails_each)
    tails = window_first[found.window[heads]] + torch.arange(total, device=device) - run_start
    types = found.type_index
    ok = (heads != tails) & pairable[types[heads], types[tails]]
    heads, tails = heads[ok], tails[ok]
    first, last = found.first, found.last
    inner_edge = torch.minimum(first[heads], first[tails])
    outer_edge = lengths[found.window[heads]] - 1 - torch.maximum(last[heads], last[tails])
    return heads, tails, torch.minimum(inner_edge, outer_edge)
