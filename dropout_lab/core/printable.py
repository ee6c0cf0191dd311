"""Untrusted text made printable: what a run folder or a user's path holds, shown as it is.

A run folder's name, its manifest, its results and a worker's stderr are data
from anyone. Printed raw, an ESC sequence in them could retitle or clear the
terminal, a U+202E right-to-left override reorder what follows it, a newline
draw a fake row of a table. ``printable`` shows every character that is not
printable (``str.isprintable``: control characters, ESC, C1 controls, bidi
overrides and isolates, invisible format characters, line and paragraph
separators, lone surrogates) escaped as ``repr`` would (``\\x1b``, ``\\u202e``,
``\\n``); a byte that was not UTF-8 (a surrogate-escaped name from the file
system) as ``\\xNN``. Printable text is returned unchanged, so applying it twice
is harmless.

``printable_tree`` does the same to every string (and key) of parsed JSON.
Every command's output also passes ``core.console.Printable``, which applies
``printable_lines`` to whatever rich is given. A line break inside a value
(which would draw a fake row) is escaped where the value enters: run-folder
names, manifests and results read back (``runs list``, ``runs show``), error lines.
"""

from __future__ import annotations

from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: Any) -> str:
    """``text`` (made a string) with every non-printable character escaped; see the module."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def printable_lines(text: Any) -> str:
    """Like ``printable``, but newlines kept (text of several lines that is ours to break)."""
    text = text if isinstance(text, str) else str(text)
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_tree(value: Any) -> Any:
    """Parsed JSON with every string and key made ``printable`` (numbers and nulls as they are)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k): printable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_tree(v) for v in value]
    return value


def json_safe(text: str) -> str:
    """``text`` without lone surrogates (a strict JSON reader refuses them): they are escaped.

    A name read from the file system that was not UTF-8 holds lone surrogates
    (surrogateescape); they are shown as ``\\xNN``, the byte they stand for.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_escaped(c) if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
