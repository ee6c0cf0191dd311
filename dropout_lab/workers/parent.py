"""Run work in a framework's own worker process and collect its JSON answer (parent side).

Keras fixes its backend at import, and PyTorch, JAX and TensorFlow are each
hundreds of megabytes: every framework (and every Keras backend) runs in a
worker process of its own, ``python -m dropout_lab.workers.child``. The
parent sends one JSON request on the worker's stdin and reads one JSON object
from its stdout; the worker's stderr carries progress lines (``@progress
DONE TOTAL``) and anything the framework prints, the last lines of which are
quoted when the worker fails. Ctrl-C or a timeout kills the worker.

Light: no framework is imported here.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.printable import printable

#: Worker kinds and the environment each starts with (besides the user's).
WORKERS = {
    "tensorflow": {"KERAS_BACKEND": "tensorflow"},
    "torch": {},
    "jax": {"JAX_PLATFORMS": "cpu"},
    "keras-jax": {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
    "keras-torch": {"KERAS_BACKEND": "torch"},
}
#: Processes that run an exported model in a runtime of its own (``export``), not a framework's
#: dropouts: kept apart from WORKERS, which ``frameworks`` offers as its choices.
RUNTIMES: dict[str, dict[str, str]] = {"onnxruntime": {}, "litert": {}}
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "CUDA_VISIBLE_DEVICES": ""}
MAX_ANSWER = 64 << 20  # bytes of JSON a worker may send back
STARTUP_SECONDS = 180.0  # for a framework's import (seconds alone; a minute on a busy machine)
READY = "@ready"  # the worker's first line: its framework is imported
TAIL = 12  # stderr lines kept for an error message
ProgressFn = Callable[[int, int], None]
_LIVE: set[subprocess.Popen] = set()  # running workers, killed together on Ctrl-C
_LIVE_LOCK = threading.Lock()


def call(worker: str, request: dict[str, Any], timeout: float | None = 600.0,
         progress: ProgressFn | None = None,
         startup: float | None = STARTUP_SECONDS) -> dict[str, Any]:
    """Run ``request`` in a new ``worker`` process; return its JSON answer.

    Args:
        timeout: seconds the worker may take; None for no limit.
        startup: seconds its framework's import may take (None: no limit).

    Raises:
        ExperimentError: the worker failed, did not start or finish in time, or
            answered with something that is not one JSON object (its last stderr
            lines quoted).
    """
    env = {**os.environ, **QUIET, **(WORKERS[worker] if worker in WORKERS else RUNTIMES[worker]),
           "DROPOUT_LAB_PARENT": str(os.getpid())}
    env.pop("PYTHONSTARTUP", None)
    command = [sys.executable, "-m", "dropout_lab.workers.child"]
    tail: collections.deque[str] = collections.deque(maxlen=TAIL)
    answer = bytearray()
    ready = threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    with _LIVE_LOCK:
        _LIVE.add(process)
    # each pipe has one reader: stdout and stderr in threads, the main thread only waits
    readers = [threading.Thread(target=_read_stderr, args=(process.stderr, tail, progress,
                                                           ready), daemon=True),
               threading.Thread(target=_read_stdout, args=(process.stdout, answer),
                                daemon=True)]
    for reader in readers:
        reader.start()
    try:
        try:
            assert process.stdin is not None  # started with stdin=PIPE
            process.stdin.write(json.dumps({**request, "worker": worker}).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass  # it died before reading: its exit status and stderr say why
        end = None if timeout is None else started + timeout
        _wait_ready(process, ready, startup, end, worker)
        process.wait(timeout=None if end is None else max(0.0, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(process)
        still = "" if ready.is_set() else " (it was still importing its framework)"
        raise ExperimentError(f"The {worker} worker did not finish within {timeout:g} s; "
                              "smaller sizes, or fewer implementations, finish sooner"
                              f"{still}.") from None
    except BaseException:  # Ctrl-C included: never leave a worker behind
        _kill(process)
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(process)
    for reader in readers:
        reader.join(timeout=5)
    return _answer(worker, process.returncode, bytes(answer), tail)


def _wait_ready(process: subprocess.Popen, ready: threading.Event, startup: float | None,
                end: float | None, worker: str) -> None:
    """Wait until the worker has imported its framework (or exited); kill it past ``startup``.

    Args:
        end: when the whole call's time is up (``time.monotonic()``), or None.

    Raises:
        ExperimentError: the import took longer than ``startup`` seconds.
        subprocess.TimeoutExpired: the whole call's time ran out first.
    """
    deadline = None if startup is None else time.monotonic() + startup
    while not ready.wait(0.05) and process.poll() is None:
        if end is not None and time.monotonic() > end:
            raise subprocess.TimeoutExpired(process.args, 0)
        if deadline is not None and time.monotonic() > deadline:
            _kill(process)
            raise ExperimentError(
                f"The {worker} worker did not start within {startup:g} s: importing its "
                "framework did not finish (a broken installation, or a file system that hangs); "
                "try `python -c 'import <framework>'` to see it.")


def _read_stdout(stream, answer: bytearray) -> None:
    """Collect the answer; past ``MAX_ANSWER`` bytes keep reading but stop storing."""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        if len(answer) <= MAX_ANSWER:
            answer.extend(chunk)


def _answer(worker: str, code: int, stdout: bytes, tail) -> dict[str, Any]:
    last = printable(" | ".join(line for line in tail if line.strip())[-600:])
    if code != 0:
        raise ExperimentError(f"The {worker} worker failed (exit {code}): {last or 'no output'}")
    if len(stdout) > MAX_ANSWER:
        raise ExperimentError(f"The {worker} worker answered {len(stdout)} bytes; at most "
                              f"{MAX_ANSWER} are accepted.")
    try:
        answer = json.loads(stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ExperimentError(f"The {worker} worker did not answer with one JSON object: "
                              f"{stdout[:200]!r}")
    if "error" in answer:
        raise ExperimentError(f"The {worker} worker failed: {printable(answer['error'])}")
    return answer


def _read_stderr(stream, tail, progress: ProgressFn | None,
                 ready: threading.Event | None = None) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip()
        if line == READY and ready is not None:
            ready.set()
        elif line.startswith("@progress "):
            try:
                done, total = (int(v) for v in line.split()[1:3])
            except ValueError:
                continue
            if progress is not None:
                progress(done, total)
        else:
            tail.append(line)


def kill_all() -> None:
    """Kill every worker still running (the parent was interrupted)."""
    with _LIVE_LOCK:
        running = list(_LIVE)
    for process in running:
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
