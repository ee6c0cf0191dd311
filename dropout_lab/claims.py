"""A verdict on one of the seeds' claims, as the layer-level experiments report it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """A verdict: the claim, whether it held, the numbers behind it and the tolerance.

    Attributes:
        name: the claim's id, e.g. ``"C5"`` (see /work/shared/SEEDS.md), or a
            short name for a check that is not a seed claim (``"order"``).
        claim: the claim in words.
        holds: the verdict.
        measured: the numbers the verdict rests on, in words.
        tolerance: the stated bound of the test.
    """

    name: str
    claim: str
    holds: bool
    measured: str
    tolerance: str


def claims_json(claims: list[Claim]) -> dict:
    """``{name: {claim, holds, measured, tolerance}}`` for JSON output."""
    return {c.name: {"claim": c.claim, "holds": c.holds, "measured": c.measured,
                     "tolerance": c.tolerance} for c in claims}
