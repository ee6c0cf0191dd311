"""Rendering shared by every command's tables: numbers, intervals and verdicts for people.

Rendering never computes results; it formats what the experiments measured.
Each verdict is shown the same way in every command (``verdict_lines``).
Whatever a command shows passes ``Printable``: untrusted text made printable
(``core.printable``) before rich lays it out and after.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from dropout_lab.core.printable import printable, printable_lines
from dropout_lab.core.verdict import OUTCOMES

OUTCOME_STYLE = dict(zip(OUTCOMES, ("bold green", "bold red", "bold yellow", "bold magenta",
                                    "dim"), strict=True))


def num(value: float, digits: int = 7) -> str:
    """A number with ``digits`` significant digits (S000 printed 7)."""
    return f"{value:.{digits}g}"


def interval(value, digits: int = 4, signed: bool = False) -> str:
    """``[low, high]`` of an Interval; ``(one seed: no interval)`` when infinite."""
    if not (math.isfinite(value.low) and math.isfinite(value.high)):
        return "(one seed: no interval)"
    sign = "+" if signed else ""
    return f"[{value.low:{sign}.{digits}f}, {value.high:{sign}.{digits}f}]"


def plus_minus(value, digits: int = 4, signed: bool = False) -> str:
    """``mean ± half-width`` of a symmetric interval; ``mean [low, high]`` of a clipped one."""
    sign = "+" if signed else ""
    if not (math.isfinite(value.high) and math.isfinite(value.low)):
        return f"{value.estimate:{sign}.{digits}f} ± ∞"
    below, above = value.estimate - value.low, value.high - value.estimate
    if abs(below - above) > 1e-9 * max(1.0, abs(value.estimate)):  # clipped to its range
        return (f"{value.estimate:{sign}.{digits}f} [{value.low:{sign}.{digits}f}, "
                f"{value.high:{sign}.{digits}f}]")
    return f"{value.estimate:{sign}.{digits}f} ± {above:.{digits}f}"


def outcome_text(outcome: str) -> Text:
    """An outcome word in its colour."""
    return Text(outcome, OUTCOME_STYLE.get(outcome, "bold"))


def verdict_lines(verdicts, note: str | None = None) -> list[Text]:
    """One block per judged claim; the unmeasured ones named together; then ``note``.

    A block reads: ``C10 refuted — S003: "<statement>". Measured: <evidence>.
    Test: <test>.`` (own checks, with no source, omit the source).
    """
    lines = []
    for verdict in verdicts:
        if verdict.outcome == "not measured":
            continue
        text = Text(f"{verdict.claim} ")
        text.append_text(outcome_text(verdict.outcome))
        said = f"{verdict.source}: " if verdict.source else ""
        text.append(f" — {said}\"{verdict.statement}\". Measured: {verdict.evidence}.")
        text.append(f" Test: {verdict.test}.", "dim")
        lines.append(text)
    missing = [f"{v.claim} ({v.evidence})" for v in verdicts if v.outcome == "not measured"]
    if missing:
        lines.append(Text("Not measured in this run: " + "; ".join(missing) + ".", "dim"))
    if note:
        lines.append(Text(note, "dim"))
    return lines


def run_folder(path) -> Text:
    """``Run folder: <path>``, the path made printable (``--out`` may hold anything)."""
    return Text(f"Run folder: {printable(path)}")


def _plain(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _longest_word(cell) -> int:
    return max((len(word) for word in _plain(cell).split()), default=0)


def _longest_line(cell) -> int:
    return max((len(line) for line in _plain(cell).splitlines()), default=0)


def broken_name(name: str, width: int | None) -> str:
    """``name`` on lines of at most ``width`` characters where it can be, broken only after a
    dot or before ``[`` or ``@`` (``keras.layers.`` / ``SpatialDropout1D@torch``); None: whole.

    A piece longer than ``width`` stays whole on its own line.
    """
    if width is None or len(name) <= width:
        return name
    pieces = re.findall(r"[^.\[@]*\.|[\[@][^.\[@]*\.?|[^.\[@]+", name)
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(lines)


def fitted(item):
    """``item``, a table with a header wrapped in ``Fitting``; anything else as it is."""
    return Fitting(item) if isinstance(item, Table) and item.show_header else item


def share(least: list[int], most: list[int], spare: int) -> list[int]:
    """Widths from ``least`` up to ``most``, ``spare`` columns shared out evenly (water-filling).

    Example: ``share([3, 4], [10, 5], 4)`` is ``[6, 5]``.
    """
    widths = list(least)
    while spare > 0:
        growing = [i for i, (w, m) in enumerate(zip(widths, most, strict=True)) if w < m]
        if not growing:
            break
        step = max(1, spare // len(growing))
        for i in growing:
            grow = min(step, most[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
    return widths


class Fitting:
    """A table shown as a table when its words fit the width, else stacked row by row.

    A table squeezed below the width its longest words need breaks them mid-word
    (``keras.layers.D`` / ``ropout``) or cuts them (``0…``). Below that width the
    rows are printed one after the other instead, each as ``header: value``
    lines under the row's first cell; above it, the table as it is, taking the
    width it can use.
    """

    def __init__(self, table: Table, key: int = 0):
        self.table, self.key = table, key

    def widths(self) -> list[int]:
        """Per column, the width its longest word needs (its longest line when no_wrap)."""
        widths = []
        for column in self.table.columns:
            measure = _longest_line if column.no_wrap else _longest_word
            widths.append(max([measure(column.header), *map(measure, column.cells)]))
        return widths

    def natural(self) -> list[int]:
        """Per column, the width its longest line would take unwrapped."""
        return [max([_longest_line(column.header), *map(_longest_line, column.cells)])
                for column in self.table.columns]

    def needed(self, widths: list[int] | None = None) -> int:
        """Columns the table needs so that no word is broken: words, padding and borders."""
        widths = self.widths() if widths is None else widths
        return sum(widths) + 3 * len(widths) + 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        least = self.widths()
        if self.needed(least) <= options.max_width:
            # rich shrinks columns by ratio, not by their words: give each its width here
            spare = options.max_width - self.needed(least)
            widths = share(least, self.natural(), spare)
            for column, width in zip(self.table.columns, widths, strict=True):
                column.width, column.ratio = width, None
            yield self.table
            return
        if self.table.title:
            yield Text(_plain(self.table.title), "bold")
        columns = self.table.columns
        for index in range(self.table.row_count):
            cells = [list(column.cells)[index] for column in columns]
            if not any(_plain(c).strip() for c in cells):
                continue
            head = _plain(cells[self.key]).replace("\n", " ")
            lines = Text(head, "bold") if head.strip() else Text("")
            for column, cell in zip(columns, cells, strict=True):
                value = _plain(cell).replace("\n", " ").strip()
                if column is columns[self.key] or not value:
                    continue
                lines.append(f"\n  {_plain(column.header).replace(chr(10), ' ')}: ", "dim")
                lines.append(value, cell.style if isinstance(cell, Text) else "")
            yield lines
        if self.table.caption:
            yield Text(_plain(self.table.caption), "dim")


class Either:
    """The ``wide`` renderables where their tables fit the width, else the ``narrow`` ones."""

    def __init__(self, wide: list, narrow: list):
        self.wide, self.narrow = wide, narrow

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        needed = max((Fitting(t).needed() for t in self.wide if isinstance(t, Table)), default=0)
        for item in self.wide if needed <= options.max_width else self.narrow:
            yield fitted(item)


def printable_segments(segments: Iterable[Any]) -> Iterable[Any]:
    """rich Segments with the text of every non-control segment made printable (lines kept).

    rich's own control segments (cursor moves, styles) pass as they are; a line
    break is its own segment ("\\n"), kept.
    """
    for segment in segments:
        text = segment.text
        if segment.control or text.isprintable() or text == "\n":
            yield segment
        else:
            yield Segment(printable_lines(text), segment.style, segment.control)


def printable_text(text: Any) -> Any:
    """A rich Text with its characters made printable (``printable_lines``), styles kept."""
    plain = text.plain
    if printable_lines(plain) == plain:
        return text
    cuts = sorted({0, len(plain), *(s.start for s in text.spans), *(s.end for s in text.spans)})
    shown = Text(style=text.style, justify=text.justify, overflow=text.overflow,
                 no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size)
    for start, end in zip(cuts, cuts[1:], strict=False):
        begin = len(shown.plain)
        shown.append(printable_lines(plain[start:end]))
        for span in text.spans:  # each piece lies wholly inside or outside every span
            if span.start <= start and end <= span.end:
                shown.stylize(span.style, begin, len(shown.plain))
    return shown


def printable_renderable(item: Any) -> Any:
    """``item`` with the text of its strings, Text objects and tables made printable.

    Tables are changed in place (their cells, headers, title and caption);
    wrappers with ``wide``/``narrow`` or ``table`` lists are followed.
    """
    if isinstance(item, str):
        return printable_lines(item)
    if isinstance(item, Text):
        return printable_text(item)
    if isinstance(item, Table):
        for column in item.columns:
            column.header = printable_renderable(column.header)
            column._cells[:] = [printable_renderable(c) for c in column._cells]
        item.title = printable_renderable(item.title) if item.title else item.title
        item.caption = printable_renderable(item.caption) if item.caption else item.caption
        return item
    for name in ("table", "wide", "narrow"):  # core.console's Fitting and Either
        inner = getattr(item, name, None)
        if isinstance(inner, list):
            setattr(item, name, [printable_renderable(i) for i in inner])
        elif inner is not None:
            setattr(item, name, printable_renderable(inner))
    return item


class Printable:
    """A rich renderable: ``item`` made printable before and after rich lays it out.

    Whatever a render function forgot to escape, no control character or bidi
    override of ``item`` reaches the terminal, and the layout is measured on
    the escaped text.
    """

    def __init__(self, item: Any):
        self.item = printable_renderable(item)

    def __rich_console__(self, console, options):
        yield from printable_segments(console.render(self.item, options))
