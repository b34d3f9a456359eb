"""The prediction pipeline shared by the Extractor and training-time evaluation.

texts -> one tokenizer call per chunk of documents -> windows of all documents in the chunk,
sorted by length and batched -> encoder + heads -> per-window Viterbi -> each document token takes
its tags from the window that owns it -> spans -> relations among spans that share a window.
Memory is bounded by the chunk and the batch, not by how many texts stream through.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from newsie.casualty import casualty_attributes
from newsie.data import Annotated, Document, Relation, Span
from newsie.decoding import (
    NEG_INF,
    SNAP_CANDIDATES,
    SNAP_REQUIRED,
    TokenSpan,
    snap_span,
    spans_from_tags,
    trim_span,
    viterbi_bio,
)
from newsie.models.modeling import NewsieModel
from newsie.windows import (
    SHAPE_PAD,
    DocTokens,
    O,
    SpecialTokens,
    Window,
    make_windows,
    token_shapes,
    tokenize,
    window_input,
)

SpanKey = tuple[int, int, int]  # (type index, start char, end char)
Candidate = tuple[SpanKey, TokenSpan]

GPU_BATCH_SIZE = 32
# On CPU the batch is sized so that the encoder's largest activation (windows x length x the
# feed-forward width, float32) stays under 16 MB. glibc's malloc serves such blocks from memory it
# keeps; larger ones are fresh mappings that page-fault on first touch, batch after batch: at 32
# windows of 512 tokens MiniLM took some 11,000 page faults a window and ran 15 to 25 % slower
# than at 4 to 8 windows (`docs/performance.md`).
CPU_ACTIVATION_BYTES = 16 * 2**20
# Small forward passes are decoded together, in rounds of at least this many windows: Viterbi's
# Python loop runs once per token position however many windows it decodes.
DECODE_WINDOWS = 32


def default_batch_size(encoder_config, max_length: int, device: torch.device) -> int:
    """Windows per forward pass when the user names none: see CPU_ACTIVATION_BYTES."""
    if device.type != "cpu":
        return GPU_BATCH_SIZE
    width = getattr(encoder_config, "intermediate_size", None) or 4 * encoder_config.hidden_size
    return max(1, CPU_ACTIVATION_BYTES // (max_length * width * 4))


def text_chunks(texts: Iterable[str], chunk_chars: int) -> Iterator[list[str]]:
    """The texts, in order, in lists closed once they hold `chunk_chars` characters; read lazily.
    A text that is not a str raises TypeError naming its type."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"expected a str text, got {type(text).__name__}")
        chunk.append(text)
        size += len(text)
        if size >= chunk_chars:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@dataclass
