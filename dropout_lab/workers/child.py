"""A framework's worker process: ``python -m dropout_lab.workers.child`` (see ``workers``).

Reads one JSON request on stdin, answers one JSON object on stdout. While it
works, stdout is pointed at stderr, so nothing a framework prints can spoil
the answer; progress goes to stderr as ``@progress DONE TOTAL`` lines. A
failure is answered as ``{"error": "..."}``.

A request names its task as ``"task": "dropout_lab.<module>:<function>"``:
the function takes the request and a ``progress(done, total)`` callback and
returns the answer. The family that sends a request owns its task function
(``dropout_lab.dropouts.worker_probe:probe_task`` measures implementations,
``dropout_lab.toy.worker_side:run`` trains the toy net), so this package
knows no family. Only functions inside ``dropout_lab`` are run.

Before the task, the worker imports its framework and says ``@ready`` on
stderr: the parent gives up on an import that hangs. Ctrl-C is the parent's
to handle (the worker ignores SIGINT; the parent kills it), and the worker
dies with its parent (Linux ``PR_SET_PDEATHSIG``) rather than outlive it.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from dropout_lab.core import tfenv
from dropout_lab.core.atomic import dumps

#: The module each worker imports before its task (tensorflow: through core.tfenv, quietly);
#: other workers (the export family's runtimes) start their task at once.
FRAMEWORKS = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax", "keras-jax": "keras",
              "keras-torch": "keras"}
PR_SET_PDEATHSIG = 1


def main() -> int:
    """Serve one request; the exit status is 0 whenever an answer was written."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    answer_to = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the frameworks' own prints go to stderr
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read())
        request["startup_seconds"] = start(request.get("worker"))
        answer = task(request["task"])(request, progress)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001  (reported to the parent, which raises)
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    answer_to.write(dumps(answer))
    answer_to.flush()
    return 0


def start(worker: Any) -> float:
    """Import ``worker``'s framework, then say ``@ready``; the seconds the import took."""
    started = time.monotonic()
    name = FRAMEWORKS.get(worker) if isinstance(worker, str) else None
    try:
        if name == "tensorflow":
            tfenv.import_tf()
        elif name is not None:
            importlib.import_module(name)
    except ImportError:
        pass  # the task meets it again and reports it as it always has
    finally:
        print("@ready", file=sys.stderr, flush=True)  # the import ended, well or not
    return round(time.monotonic() - started, 3)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    parent = os.environ.get("DROPOUT_LAB_PARENT", "")
    if parent.isdigit() and os.getppid() != int(parent):  # it died before the request
        os._exit(1)


def progress(done: int, total: int) -> None:
    """Tell the parent how far the work is."""
    print(f"@progress {done} {total}", file=sys.stderr, flush=True)


#: The form of a task name: a function of a module inside dropout_lab.
TASK = re.compile(r"(dropout_lab(?:\.\w+)+):(\w+)")


def task(name: Any) -> Callable[[dict[str, Any], Callable[[int, int], None]], dict[str, Any]]:
    """The function a request's ``task`` names (imported here, in the worker).

    Raises:
        ValueError: ``name`` is not ``dropout_lab.<module>:<function>``.
    """
    found = TASK.fullmatch(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"unknown task {name!r}; expected 'dropout_lab.<module>:<function>'")
    function = getattr(importlib.import_module(found[1]), found[2], None)
    if not callable(function):
        raise ValueError(f"unknown task {name!r}: {found[1]} has no function {found[2]}")
    return function


if __name__ == "__main__":
    sys.exit(main())
