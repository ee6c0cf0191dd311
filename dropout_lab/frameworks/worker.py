"""A framework's worker process: ``python -m dropout_lab.frameworks.worker`` (see ``workers``).

Reads one JSON request on stdin, answers one JSON object on stdout. While it
works, stdout is pointed at stderr, so nothing a framework prints can spoil
the answer; progress goes to stderr as ``@progress DONE TOTAL`` lines. A
failure is answered as ``{"error": "..."}``.

Tasks:
- ``probe``: every named implementation measured as ``probe`` measures it
  (rows at each rate, edge and invalid rates), plus what the framework warns,
  how its masks are seeded (hash of the first mask; do two calls differ?),
  and, for functions, what a call with the defaults does;
- ``toy``: the founding experiment's net in this framework (``toy_side``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from dropout_lab.core.atomic import dumps


def main() -> int:
    """Serve one request; the exit status is 0 whenever an answer was written."""
    answer_to = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the frameworks' own prints go to stderr
    sys.stdout = sys.stderr
    try:
        request = json.loads(sys.stdin.read())
        answer = TASKS[request["task"]](request)
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


def probe_task(request: dict[str, Any]) -> dict[str, Any]:
    """Rows, edges, warnings, seeding and defaults of every named implementation."""
    started = time.monotonic()
    from dropout_lab.frameworks import measure

    imported = measure.import_framework(request["worker"])
    import_seconds = time.monotonic() - started
    answer = measure.probe_all(request, progress)
    return {**answer, "versions": imported, "import_seconds": round(import_seconds, 3)}


def toy_task(request: dict[str, Any]) -> dict[str, Any]:
    """The toy net trained and reloaded in this worker's framework."""
    from dropout_lab.frameworks import toy_side

    return toy_side.run(request, progress)


TASKS = {"probe": probe_task, "toy": toy_task}

if __name__ == "__main__":
    sys.exit(main())
