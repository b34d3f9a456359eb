"""glibc malloc settings (`newsie.allocator`): applied once per process, so each case runs in a
fresh Python; glibc's mallinfo2 tells whether a freed 8 MiB block stayed in the heap. They are
opt-in: constructing an Extractor must leave malloc alone."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the settings exist in glibc only"
)

MALLINFO = """
import ctypes
import numpy

class MallocInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallocInfo

def freed_block_kept():
    block = numpy.ones(2**20)  # 8 MiB: a mapping of its own by default, from the heap if applied
    del block
    return mallinfo2().keepcost >= 2**23
"""
PROBE = MALLINFO + """
from newsie.allocator import keep_freed_memory, keeps_freed_memory
print(keeps_freed_memory(), keep_freed_memory(), keeps_freed_memory(), freed_block_kept())
"""


def probe(script: str = PROBE, **environment: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "NEWSIE_"))}
    done = subprocess.run([sys.executable, "-c", script], env={**clean, **environment},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_freed_memory_is_kept_in_the_heap_once_asked_for():
    assert probe() == "False True True True"


@pytest.mark.parametrize("environment", [{"NEWSIE_KEEP_FREED_MEMORY": "0"},
                                         {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_an_opt_out_or_the_processs_own_settings_leave_malloc_alone(environment):
    assert probe(**environment) == "False False False False"


def test_a_cpu_extractor_leaves_malloc_alone(tiny_model_dir):
    script = MALLINFO + f"""
from newsie import Extractor
from newsie.allocator import keeps_freed_memory
extractor = Extractor.from_pretrained({str(tiny_model_dir)!r}, device="cpu")
extractor("Rebels shelled Homs on Monday.")
print(keeps_freed_memory(), freed_block_kept())
"""
    assert probe(script) == "False False"
