"""glibc malloc settings for CPU inference: keep freed memory in the process for the next batch.

By default glibc hands the top of its heap back to the system as soon as enough of it is free,
and serves large blocks from fresh memory mappings. An encoder frees and allocates again
megabytes of activations in every layer of every forward pass, and newsie's own arrays share the
heap with them, so each pass page-faults its working memory in anew. With the two settings below
(blocks under 32 MiB from the heap, never trimmed; as glibc's MALLOC_MMAP_THRESHOLD_=33554432
MALLOC_TRIM_THRESHOLD_=8000000000 would) the page faults mostly go and CPU extraction runs faster;
the measured effect is in `docs/performance.md`.

The price: memory freed stays with the process (and is reused by it) instead of going back to
the system, so resident memory does not shrink after a peak. The settings are process-wide, so
the library never applies them on its own: a program opts in by calling `keep_freed_memory()`
(the `newsie extract` command and the benchmark do on CPU, and so do the worker processes of
`Extractor.pipe(n_process=N)` when their parent has). NEWSIE_KEEP_FREED_MEMORY=0, or glibc's own
MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ in the environment, leaves malloc alone.
Elsewhere than glibc (macOS, Windows, musl) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import platform

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h
MMAP_THRESHOLD = 32 * 2**20  # blocks this large still get mappings of their own (glibc's most)
NEVER_TRIM = -1  # M_TRIM_THRESHOLD's value for "keep the free top of the heap"
OPT_OUT = "NEWSIE_KEEP_FREED_MEMORY"


_in_force: bool | None = None  # None: no one has asked for the settings in this process


def keep_freed_memory() -> bool:
    """Apply the settings once per process; whether they are in force (see the module's doc)."""
    global _in_force
    if _in_force is None:
        _in_force = _apply()
    return _in_force


def keeps_freed_memory() -> bool:
    """Whether this process opted in and the settings are in force."""
    return bool(_in_force)


def _apply() -> bool:
    if os.environ.get(OPT_OUT, "1") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False  # the process chose its own allocator settings
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, NEVER_TRIM)
    )
