"""newsie's rows: the Extractor as a user runs it.

    newsie          Extractor.pipe: windows, encoder + heads, Viterbi, spans, relations,
                    Documents; then, in the same process right after, the extractor's own encoder
                    alone over the same windows (own_encoder_s: a ceiling that a slow spell of a
                    shared machine moves together with newsie's time, unlike the encoder row's)
    newsie-int8     the same with int8 linear layers (CPU only; newsie.quantization)
    newsie-workers  with --n-process N: Extractor.pipe(n_process=N), the workers started by the
                    warm-up (peak RSS: the parent's; worker_peak_rss_mb: the largest worker's)
    newsie-1mb      one generated document of 1 MB through `extractor(text)` (--memory-1mb):
                    its peak RSS, and the peak right after loading

Each reports the spans and relations it found. On a CPU every row runs under the glibc allocator
settings of `newsie.allocator`, applied here rather than left to the library, so that the
measured configuration is the same whichever way the library goes.
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterable
from pathlib import Path

from newsie.allocator import keep_freed_memory
from newsie.benchmarks.encoder_rows import forward_windows, window_batches
from newsie.benchmarks.harness import Job, peak_rss_mb, time_inference, time_on_corpus
from newsie.data import Document
from newsie.extractor import Extractor


def load_extractor(job: Job, quantize: str | None = None) -> Extractor:
    """The job's Extractor, with the settings every system shares."""
    if job.device == "cpu":
        keep_freed_memory()  # see the module's doc
    return Extractor.from_pretrained(
        job.model_dir,
        device=job.device,
        dtype=job.dtype,
        batch_size=job.batch_size,
        max_length=job.max_length,
        stride=job.stride,
        quantize=quantize,
    )


def count_predictions(documents: Iterable[Document]) -> dict:
    spans = relations = 0
    for doc in documents:
        spans += len(doc.spans)
        relations += len(doc.relations)
    return {"spans": spans, "relations": relations}


def counting(pipe: Callable[[list[str]], Iterable[Document]]) -> Callable[[list[str]], dict]:
    """`pipe` run to its end, reporting how many spans and relations it found."""
    return lambda texts: count_predictions(pipe(texts))


def time_newsie(job: Job, quantize: str | None) -> dict:
    """Times `Extractor.pipe`, then its own encoder alone over the same windows."""
    extractor = load_extractor(job, quantize)
    result = time_on_corpus(job, counting(extractor.pipe))
    batches = window_batches(extractor.tokenizer, job.texts, job, job.max_length)
    own = time_inference(
        job, lambda chosen: forward_windows(extractor.model.encoder, chosen, job), [], batches
    )
    return {**result, "own_encoder_s": own["seconds"]}


def time_newsie_workers(job: Job) -> dict:
    """`Extractor.pipe(n_process=N)`; the warm-up call starts the workers (each loads the model),
    as the first call of a long extraction does once."""
    with load_extractor(job) as extractor:
        result = time_on_corpus(
            job, counting(lambda texts: extractor.pipe(texts, n_process=job.n_process))
        )
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {**result, "worker_peak_rss_mb": workers / 2**10}


def time_one_megabyte_document(job: Job) -> dict:
    extractor = load_extractor(job)
    loaded_rss = peak_rss_mb()
    text = (Path(job.workspace) / "one-megabyte.txt").read_text(encoding="utf-8")
    result = time_inference(job, counting(lambda one: [extractor(one)]), text[:5000], text)
    return {**result, "bytes": len(text.encode("utf-8")), "peak_rss_after_load_mb": loaded_rss}
