"""glibc malloc settings (`newsie.allocator`): applied once per process, so each case runs in a
fresh Python; glibc's mallinfo2 tells whether a freed 8 MiB block stayed in the heap."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from unittest import mock

import pytest

from newsie.extractor import Extractor

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the settings exist in glibc only"
)

PROBE = """
import ctypes
import numpy
from newsie.allocator import keep_freed_memory

class MallocInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallocInfo
applied = keep_freed_memory()
block = numpy.ones(2**20)  # 8 MiB: from a mapping of its own by default, from the heap if applied
del block
print(applied, mallinfo2().keepcost >= 2**23)
"""


def probe(**environment: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "NEWSIE_"))}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **environment},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_freed_memory_is_kept_in_the_heap():
    assert probe() == "True True"


@pytest.mark.parametrize("environment", [{"NEWSIE_KEEP_FREED_MEMORY": "0"},
                                         {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_an_opt_out_or_the_processs_own_settings_leave_malloc_alone(environment):
    assert probe(**environment) == "False False"


def test_a_cpu_extractor_applies_the_settings(tiny_model):
    model, tokenizer = tiny_model
    with mock.patch("newsie.extractor.keep_freed_memory") as keep:
        Extractor(model, tokenizer, device="cpu")
    keep.assert_called_once_with()
