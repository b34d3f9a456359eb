"""`Predictor`: texts in, Documents out — the scheduler and post-processing run together.

    texts -> chunks of about `chunk_chars` characters
          -> WindowScheduler.prepare(chunk)       (tokenize: in a thread, one chunk ahead)
          -> WindowScheduler.run_prepared(...)    (batch windows, run the model)
          -> postprocess(outputs, ...)            (text rules, spans, relations -> Document)

Used by `newsie.Extractor`, the worker processes (`newsie.parallel`) and evaluation during
training. Memory is bounded by the chunk and the batch, not by how many texts stream through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from newsie.data import Document
from newsie.inference.postprocessing import PostprocessSettings, postprocess
from newsie.inference.scheduler import WindowScheduler
from newsie.models.modeling import NewsieModel

DEFAULT_CHUNK_CHARS = 1_000_000  # texts tokenized together: one call of the fast tokenizer


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


class Predictor:
    """Runs a `NewsieModel` over texts; see `newsie.Extractor` for the user-facing class.

    `scheduler` is the model side's own object, for callers that run a stage alone (a benchmark
    replaying model outputs, another runtime filling in `DocumentOutputs`); the post-processing
    settings are read from the model's config when a `predict` call starts, so a change made to
    the config in memory takes effect.
    """

    def __init__(
        self,
        model: NewsieModel,
        tokenizer,
        *,
        chunk_chars: int = DEFAULT_CHUNK_CHARS,
        **scheduler_options,
    ) -> None:
        """`scheduler_options`: `WindowScheduler`'s keyword arguments (device, batch_size,
        max_length, stride)."""
        self.scheduler = WindowScheduler(model, tokenizer, **scheduler_options)
        self.chunk_chars = chunk_chars

    @property
    def batch_size(self) -> int:
        return self.scheduler.batch_size

    def predict(self, texts: Iterable[str]) -> Iterator[Document]:
        """Yield one Document per text, in input order."""
        config = self.scheduler.model.config
        schema, settings = config.label_schema, PostprocessSettings.from_config(config)
        for documents in self._prepared_chunks(texts):
            for outputs in self.scheduler.run_prepared(documents):
                yield postprocess(outputs, schema, settings)

    def _prepared_chunks(self, texts: Iterable[str]) -> Iterator[list]:
        """The chunks, tokenized; the next one's tokenization runs in a thread while the model
        works on this one (the fast tokenizer releases the GIL)."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsie-tokenize") as thread:
            pending = None
            for chunk in text_chunks(texts, self.chunk_chars):
                prepared = thread.submit(self.scheduler.prepare, chunk)
                if pending is not None:
                    yield pending.result()
                pending = prepared
            if pending is not None:
                yield pending.result()