class _DocState:
    """What is known of one document while its windows pass through the model."""

    text: str
    tokens: DocTokens
    n_types: int
    shapes: np.ndarray | None = None
    tags: np.ndarray = field(init=False)
    log_probs: np.ndarray = field(init=False)
    # (relation, head key, tail key) -> (centrality of the window that scored it, score)
    pair_scores: dict[tuple[int, SpanKey, SpanKey], tuple[int, float]] = field(default_factory=dict)
    # label -> the text's snap regions for that label (see decoding.SNAP_CANDIDATES), on demand
    regions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # (type, first, last document token) -> its SpanKey: overlapping windows and the document
    # decode the same token spans, and trimming and snapping them is the costly part of a key
    keys: dict[tuple[int, int, int], SpanKey | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tags = np.zeros((len(self.tokens), self.n_types), dtype=np.int8)
        self.log_probs = np.zeros((len(self.tokens), self.n_types, 3), dtype=np.float32)


@dataclass
class _HostCopy:
    """A device tensor on its way to host memory: on a GPU the copy runs behind the work queued
    before it, and `numpy()` waits for it only when the host needs the values."""

    tensor: torch.Tensor
    ready: torch.cuda.Event | None = None

    @classmethod
    def start(cls, tensor: torch.Tensor) -> _HostCopy:
        if tensor.device.type != "cuda":
            return cls(tensor)
        host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
        host.copy_(tensor, non_blocking=True)
        ready = torch.cuda.Event()
        ready.record()
        return cls(host, ready)

    def numpy(self) -> np.ndarray:
        if self.ready is not None:
            self.ready.synchronize()
        return self.tensor.numpy()


@dataclass
class _TaggedBatch:
    """A batch whose encoder and tagger have been launched."""

    windows: list[Window]
    hidden: torch.Tensor
    log_probs: _HostCopy  # (windows, content length, K, 3)


@dataclass
class _ScoredPairs:
    """The span pairs of a batch, whose relation scores are on their way."""

    pairs: list[tuple[int, int]]  # (head, tail) rows of `keys`
    centrality: list[int]  # per pair: its distance from the window's edges
    keys: list[SpanKey | None]  # per span row
    doc_of_row: list[int]  # per span row: the document's index in the chunk
    allowed: np.ndarray  # (pairs, R): which relations the pair's types allow
    scores: _HostCopy  # (pairs, R) probabilities


@dataclass
class _DecodedRound:
    """Batches whose tags are in their documents' states; relation scores may be on their way."""

    windows: list[Window]
    pairs: list[_ScoredPairs]  # one per batch that has span pairs


def _completed(windows: list[Window], unfinished: Counter) -> list[int]:
    """Documents whose last unfinished windows are among `windows`."""
    done = []
    for w in windows:
        unfinished[w.doc_index] -= 1
        if not unfinished[w.doc_index]:
            done.append(w.doc_index)
    return done


class Predictor:
    """Runs a `NewsieModel` over texts; see `newsie.Extractor` for the user-facing class."""

    def __init__(
        self,
        model: NewsieModel,
        tokenizer,
        *,
        device: torch.device | str = "cpu",
        batch_size: int | None = None,
        max_length: int | None = None,
        stride: int | None = None,
        chunk_chars: int = 1_000_000,
    ) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.chunk_chars = chunk_chars
        self.special = SpecialTokens(tokenizer)
        config = model.config
        limit = getattr(model.encoder.config, "max_position_embeddings", None) or 512
        self.max_length = min(max_length or config.max_length, limit)
        self.batch_size = batch_size or default_batch_size(
            model.encoder.config, self.max_length, self.device
        )
        self.content_length = self.max_length - self.special.count
        self.stride = config.stride if stride is None else stride
        if not 0 <= self.stride < self.content_length:
            raise ValueError(f"stride must lie in [0, {self.content_length}), got {self.stride}")
        self.schema = config.label_schema
        # Read once: `_key` runs for every span of every window, and config lookups are not free.
        self.trim, self.snap = config.trim_boundaries, config.snap_boundaries
        self.allowed = model.allowed_relations.cpu().numpy()

    def predict(self, texts: Iterable[str]) -> Iterator[Document]:
        """Yield one Document per text, in input order."""
        for chunk in text_chunks(texts, self.chunk_chars):
            yield from self._predict_chunk(chunk)

    def _predict_chunk(self, texts: list[str]) -> Iterator[Document]:
        n_types = len(self.schema.span_types)
        states = [
            _DocState(text, tokens, n_types)
            for text, tokens in zip(texts, tokenize(self.tokenizer, texts), strict=True)
        ]
        if self.model.config.use_casing:
            for state in states:
                state.shapes = token_shapes(state.text, state.tokens.offsets)
        windows = [
            w
            for i, s in enumerate(states)
            if len(s.tokens)
            for w in make_windows(len(s.tokens), self.content_length, self.stride, i)
        ]
        # Short windows (documents' last windows) first; Python's sort is stable, so the long
        # ones that follow keep document order and documents complete one after another.
        windows.sort(key=lambda w: w.end - w.start)
        self.model.eval()
        unfinished = Counter(w.doc_index for w in windows)
        documents: dict[int, Document] = {}
        batches = [
            windows[i : i + self.batch_size] for i in range(0, len(windows), self.batch_size)
        ]
        per_round = -(-DECODE_WINDOWS // self.batch_size)
        rounds = [batches[i : i + per_round] for i in range(0, len(batches), per_round)]
        # A three-stage pipeline: while the device runs round j, the host decodes the tags of
        # round j-1 (and launches its relation scorer), then collects the relation scores of
        # round j-2 and assembles the documents it completes. On a GPU the host work hides behind
        # the encoder's; on a CPU the stages run in turn. Either way states change in batch order.
        tagged: list[_TaggedBatch] | None = None
        decoded: _DecodedRound | None = None
        for batch_round in [*rounds, None, None]:  # two empty rounds drain the pipeline
            launched = (
                [self._launch(batch, states) for batch in batch_round]
                if batch_round is not None
                else None
            )
            next_decoded = self._decode(tagged, states) if tagged is not None else None
            if decoded is not None:
                for scored in decoded.pairs:
                    self._collect(scored, states)
                for index in _completed(decoded.windows, unfinished):
                    documents[index] = self._finish(states[index])
            tagged, decoded = launched, next_decoded
        for index, state in enumerate(states):
            yield documents.pop(index) if index in documents else self._finish(state)

    def _launch(self, windows: list[Window], states: list[_DocState]) -> _TaggedBatch:
        """Start the encoder and tagger on a batch of windows; on a GPU this returns at once."""
        special = self.special
        rows = [window_input(states[w.doc_index].tokens.ids, w, special) for w in windows]
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), special.pad_id, dtype=np.int64)
        attention = np.zeros((len(rows), width), dtype=np.int64)
        shapes = np.full((len(rows), width), SHAPE_PAD, dtype=np.int64)
        lead = len(special.prefix)
        for i, (row, w) in enumerate(zip(rows, windows, strict=True)):
            input_ids[i, : len(row)] = row
            attention[i, : len(row)] = 1
            if states[w.doc_index].shapes is not None:
                shapes[i, lead : lead + w.end - w.start] = states[w.doc_index].shapes[
                    w.start : w.end
                ]
        with torch.inference_mode():
            hidden = self.model.encode(
                self._to_device(input_ids),
                self._to_device(attention),
                self._to_device(shapes) if self.model.config.use_casing else None,
            )
            log_probs = torch.log_softmax(self.model.tag(hidden).float(), dim=-1)
            log_probs = _HostCopy.start(log_probs[:, lead : lead + self.content_length])
        return _TaggedBatch(windows, hidden, log_probs)

    def _decode(self, batches: list[_TaggedBatch], states: list[_DocState]) -> _DecodedRound:
        """Viterbi over a round's tags, into its documents' states; launches its relation scorer."""
        windows = [w for batch in batches for w in batch.windows]
        log_probs = _stacked([batch.log_probs.numpy() for batch in batches])
        lengths = np.array([w.end - w.start for w in windows])
        padding = np.arange(log_probs.shape[1])[None, :] >= lengths[:, None]
        log_probs[padding] = NEG_INF
        log_probs[padding, :, O] = 0.0
        tags = viterbi_bio(log_probs)
        window_spans = []
        for i, w in enumerate(windows):
            state = states[w.doc_index]
            a, b = w.own_start - w.start, w.own_end - w.start
            state.tags[w.own_start : w.own_end] = tags[i, a:b]
            state.log_probs[w.own_start : w.own_end] = log_probs[i, a:b]
            window_spans.append(spans_from_tags(tags[i, : lengths[i]], log_probs[i, : lengths[i]]))
        pairs, first = [], 0
        for batch in batches:  # pairs are scored on the batch's own hidden states
            spans = window_spans[first : first + len(batch.windows)]
            first += len(batch.windows)
            scored = self._score_pairs(batch.windows, spans, states, batch.hidden)
            if scored is not None:
                pairs.append(scored)
        return _DecodedRound(windows, pairs)

    def _score_pairs(self, windows, window_spans, states, hidden) -> _ScoredPairs | None:
        """Pair the spans that share a window and launch the relation scorer on the pairs."""
        lead = len(self.special.prefix)
        span_rows, keys, pairs, centrality = [], [], [], []
        pairable = self.allowed.any(-1)  # (K, K): may a head of type h pair with a tail of type t
        for i, (w, spans) in enumerate(zip(windows, window_spans, strict=True)):
            base = len(span_rows)
            for span in spans:
                span_rows.append((i, span.first + lead, span.last + lead, span.type_index))
                keys.append(self._key(states[w.doc_index], w.start, span))
            if len(spans) < 2:
                continue
            types, first, last = (
                np.array(v)
                for v in zip(*((s.type_index, s.first, s.last) for s in spans), strict=True)
            )
            kept = np.array([k is not None for k in keys[base:]])
            ok = pairable[types[:, None], types[None, :]] & kept[:, None] & kept[None, :]
            np.fill_diagonal(ok, False)
            heads, tails = np.nonzero(ok)
            # How far the pair lies from the window's edges: the most central window's score wins.
            edge = np.minimum(
                np.minimum(first[heads], first[tails]),
                w.end - w.start - 1 - np.maximum(last[heads], last[tails]),
            )
            pairs += zip((heads + base).tolist(), (tails + base).tolist(), strict=True)
            centrality += edge.tolist()
        if not pairs:
            return None
        pair_array = np.array(pairs)
        span_array = np.array(span_rows)
        with torch.inference_mode():
            logits = self.model.score_pairs(
                hidden, self._to_device(span_array), self._to_device(pair_array)
            )
            scores = _HostCopy.start(torch.sigmoid(logits.float()))
        types = span_array[:, 3]
        allowed = self.allowed[types[pair_array[:, 0]], types[pair_array[:, 1]]]
        doc_of_row = [windows[row[0]].doc_index for row in span_rows]
        return _ScoredPairs(pairs, centrality, keys, doc_of_row, allowed, scores)

    def _collect(self, scored: _ScoredPairs, states: list[_DocState]) -> None:
        """Keep, per document and (relation, head, tail), the score of the most central window."""
        pair_at, relation_at = np.nonzero(scored.allowed)
        scores = scored.scores.numpy()[pair_at, relation_at]
        # Plain lists: the loop is the one per-pair Python work left, a dictionary update.
        for p, r, score in zip(
            pair_at.tolist(), relation_at.tolist(), scores.tolist(), strict=True
        ):
            h, t = scored.pairs[p]
            edge = scored.centrality[p]
            pair_scores = states[scored.doc_of_row[h]].pair_scores
            key = (r, scored.keys[h], scored.keys[t])
            if key not in pair_scores or pair_scores[key][0] < edge:
                pair_scores[key] = (edge, score)

    def _key(self, state: _DocState, token_base: int, span: TokenSpan) -> SpanKey | None:
        tokens = (span.type_index, token_base + span.first, token_base + span.last)
        if tokens not in state.keys:
            state.keys[tokens] = self._compute_key(state, *tokens)
        return state.keys[tokens]

    def _compute_key(
        self, state: _DocState, type_index: int, first: int, last: int
    ) -> SpanKey | None:
        label = self.schema.span_types[type_index]
        start, end = state.tokens.offsets[first, 0], state.tokens.offsets[last, 1]
        if self.trim:
            trimmed = trim_span(state.text, int(start), int(end), label)
            if trimmed is None:
                return None
            start, end = trimmed
        if self.snap and label in SNAP_CANDIDATES:
            if label not in state.regions:
                state.regions[label] = SNAP_CANDIDATES[label](state.text)
            snapped = snap_span(start, end, state.regions[label], label in SNAP_REQUIRED)
            if snapped is None:
                return None
            start, end = snapped
        return (type_index, int(start), int(end))

    def _finish(self, state: _DocState) -> Document:
        spans: dict[SpanKey, Span] = {}
        found = spans_from_tags(state.tags, state.log_probs)
        candidates = [(key, ts) for ts in found if (key := self._key(state, 0, ts)) is not None]
        for key, token_span in _without_overlaps(candidates):
            label = self.schema.span_types[key[0]]
            span = Span(
                label=label,
                start=key[1],
                end=key[2],
                text=state.text[key[1] : key[2]],
                score=token_span.score,
            )
            if label == "CASUALTY":
                span.attrs = casualty_attributes(state.text, span.start, span.end)
            spans[key] = span
        return Document(
            text=state.text,
            spans=sorted(spans.values(), key=lambda s: s.start),
            relations=self._relations(state, spans),
            annotated=Annotated.full(self.schema),
        )

    def _relations(self, state: _DocState, spans: dict[SpanKey, Span]) -> list[Relation]:
        threshold = self.model.config.relation_threshold
        best: dict[tuple, Relation] = {}
        for (r, head_key, tail_key), (_, score) in state.pair_scores.items():
            if score < threshold or head_key not in spans or tail_key not in spans:
                continue
            name = self.schema.relation_types[r].name
            relation = Relation(name, spans[head_key], spans[tail_key], score)
            slot = (r, head_key) if self.model.config.one_tail_per_head else (r, head_key, tail_key)
            if slot not in best or best[slot].score < score:
                best[slot] = relation
        return sorted(best.values(), key=lambda rel: (rel.head.start, rel.tail.start, rel.label))

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(array)
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)


def _stacked(blocks: list[np.ndarray]) -> np.ndarray:
    """Per-batch (windows, positions, K, 3) log-probs as one array, shorter batches zero-padded
    (`_decode` masks every position past a window's end)."""
    if len(blocks) == 1:
        return blocks[0]
    stacked = np.zeros(
        (sum(len(b) for b in blocks), max(b.shape[1] for b in blocks), *blocks[0].shape[2:]),
        dtype=blocks[0].dtype,
    )
    row = 0
    for block in blocks:
        stacked[row : row + len(block), : block.shape[1]] = block
        row += len(block)
    return stacked


def _without_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Of same-type spans that overlap or repeat, the likeliest stays: snapping can stretch a span
    over its neighbour, and spans of one type never overlap."""
    kept: list[Candidate] = []
    for key, span in sorted(candidates, key=lambda item: item[0]):  # by type, then start
        if kept and kept[-1][0][0] == key[0] and key[1] < kept[-1][0][2]:
            if span.score > kept[-1][1].score:
                kept[-1] = (key, span)
            continue
        kept.append((key, span))
    return kept
