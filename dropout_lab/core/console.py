"""Rendering shared by every command's tables: numbers, intervals and verdicts for people.

Rendering never computes results; it formats what the experiments measured.
Each verdict is shown the same way in every command (``verdict_lines``).
"""

from __future__ import annotations

import math

from rich.text import Text

from dropout_lab.core.verdict import OUTCOMES

OUTCOME_STYLE = dict(zip(OUTCOMES, ("bold green", "bold red", "bold yellow", "bold magenta",
                                    "dim")))


def num(value: float, digits: int = 7) -> str:
    """A number with ``digits`` significant digits (S000 printed 7)."""
    return f"{value:.{digits}g}"


def interval(value, digits: int = 4, signed: bool = False) -> str:
    """``[low, high]`` of an Interval; ``(one seed: no interval)`` when infinite."""
    if not (math.isfinite(value.low) and math.isfinite(value.high)):
        return "(one seed: no interval)"
    sign = "+" if signed else ""
    return f"[{value.low:{sign}.{digits}f}, {value.high:{sign}.{digits}f}]"


def estimate_interval(value, digits: int = 4) -> str:
    """``estimate [low, high]`` of an Interval."""
    return f"{value.estimate:.{digits}f} [{value.low:.{digits}f}, {value.high:.{digits}f}]"


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
    """``Run folder: <path>``."""
    return Text(f"Run folder: {path}")
