"""encoder: `AutoModel`'s forward pass alone over exactly newsie's windows, the ceiling newsie
is held to.

Tokenization is timed apart, as tokenize_s, and left out of its rate. On a CPU it runs under the
glibc allocator settings newsie's rows run under (`newsie.allocator`), which the HF rows, as a
user would write them, do not get. newsie's rows time their own encoder the same way right after
`pipe`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from newsie.allocator import keep_freed_memory
from newsie.benchmarks.harness import Job, time_inference
from newsie.windows import SpecialTokens, make_windows, tokenize, window_input


def padded_batch(rows: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Token-id rows padded to the longest, with their attention mask."""
    input_ids = np.full((len(rows), max(len(row) for row in rows)), pad_id, dtype=np.int64)
    attention = np.zeros_like(input_ids)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = row
        attention[i, : len(row)] = 1
    return {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(attention)}


def window_batches(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], job: Job, limit: int
) -> list[dict[str, torch.Tensor]]:
    """newsie's windows (see newsie.inference.Predictor): sorted by length, batched, padded."""
    if not texts:  # --warmup 0; the tokenizer refuses an empty list
        return []
    special = SpecialTokens(tokenizer)
    content_length = min(job.max_length, limit) - special.count
    rows = sorted(
        (
            window_input(tokens.ids, window, special)
            for tokens in tokenize(tokenizer, texts)
            if len(tokens)
            for window in make_windows(len(tokens), content_length, job.stride)
        ),
        key=len,
    )
    return [
        padded_batch(rows[first : first + job.batch_size], special.pad_id)
        for first in range(0, len(rows), job.batch_size)
    ]


def forward_windows(
    encoder: torch.nn.Module, batches: list[dict[str, torch.Tensor]], job: Job
) -> dict:
    """The bare encoder's forward pass over `window_batches`."""
    with torch.inference_mode():
        for batch in batches:
            encoder(**{name: tensor.to(job.device) for name, tensor in batch.items()})
    return {"windows": sum(len(batch["input_ids"]) for batch in batches)}


def time_encoder(job: Job) -> dict:
    if job.device == "cpu":
        keep_freed_memory()  # the ceiling runs under the settings newsie's rows run under
    tokenizer = AutoTokenizer.from_pretrained(job.encoder_dir)
    model = AutoModel.from_pretrained(job.encoder_dir).to(job.device, dtype=job.torch_dtype).eval()
    limit = getattr(model.config, "max_position_embeddings", None) or job.max_length
    texts = job.texts
    start = time.perf_counter()
    batches = window_batches(tokenizer, texts, job, limit)
    tokenize_s = time.perf_counter() - start

    warmup = window_batches(tokenizer, texts[: job.warmup], job, limit)
    result = time_inference(
        job, lambda chosen: forward_windows(model, chosen, job), warmup, batches
    )
    return {**result, "tokenize_s": tokenize_s}
