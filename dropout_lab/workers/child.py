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
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from dropout_lab.core.atomic import dumps


def main() -> int:
    """Serve one request; the exit status is 0 whenever an answer was written."""
    answer_to = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the frameworks' own prints go to stderr
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read())
        answer = task(request["task"])(request, progress)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001  (reported to the parent, which raises)
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    answer_to.write(dumps(answer))
    answer_to.flush()
    return 0


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
