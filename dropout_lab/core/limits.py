"""How much memory a run may take, and the check every size option goes through.

Options that size an allocation (``probe --size``, ``gradients --batch-size``,
the MNIST model's widths...) are checked against an estimate of the bytes
they need before anything is allocated: a request that would not fit is
refused with the estimate and the limit, in one line, instead of a
MemoryError or a machine swapping to a halt. The limit is half of the memory
available when the command starts (``MemAvailable``), or
``$DROPOUT_LAB_MEMORY_LIMIT`` (bytes, or with a K/M/G/T suffix) when set; a
value that is not one is a config error, never ignored.
"""

from __future__ import annotations

import os
import re

from dropout_lab.core.errors import ConfigError, invalid_value

GIB = 1 << 30
_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def available_memory() -> int:
    """Bytes of memory available now (Linux ``MemAvailable``; else physical memory)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * GIB


def memory_limit() -> int:
    """Bytes one run may plan to use: ``$DROPOUT_LAB_MEMORY_LIMIT``, else half of what is free.

    Raises:
        ConfigError: ``$DROPOUT_LAB_MEMORY_LIMIT`` is set but not a positive size.
    """
    given = os.environ.get("DROPOUT_LAB_MEMORY_LIMIT")
    if given is None or not given.strip():
        return available_memory() // 2
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)I?B?", given.strip().upper())
    size = int(float(found[1]) * _SUFFIX[found[2]]) if found else 0
    if size <= 0:
        raise ConfigError("Invalid value for `DROPOUT_LAB_MEMORY_LIMIT`: expected a positive "
                          "size in bytes, or with a K, M, G or T suffix (e.g. 8G or 512M). "
                          f"Received: DROPOUT_LAB_MEMORY_LIMIT={given!r}",
                          param="DROPOUT_LAB_MEMORY_LIMIT")
    return size


def gib(size: float) -> str:
    """``1.5 GiB``, ``0.0012 GiB``: bytes for messages."""
    return f"{size / GIB:.3g} GiB"


def require_memory(name: str, value: object, needed: float, what: str) -> None:
    """ConfigError when ``needed`` bytes (the estimate for ``name=value``) exceed the limit.

    Example message: ``Invalid value for `size`: expected a value whose run fits in memory
    (a draw of 1e+12 entries needs ~89.4 GiB; the limit is 11.2 GiB, half of the memory
    available, or $DROPOUT_LAB_MEMORY_LIMIT). Received: size=1000000000000``.
    """
    limit = memory_limit()
    if needed > limit:
        raise invalid_value(name, f"a value whose run fits in memory ({what} needs "
                                  f"~{gib(needed)}; the limit is {gib(limit)}, half of the "
                                  "memory available, or $DROPOUT_LAB_MEMORY_LIMIT)", value)
