"""tokenizer (--profile): the fast tokenizer alone over the documents, called as newsie calls it.

One batch call per chunk of `Predictor`'s default chunk size, no special tokens, with character
offsets. The Rust tokenizer spreads a batch call over the CPU's cores. `newsie-host` /
`tokenizer` says how much work newsie's host side adds to the one step it cannot leave out.
"""

from __future__ import annotations

from transformers import AutoTokenizer

from newsie.benchmarks.harness import Job, time_on_corpus
from newsie.inference.predictor import DEFAULT_CHUNK_CHARS, text_chunks


def tokenize_all(tokenizer, texts: list[str]) -> dict:
    tokens = 0
    for chunk in text_chunks(texts, DEFAULT_CHUNK_CHARS):
        encoded = tokenizer(
            chunk, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        tokens += sum(len(ids) for ids in encoded["input_ids"])
    return {"tokens_seen": tokens}


def time_tokenizer(job: Job) -> dict:
    tokenizer = AutoTokenizer.from_pretrained(job.model_dir)
    return time_on_corpus(job, lambda texts: tokenize_all(tokenizer, texts))
