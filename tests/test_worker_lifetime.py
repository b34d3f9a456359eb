"""Worker processes end with their parent, and `newsie extract` stops cleanly on a signal
(`newsie.parallel`, `newsie.cli.extract`): fault injection with real processes and signals.

The processes are found, and their end seen, through /proc; a process that has ended but was not
yet reaped (a zombie, as orphans are under some init processes) counts as ended."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import newsie

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through /proc (Linux)"
)

SRC = Path(newsie.__file__).resolve().parents[1]
START_S = 120  # for a parent to import torch and start two workers on busy cores
GONE_S = 15  # for killed processes to be gone

# Extracts from an endless stream in two workers; prints the workers' ids once they work.
PARENT = """
import itertools, multiprocessing, sys
from newsie.extractor import Extractor

if __name__ == "__main__":
    extractor = Extractor.from_pretrained(sys.argv[1], device="cpu", batch_size=1)
    texts = (f"Rebels shelled Homs on day {k}, killing 12 people." for k in itertools.count())
    documents = extractor.pipe(texts, n_process=2)
    next(documents)
    print(*(worker.pid for worker in multiprocessing.active_children()), flush=True)
    for _ in documents:
        pass
"""


def environment() -> dict[str, str]:
    """This process's environment, with the newsie these tests import first on the path."""
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...); None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        fields = stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def running(pids: set[int]) -> set[int]:
    return {pid for pid in pids if (fields := stat_fields(pid)) is not None and fields[0] != "Z"}


def still_running_after(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while running(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running(pids)


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def read_until(stream, done, seconds: float) -> bytes:
    """What `stream` (a pipe) gives until `done(data so far)` or its end; fails after `seconds`."""
    data = b""
    deadline = time.monotonic() + seconds
    while not done(data):
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no end of output after {seconds} s; got {data[-300:]!r}"
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            return data
        data += chunk
    return data


def stop_leftovers(parent: subprocess.Popen, family: set[int]) -> None:
    """After a failed test, so that no process of it outlives the session."""
    if parent.poll() is None:
        parent.kill()
    for pid in running(family):
        if "multiprocessing" in command_line(pid):  # not another process with a reused id
            os.kill(pid, signal.SIGKILL)
    parent.wait()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_workers_and_resource_tracker_end_with_their_parent(tmp_path, tiny_model_dir, signum):
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script), str(tiny_model_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment(),
    )
    family: set[int] = set()
    try:
        first_line = read_until(parent.stdout, lambda data: b"\n" in data, START_S)
        workers = {int(pid) for pid in first_line.split()}
        family = children_of(parent.pid)
        # Two workers, and multiprocessing's resource tracker, which holds standard output too.
        assert len(workers) == 2 and workers < family
        assert running(workers) == workers  # busy with the endless stream
        os.kill(parent.pid, signum)
        assert parent.wait(timeout=GONE_S) == -signum
        assert still_running_after(family, GONE_S) == set()
        # No process holds the parent's standard output: a `| grep` after it would end.
        assert read_until(parent.stdout, lambda data: False, GONE_S) == b""
    finally:
        stop_leftovers(parent, family)


@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["TERM-to-parent", "INT-to-process-group"],
)
def test_extract_with_workers_stops_cleanly_on_a_signal(tmp_path, tiny_model_dir, signum,
                                                        to_group):
    """As `newsie extract big.jsonl --n-process 2 > out.jsonl`, then `kill -TERM` or Ctrl-C
    (which a terminal sends to the whole process group, workers included)."""
    big = tmp_path / "big.jsonl"
    texts = [f"Rebels shelled Homs on day {k}, killing 12 people." for k in range(100_000)]
    big.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in enumerate(texts)))
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as stderr:
        parent = subprocess.Popen(
            [sys.executable, "-m", "newsie.cli", "extract", str(big), "--model",
             str(tiny_model_dir), "--device", "cpu", "--batch-size", "1", "--n-process", "2",
             "--quiet"],
            stdout=subprocess.PIPE, stderr=stderr, env=environment(), start_new_session=True,
        )
    family: set[int] = set()
    try:
        output = read_until(parent.stdout, lambda data: data.count(b"\n") >= 20, START_S)
        family = children_of(parent.pid)
        assert sum("spawn_main" in command_line(pid) for pid in family) == 2  # the workers
        if to_group:
            os.killpg(parent.pid, signum)  # the parent leads its own session
        else:
            os.kill(parent.pid, signum)
        assert parent.wait(timeout=60) == 128 + signum
        assert still_running_after(family, GONE_S) == set()
        output += read_until(parent.stdout, lambda data: False, GONE_S)
    finally:
        stop_leftovers(parent, family)
    message = errors.read_text()
    assert "Traceback" not in message
    assert f"stopped by {signum.name}" in message
    # Every line is whole JSON, in input order; the run stopped long before the end.
    assert output.endswith(b"\n")
    records = [json.loads(line) for line in output.decode().splitlines()]
    assert 20 <= len(records) < len(texts)
    assert [(r["id"], r["text"]) for r in records] == list(enumerate(texts))[: len(records)]


# Two lines, each written in a `deferred` block; SIGTERM comes `argv[1]` times while the second
# is being written.
SIGNALLED_WRITER = """
import os, signal, sys
from newsie.cli.extract import _Stopped, _StopSignals

signals = _StopSignals()
try:
    with signals.installed():
        with signals.deferred():
            print("first", flush=True)
        with signals.deferred():
            for _ in range(int(sys.argv[1])):
                os.kill(os.getpid(), signal.SIGTERM)
            print("second", flush=True)
        print("not reached", flush=True)
except _Stopped as stopped:
    print("stopped by", stopped.signum, flush=True)
"""


@pytest.mark.parametrize(
    ("signals", "status", "output"),
    [(1, 0, "first\nsecond\nstopped by 15\n"), (2, -signal.SIGTERM, "first\n")],
    ids=["one-signal-waits-for-the-line", "a-second-one-ends-the-process-at-once"],
)
def test_extract_finishes_the_line_it_writes_before_it_stops(signals, status, output):
    done = subprocess.run(
        [sys.executable, "-c", SIGNALLED_WRITER, str(signals)],
        capture_output=True, text=True, env=environment(), timeout=60,
    )
    assert (done.returncode, done.stdout) == (status, output), done.stderr
