"""Which frameworks can run here: each worker kind's modules, found without importing them.

Light (importlib.util.find_spec only): read by ``dropout-lab --help``, the
``frameworks`` family, ``probe`` and ``reproduce``'s plan.
"""

from __future__ import annotations

import importlib.util

from dropout_lab.dropouts import registry
from dropout_lab.workers.parent import WORKERS

#: A worker's extra and the modules it needs (TensorFlow is in the base install).
NEEDS = {"tensorflow": (None, ()), **registry.EXTRAS}


def missing(worker: str) -> list[str]:
    """The modules a worker needs that are not installed (found without importing them)."""
    return [m for m in NEEDS[worker][1] if importlib.util.find_spec(m) is None]


def installed() -> list[str]:
    """The workers that can run here."""
    return [w for w in WORKERS if not missing(w)]


def installed_line() -> str:
    """``Frameworks installed: tensorflow, torch; not installed: jax (pip install ...)``."""
    found = installed()
    absent = [w for w in WORKERS if w not in found]
    extras = sorted({str(NEEDS[w][0]) for w in absent})
    return (f"Frameworks installed: {', '.join(found)}"
            + (f"; not installed: {', '.join(absent)} (pip install "
               f"'dropout-lab[{','.join(extras)}]')" if absent else ""))
