"""Batching windows and running the model: texts in, one `DocumentOutputs` per text out.

    WindowScheduler(model, tokenizer, ...).run(texts) -> Iterator[DocumentOutputs]

One tokenizer call for the texts -> windows of all of them, sorted by length and batched -> for
each batch, three stages that overlap as a pipeline:

1. `launch`: the encoder and the tagger (on a GPU this returns at once);
2. `decode`: Viterbi over the round's windows; each document token takes its tags from the window
   that owns it; the spans of each window are paired and the relation scorer launched on them;
3. `collect`: the relation scores, kept per document and pair from the most central window.

While the device runs round j, the host decodes round j-1 and collects round j-2, so on a GPU the
host work hides behind the encoder's; on a CPU the stages run in turn. Outputs are the same
whatever the batch size. A document is yielded (in input order) once its last window is collected.
Nothing here applies a text rule: that is `newsie.inference.postprocessing`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from newsie.inference.outputs import DocumentOutputs
from newsie.inference.tags import TokenSpan, spans_from_tags
from newsie.inference.viterbi import NEG_INF, viterbi_bio
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

GPU_BATCH_SIZE = 32
# On CPU the batch is sized so that the encoder's largest activation (windows x length x the
# feed-forward width, float32) stays under 16 MB. glibc's malloc serves such blocks from memory it
# keeps; larger ones are fresh mappings that page-fault on first touch, batch after batch
# (measurements in `docs/performance.md`).
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


@dataclass
class _Document:
    """One document on its way through the model: its tokens and the outputs filled in so far."""

    tokens: DocTokens
    shapes: np.ndarray | None
    outputs: DocumentOutputs


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
class TaggedBatch:
    """A batch whose encoder and tagger have been launched."""

    windows: list[Window]
    hidden: torch.Tensor
    log_probs: _HostCopy  # (windows, content length, K, 3)


@dataclass
class ScoredPairs:
    """The span pairs of a batch, whose relation scores are on their way."""

    pairs: list[tuple[int, int]]  # (head, tail) rows of `spans`
    centrality: list[int]  # per pair: its distance from the window's edges
    spans: list[tuple[int, tuple[int, int, int]]]  # per span row: (document, its TokenKey)
    allowed: np.ndarray  # (P, R): which relations the pair's types allow
    scores: _HostCopy  # (P, R) probabilities


@dataclass
class DecodedRound:
    """Batches whose tags are in their documents' outputs; relation scores may be on their way."""

    windows: list[Window]
    pairs: list[ScoredPairs]  # one per batch that has span pairs


