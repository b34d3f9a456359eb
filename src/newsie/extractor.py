"""`Extractor`: the user-facing class. Load a model folder, give it text, get Documents."""

from __future__ import annotations

import contextlib
import functools
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import torch

from newsie.data import Document
from newsie.inference import Predictor
from newsie.models import NewsieModel, load_model_folder, save_model_folder
from newsie.parallel import WorkerPool, task_chars
from newsie.quantization import quantize_model
from newsie.schema import LabelSchema

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


class Extractor:
    """Extracts ACTOR, CASUALTY, LOCATION and QUOTE spans and their relations from news text.

    >>> extractor = Extractor.from_pretrained("models/newsie-default")
    >>> doc = extractor("Rebels shelled Homs on Monday, killing 12 civilians.")
    >>> [(s.label, s.text) for s in doc.spans]

    `batch_size` counts encoder windows (of `max_length` tokens) per forward pass; windows of
    many documents share a batch. Left unset it suits the device: 32 on a GPU, and on a CPU as
    many as keep the encoder's largest activation under 16 MB
    (`newsie.inference.default_batch_size`). `quantize="int8"` (CPU only) runs the linear layers
    in int8: faster, slightly less exact; see `newsie.quantization`. `pipe(texts, n_process=N)`
    runs N worker processes, each with its own copy of the model: for a GPU whose pace is set by
    the host's Python (`newsie.parallel`). Constructing an Extractor changes nothing outside it;
    on a CPU, `newsie.allocator.keep_freed_memory()` is a process-wide speed-up to opt in to.
    """

    def __init__(
        self,
        model: NewsieModel,
        tokenizer,
        *,
        device: str | torch.device = "auto",
        batch_size: int | None = None,
        dtype: str | torch.dtype | None = None,
        max_length: int | None = None,
        stride: int | None = None,
        quantize: str | None = None,
    ) -> None:
        self.device = _resolve_device(device)
        self.dtype = _resolve_dtype(dtype, self.device)
        self.model = model.to(self.device, dtype=self.dtype).eval()
        self.quantize = quantize
        if quantize is not None:
            self.model = quantize_model(self.model, quantize)
        self.tokenizer = tokenizer
        self._settings = {"max_length": max_length, "stride": stride}
        self._predictor = self._make_predictor(batch_size)
        self.batch_size = self._predictor.batch_size
        self.source: Path | None = None  # the model folder, when loaded from one
        # Worker processes by (n_process, batch_size), kept for the next pipe call. Reentrant:
        # a pipe left unread may be finalized, and check its pool in, while this thread holds it.
        self._pools: dict[tuple[int, int], WorkerPool] = {}
        self._pools_lock = threading.RLock()

    @classmethod
    def from_pretrained(cls, path: str | Path, **settings) -> Extractor:
        """Load a model folder saved by training (safetensors weights, tokenizer, schema);
        `settings` are the constructor's keyword arguments (device, batch_size, dtype, ...)."""
        model, tokenizer = load_model_folder(path)
        extractor = cls(model, tokenizer, **settings)
        extractor.source = Path(path).resolve()
        return extractor

    @property
    def schema(self) -> LabelSchema:
        return self.model.config.label_schema

    def __call__(self, text: str) -> Document:
        if not isinstance(text, str):
            hint = (
                "decode it first: extractor(data.decode('utf-8'))"
                if isinstance(text, (bytes, bytearray))
                else "for many texts, use extractor.pipe(texts)"
            )
            raise TypeError(f"Extractor expects one text, a str; got {type(text).__name__}: {hint}")
        return next(self._predictor.predict([text]))

    def pipe(
        self, texts: Iterable[str], batch_size: int | None = None, n_process: int = 1
    ) -> Iterator[Document]:
        """Stream Documents for many texts in input order; memory does not grow with their count.

        `n_process` > 1 extracts in that many worker processes, each loading its own copy of the
        model on this Extractor's device (see `newsie.parallel`); spans and relations are the
        same, scores may differ in the last digit (the workers run torch on fewer threads). The
        workers start when the first Document is asked for, and stay up for the next call with
        the same `n_process` and `batch_size` until `close()`. Calls in several threads may run
        at once, each with its own settings.
        """
        if isinstance(texts, (str, bytes, bytearray, Mapping)):
            raise TypeError(
                "pipe expects an iterable of texts, such as a list of str; got a "
                f"{type(texts).__name__}, which it would take item by item (a str one character "
                "a document): pass a list of texts, or call the extractor on one text"
            )
        if not isinstance(n_process, int) or n_process < 1:
            raise ValueError(f"n_process must be a whole number of at least 1, got {n_process!r}")
        predictor = (
            self._predictor
            if batch_size in (None, self.batch_size)
            else self._make_predictor(batch_size)
        )
        if n_process == 1:
            return predictor.predict(texts)
        if self.quantize is not None and self.source is None:
            raise ValueError(
                f"n_process > 1 with a {self.quantize}-quantized model: the workers quantize "
                "the float model from its folder, and this Extractor has none; load it with "
                f"Extractor.from_pretrained(path, quantize={self.quantize!r})"
            )
        return self._pipe_in_workers(texts, predictor, n_process)

    def close(self) -> None:
        """Stop the worker processes that `pipe(..., n_process=N)` started, if any, once their
        current tasks are done; a pipe still reading from them gets an error."""
        self._close_pools(terminate=False)

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        # Left by an exception (or the signal of `newsie extract`): no one will read what the
        # workers are extracting now, so they stop at once.
        self._close_pools(terminate=exc_type is not None)

    def _close_pools(self, terminate: bool) -> None:
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close(terminate=terminate)

    def _pipe_in_workers(
        self, texts: Iterable[str], predictor: Predictor, n_process: int
    ) -> Iterator[Document]:
        pool = self._check_out_pool(predictor.batch_size, n_process)
        try:
            yield from pool.pipe(texts, chunk_chars=task_chars(predictor))
        finally:
            with self._pools_lock:
                pool.readers -= 1

    def _check_out_pool(self, batch_size: int, n_process: int) -> WorkerPool:
        """The started pool for these settings, counted as read from (`readers`) until the
        caller's pipe ends. One pool per setting, so that pipes in several threads do not stop
        each other's workers; a pool no pipe reads from is stopped when other settings are asked
        for, as each of its workers holds a copy of the model."""
        key = (n_process, batch_size)
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None or pool.broken:
                for other_key, other in list(self._pools.items()):
                    if other.readers == 0 or other.broken:
                        other.close()
                        del self._pools[other_key]
                pool = self._pools[key] = self._start_pool(batch_size, n_process)
            pool.readers += 1
            return pool

    def _start_pool(self, batch_size: int, n_process: int) -> WorkerPool:
        with contextlib.ExitStack() as stack:
            # The workers load this Extractor's model as it is now, changes made in memory
            # included; a quantized one cannot be saved, so they quantize its float folder.
            if self.quantize is None:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="newsie-model-"))
                source = self.save_pretrained(folder)
            else:
                source = self.source
            load = functools.partial(
                Extractor.from_pretrained,
                source,
                device=str(self.device),
                dtype=self.dtype,
                batch_size=batch_size,
                quantize=self.quantize,
                **self._settings,
            )
            return WorkerPool(load, n_process)

    def save_pretrained(self, path: str | Path) -> Path:
        if self.quantize is not None:
            raise ValueError(
                f"this Extractor is {self.quantize}-quantized and cannot be saved: save the float "
                f"model and quantize on loading, from_pretrained(path, quantize={self.quantize!r})"
            )
        return save_model_folder(self.model, self.tokenizer, path)

    def _make_predictor(self, batch_size: int | None) -> Predictor:
        return Predictor(
            self.model, self.tokenizer, device=self.device, batch_size=batch_size, **self._settings
        )


def _resolve_device(device: str | torch.device) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device='cuda' was asked for but torch sees no CUDA GPU; use 'cpu' or 'auto'"
        )
    return device


def _resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    if dtype is None:
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in _DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(_DTYPES)}")
    return _DTYPES[dtype]
