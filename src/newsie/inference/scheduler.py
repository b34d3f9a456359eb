"""Batching windows and running the model: texts in, one `DocumentOutputs` per text out.

    WindowScheduler(model, tokenizer, ...).prepare(texts) -> documents   (tokenize: any thread)
    WindowScheduler(model, tokenizer, ...).run(texts) -> Iterator[DocumentOutputs]

One tokenizer call for the texts -> windows of all of them, sorted by length and batched -> for
each batch, three stages that overlap as a pipeline:

1. `encode`: the encoder (on a GPU this returns at once);
2. `tabulate`: everything per token, on the model's device (`newsie.inference.window_tables`:
   tags, spans, pairs and their relation scores); what comes back to the host is a few compact
   tables, copied behind the device's work. It waits for the batch's encoder: how many spans
   the tags hold sizes the pairs;
3. `collect`: those tables, put into their documents' outputs in document token positions.

The host collects batch j-1, and post-processes the documents it completes, while the device
encodes batch j. Outputs are the same whatever the batch size. A document is yielded (in input
order) once its last window is collected. Nothing here applies a text rule: that is
`newsie.inference.postprocessing`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np
import torch

from newsie.inference.outputs import DocumentOutputs
from newsie.inference.window_tables import WindowTables, window_tables
from newsie.models.modeling import NewsieModel
from newsie.windows import (
    SHAPE_PAD,
    DocTokens,
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


def default_batch_size(encoder_config, max_length: int, device: torch.device) -> int:
    """Windows per forward pass when the user names none: see CPU_ACTIVATION_BYTES."""
    if device.type != "cpu":
        return GPU_BATCH_SIZE
    width = getattr(encoder_config, "intermediate_size", None) or 4 * encoder_config.hidden_size
    return max(1, CPU_ACTIVATION_BYTES // (max_length * width * 4))


@dataclass
class PreparedDocument:
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
class EncodedBatch:
    """A batch whose encoder has been launched."""

    windows: list[Window]
    hidden: torch.Tensor
    extents: torch.Tensor  # (N, 3): content length, first and end of the owned positions


@dataclass
class TabulatedBatch:
    """A batch whose tables are computed, or on their way, on the model's device."""

    windows: list[Window]
    tables: dict[str, _HostCopy]  # WindowTables' fields


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
        self.pairable = model.allowed_relations.any(-1)  # (K, K): may type h head type t

    def run(self, texts: list[str]) -> Iterator[DocumentOutputs]:
        """One DocumentOutputs per text, in input order; memory is bounded by `texts`."""
        return self.run_prepared(self.prepare(texts))

    def prepare(self, texts: list[str]) -> list[PreparedDocument]:
        """Tokenize the texts (one call of the fast tokenizer, which releases the GIL: this may
        run in another thread while the model works on earlier texts)."""
        use_casing = self.model.config.use_casing
        return [
            PreparedDocument(
                tokens,
                token_shapes(text, tokens.offsets) if use_casing else None,
                DocumentOutputs(text, tokens.offsets),
            )
            for text, tokens in zip(texts, tokenize(self.tokenizer, texts), strict=True)
        ]

    def run_prepared(self, documents: list[PreparedDocument]) -> Iterator[DocumentOutputs]:
        """`run` on documents that `prepare` made."""
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

    def _pipeline(self, windows: list[Window], documents: list[PreparedDocument]) -> Iterator:
        """Encode batch j, collect batch j-1, tabulate batch j; yields each batch's windows once
        collected (the caller post-processes the documents they complete while batch j runs)."""
        tabulated: TabulatedBatch | None = None
        for first in range(0, len(windows), self.batch_size):
            encoded = self.encode(windows[first : first + self.batch_size], documents)
            if tabulated is not None:
                self.collect(tabulated, documents)
                yield tabulated.windows
            tabulated = self.tabulate(encoded)
        if tabulated is not None:
            self.collect(tabulated, documents)
            yield tabulated.windows

    def encode(self, windows: list[Window], documents: list[PreparedDocument]) -> EncodedBatch:
        """Launch the encoder on a batch of windows; on a GPU this returns at once."""
        special = self.special
        lead = len(special.prefix)
        rows = [window_input(documents[w.doc_index].tokens.ids, w, special) for w in windows]
        width = max(len(r) for r in rows)
        # input ids, attention mask, token shapes; then per window its length and owned tokens
        inputs = np.zeros((3, len(rows), width), dtype=np.int64)
        inputs[0] = special.pad_id
        inputs[2] = SHAPE_PAD
        extents = np.zeros((len(rows), 3), dtype=np.int64)
        for i, (row, w) in enumerate(zip(rows, windows, strict=True)):
            inputs[0, i, : len(row)] = row
            inputs[1, i, : len(row)] = 1
            shapes = documents[w.doc_index].shapes
            if shapes is not None:
                inputs[2, i, lead : lead + w.end - w.start] = shapes[w.start : w.end]
            extents[i] = (w.end - w.start, w.own_start - w.start, w.own_end - w.start)
        input_ids, attention, shapes = self._to_device(inputs)
        with torch.inference_mode():
            hidden = self.model.encode(
                input_ids, attention, shapes if self.model.config.use_casing else None
            )
        return EncodedBatch(windows, hidden, self._to_device(extents))

    def tabulate(self, encoded: EncodedBatch) -> TabulatedBatch:
        """Run `window_tables` on an encoded batch and start copying the tables to the host."""
        extents = encoded.extents
        with torch.inference_mode():
            tables = window_tables(
                self.model,
                encoded.hidden,
                extents[:, 0],
                extents[:, 1:],
                len(self.special.prefix),
                self.pairable,
            )
        copies = {f.name: _HostCopy.start(getattr(tables, f.name)) for f in fields(tables)}
        return TabulatedBatch(encoded.windows, copies)

    def collect(self, tabulated: TabulatedBatch, documents: list[PreparedDocument]) -> None:
        """Put a batch's tables into its documents' outputs, in document token positions."""
        tables = WindowTables(**{name: copy.numpy() for name, copy in tabulated.tables.items()})
        windows = tabulated.windows
        start = np.array([w.start for w in windows])
        window, type_index = tables.spans[:, 0], tables.spans[:, 1]
        offset = start[window]
        span_key = np.stack(
            [type_index, tables.spans[:, 2] + offset, tables.spans[:, 3] + offset], 1
        )
        rows = tables.pieces[:, 0]
        pieces = tables.pieces.copy()
        pieces[:, 0] = type_index[rows]
        pieces[:, 1:3] += offset[rows][:, None]
        heads, tails = tables.pairs[:, 0], tables.pairs[:, 1]
        pairs = np.concatenate(
            [tables.pairs[:, 2:3], span_key[heads], span_key[tails], tables.pairs[:, 3:4]], 1
        )
        # Rows are ordered by window: each window's rows are one slice.
        piece_at = np.searchsorted(window[rows], np.arange(len(windows) + 1))
        pair_at = np.searchsorted(window[heads], np.arange(len(windows) + 1))
        for i, w in enumerate(windows):
            outputs = documents[w.doc_index].outputs
            if piece_at[i] < piece_at[i + 1]:
                part = slice(piece_at[i], piece_at[i + 1])
                outputs.add_pieces(pieces[part], tables.piece_log_probs[part])
            if pair_at[i] < pair_at[i + 1]:
                part = slice(pair_at[i], pair_at[i + 1])
                outputs.add_pairs(pairs[part], tables.pair_scores[part])

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(array)
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)