class WindowScheduler:
    """Runs a `NewsieModel` over texts, window batch by window batch; see the module docstring."""

    def __init__(
        self,
        model: NewsieModel,
        tokenizer,
        *,
        device: torch.device | str = "cpu",
        batch_size: int | None = None,
        max_length: int | None = None,
        stride: int | None = None,
    ) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.device = torch.device(device)
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
        self.n_types = len(config.label_schema.span_types)
        self.allowed = model.allowed_relations.cpu().numpy()  # (K, K, R)
        self.pairable = self.allowed.any(-1)  # (K, K): may a head of type h pair with a tail of t

    def run(self, texts: list[str]) -> Iterator[DocumentOutputs]:
        """One DocumentOutputs per text, in input order; memory is bounded by `texts`."""
        documents = self._documents(texts)
        windows = [
            w
            for i, d in enumerate(documents)
            if len(d.tokens)
            for w in make_windows(len(d.tokens), self.content_length, self.stride, i)
        ]
        # Short windows (documents' last windows) first; Python's sort is stable, so the long
        # ones that follow keep document order and documents complete one after another.
        windows.sort(key=lambda w: w.end - w.start)
        self.model.eval()
        unfinished = Counter(w.doc_index for w in windows)
        done: set[int] = set()
        next_index = 0
        for finished in self._pipeline(windows, documents):
            for w in finished:
                unfinished[w.doc_index] -= 1
                if not unfinished[w.doc_index]:
                    done.add(w.doc_index)
            while next_index < len(documents) and (
                next_index in done or next_index not in unfinished
            ):
                yield documents[next_index].outputs
                next_index += 1
        for document in documents[next_index:]:
            yield document.outputs

    def _documents(self, texts: list[str]) -> list[_Document]:
        use_casing = self.model.config.use_casing
        return [
            _Document(
                tokens,
                token_shapes(text, tokens.offsets) if use_casing else None,
                DocumentOutputs.empty(text, tokens.offsets, self.n_types),
            )
            for text, tokens in zip(texts, tokenize(self.tokenizer, texts), strict=True)
        ]

    def _pipeline(self, windows: list[Window], documents: list[_Document]) -> Iterator[list]:
        """Run the three stages; yields each round's windows once they are fully collected."""
        batches = [
            windows[i : i + self.batch_size] for i in range(0, len(windows), self.batch_size)
        ]
        per_round = -(-DECODE_WINDOWS // self.batch_size)
        rounds = [batches[i : i + per_round] for i in range(0, len(batches), per_round)]
        tagged: list[TaggedBatch] | None = None
        decoded: DecodedRound | None = None
        for batch_round in [*rounds, None, None]:  # two empty rounds drain the pipeline
            launched = (
                [self.launch(batch, documents) for batch in batch_round]
                if batch_round is not None
                else None
            )
            next_decoded = self.decode(tagged, documents) if tagged is not None else None
            if decoded is not None:
                for scored in decoded.pairs:
                    self.collect(scored, documents)
                yield decoded.windows
            tagged, decoded = launched, next_decoded

    def launch(self, windows: list[Window], documents: list[_Document]) -> TaggedBatch:
        """Start the encoder and tagger on a batch of windows; on a GPU this returns at once."""
        special = self.special
        rows = [window_input(documents[w.doc_index].tokens.ids, w, special) for w in windows]
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), special.pad_id, dtype=np.int64)
        attention = np.zeros((len(rows), width), dtype=np.int64)
        shapes = np.full((len(rows), width), SHAPE_PAD, dtype=np.int64)
        lead = len(special.prefix)
        for i, (row, w) in enumerate(zip(rows, windows, strict=True)):
            input_ids[i, : len(row)] = row
            attention[i, : len(row)] = 1
            if documents[w.doc_index].shapes is not None:
                shapes[i, lead : lead + w.end - w.start] = documents[w.doc_index].shapes[
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
        return TaggedBatch(windows, hidden, log_probs)

    def decode(self, batches: list[TaggedBatch], documents: list[_Document]) -> DecodedRound:
        """Viterbi over a round's tags, into its documents' outputs; launches relation scoring."""
        windows = [w for batch in batches for w in batch.windows]
        log_probs = _stacked([batch.log_probs.numpy() for batch in batches])
        lengths = np.array([w.end - w.start for w in windows])
        padding = np.arange(log_probs.shape[1])[None, :] >= lengths[:, None]
        log_probs[padding] = NEG_INF
        log_probs[padding, :, O] = 0.0
        tags = viterbi_bio(log_probs)
        window_spans = []
        for i, w in enumerate(windows):
            outputs = documents[w.doc_index].outputs
            a, b = w.own_start - w.start, w.own_end - w.start
            outputs.tags[w.own_start : w.own_end] = tags[i, a:b]
            outputs.tag_log_probs[w.own_start : w.own_end] = log_probs[i, a:b]
            window_spans.append(spans_from_tags(tags[i, : lengths[i]], log_probs[i, : lengths[i]]))
        pairs, first = [], 0
        for batch in batches:  # pairs are scored on the batch's own hidden states
            spans = window_spans[first : first + len(batch.windows)]
            first += len(batch.windows)
            scored = self.score_pairs(batch.windows, spans, batch.hidden)
            if scored is not None:
                pairs.append(scored)
        return DecodedRound(windows, pairs)

    def score_pairs(
        self, windows: list[Window], window_spans: list[list[TokenSpan]], hidden: torch.Tensor
    ) -> ScoredPairs | None:
        """Pair the spans that share a window and launch the relation scorer on the pairs."""
        lead = len(self.special.prefix)
        span_rows, spans, pairs, centrality = [], [], [], []
        for i, (w, found) in enumerate(zip(windows, window_spans, strict=True)):
            base = len(span_rows)
            for span in found:
                span_rows.append((i, span.first + lead, span.last + lead, span.type_index))
                key = (span.type_index, w.start + span.first, w.start + span.last)
                spans.append((w.doc_index, key))
            heads, tails, edge = self._window_pairs(w, found)
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
        return ScoredPairs(pairs, centrality, spans, allowed, scores)

    def _window_pairs(self, window: Window, spans: list[TokenSpan]):
        """(heads, tails, centrality) of the pairs of a window's spans whose types may relate;
        centrality is how far the pair lies from the window's edges."""
        if len(spans) < 2:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        types, first, last = (
            np.array(v) for v in zip(*((s.type_index, s.first, s.last) for s in spans), strict=True)
        )
        ok = self.pairable[types[:, None], types[None, :]]
        np.fill_diagonal(ok, False)
        heads, tails = np.nonzero(ok)
        edge = np.minimum(
            np.minimum(first[heads], first[tails]),
            window.end - window.start - 1 - np.maximum(last[heads], last[tails]),
        )
        return heads, tails, edge

    def collect(self, scored: ScoredPairs, documents: list[_Document]) -> None:
        """Hand each allowed relation score to its document (`DocumentOutputs.add_pair_score`)."""
        pair_at, relation_at = np.nonzero(scored.allowed)
        scores = scored.scores.numpy()[pair_at, relation_at]
        # Plain lists: the loop is the one per-pair Python work left, a dictionary update.
        for p, r, score in zip(
            pair_at.tolist(), relation_at.tolist(), scores.tolist(), strict=True
        ):
            h, t = scored.pairs[p]
            doc_index, head = scored.spans[h]
            outputs = documents[doc_index].outputs
            outputs.add_pair_score((r, head, scored.spans[t][1]), scored.centrality[p], score)

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(array)
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)


def _stacked(blocks: list[np.ndarray]) -> np.ndarray:
    """Per-batch (windows, positions, K, 3) log-probs as one array, shorter batches zero-padded
    (`decode` masks every position past a window's end)."""
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
