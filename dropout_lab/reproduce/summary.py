"""What a reproduction says beside its verdicts: the claims it left undecided, and where it
disagrees with the README's table (``core.verdict.CLAIMS[id].reference``).

The terminal and both reports show the same list (``against_readme``), so a claim left
undecided at the quick size names why, in a few words, and the command that settles it,
and a decided verdict that differs from the README's cannot be missed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dropout_lab.core.verdict import CLAIMS, Verdict, judge, opposite
from dropout_lab.reproduce.config import ReproduceConfig, needs_full, settle_command

UNDECIDED = ("inconclusive", "not measured")


@dataclass(frozen=True)
class Against:
    """A claim whose verdict here is not the README's.

    Attributes:
        outcome: this reproduction's verdict; reference: the README's.
        undecided: this run did not decide it (inconclusive, or not measured).
        opposite: one says the claim holds, the other that it is refuted.
        why: a few words on why.
        settle: the command that settles it at the full profile's size.
    """

    claim: str
    outcome: str
    reference: str
    undecided: bool
    opposite: bool
    why: str
    settle: str


def deferred(claim: str, config: ReproduceConfig) -> Verdict:
    """The quick profile's verdict on a claim of ``NEEDS_FULL``: not measured, and why."""
    need = needs_full(config)[claim]
    return judge(claim, "not measured",
                 f"needs --profile full (about {need.minutes} min): {need.why}, so the quick "
                 f"profile does not spend its time on it. Settle it with: "
                 f"{settle_command(claim, config.seed)}",
                 "none at the quick profile's size: no size within its 3 minutes decides it at "
                 "the effect the full profile measures (power: docs/methods.md)")


def sized(verdict: Verdict, config: ReproduceConfig) -> Verdict:
    """A quick-profile verdict left inconclusive, with the command that settles it."""
    if config.profile != "quick" or verdict.outcome != "inconclusive":
        return verdict
    return dataclasses.replace(verdict, evidence=verdict.evidence + "; inconclusive at the quick "
                               "profile's size: settle it with "
                               + settle_command(verdict.claim, config.seed))


def against_readme(config: ReproduceConfig, verdicts: list[Verdict]) -> list[Against]:
    """Every claim whose verdict differs from the README's, in catalogue order (a claim the
    README's table has no row for yet is left out)."""
    later = needs_full(config)
    found = []
    for verdict in verdicts:
        claim = CLAIMS.get(verdict.claim)
        if claim is None or claim.reference is None or verdict.outcome == claim.reference:
            continue
        undecided = verdict.outcome in UNDECIDED
        if verdict.claim in later:
            need = later[verdict.claim]
            why = f"needs --profile full (about {need.minutes} min): {need.short}"
        elif undecided:
            why = (f"the test could not decide at the {config.profile} profile's size"
                   if verdict.outcome == "inconclusive" else "this run did not measure it")
        else:
            why = f"measured {verdict.outcome}: see its evidence"
        found.append(Against(verdict.claim, verdict.outcome, claim.reference, undecided,
                             opposite(verdict.outcome, claim.reference), why,
                             settle_command(verdict.claim, config.seed)))
    return found
