"""The quick profile's sizes, planned by power (docs/methods.md, "power").

For every claim: its test, the effect the full profile measures (``REFERENCE``: the
full profile's reference run, seed 0, behind the README's table), the spread of one
unit (seed, round, sample), the quick and the full size, and the probability that
the test reaches the full profile's decision at that effect. Student-t intervals:
noncentral t (``stats.mean_power``); signed-rank intervals: simulation
(``stats.signed_rank_power``, 20 000 draws); exact tests: 1 (no sampling error);
exact intervals of proportions: at least their coverage. A claim whose quick power
is below ``PLANNED`` at every size that fits the quick budget is left to the full
profile (``config.NEEDS_FULL``); tests/test_reproduce.py checks both directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dropout_lab.core import stats

PLANNED = 0.99  # the quick profile's decisions: this likely, at full's effect
TIMING = 0.999  # C3's interval; C11's family (numpy_demo.config, mnist-speed's confidence)

#: What the full profile's reference run measured (reproduce --profile full --seed 0).
REFERENCE: dict[str, Any] = {
    "run": "results/reproduce/20261204-183344 (full, seed 0)",
    "C3": {"log_ratio": 0.168, "sd": 0.061},  # per round, fastest-of-5 thread CPU time
    "C9": {"d1": -0.0113, "sd1": 0.0017, "d2": -0.0124, "sd2": 0.0059},  # per seed
    "C4": {"narrowing": 0.004, "sd": 0.014},  # gap(none) - gap(dropout), per seed
    "C11": {"S003 dropout / none": (math.log(0.73), 0.10),  # log speed ratio, sd per round
            "S003 dropout+l2 / l2": (math.log(0.73), 0.10),
            "S001 dropout / none": (math.log(0.69), 0.10)},
    "MC": {"k20_minus_det": -0.0003, "sd": 0.0005},  # MC error at k = 20 - deterministic
}


@dataclass(frozen=True)
class Row:
    """One claim's line of the power table."""

    claim: str
    test: str
    effect: str
    spread: str
    quick: str
    full: str
    quick_power: float | None  # None: the quick profile leaves it to full
    full_power: float | None = None
    note: str = ""


def _c3() -> Row:
    ref = REFERENCE["C3"]
    power = stats.signed_rank_power(ref["log_ratio"], ref["sd"], 20, TIMING)
    return Row("C3", "signed-rank 99.9 %, paired CPU-time ratio",
               f"x {math.exp(ref['log_ratio']):.3f} (log {ref['log_ratio']:.3f})",
               f"{ref['sd']:.3f} per round (log)", ">= 20 rounds, cap 10 s CPU",
               ">= 20 rounds, cap 30 s CPU", power, power, "at the fewest rounds")


def _c11() -> Row:
    pairs = REFERENCE["C11"]
    level = stats.family_confidence(TIMING, len(pairs))
    powers = [stats.signed_rank_power(effect, sd, 16, level) for effect, sd in pairs.values()]
    effects = ", ".join(f"x {math.exp(e):.2f}" for e, _ in pairs.values())
    spread = max(sd for _, sd in pairs.values())
    # refuted needs one pair below 1 and none above: at least the first pair's power
    return Row("C11", f"signed-rank per pair at {level:.5g} (Bonferroni over 3)", effects,
               f"<= {spread:.2f} per round (log)", ">= 16 rounds per pair, cap 10 s CPU",
               ">= 16 rounds per pair, cap 30 s CPU", min(powers), min(powers),
               "power of the weakest pair")


def _c9() -> Row:
    ref = REFERENCE["C9"]

    def both(seeds: int) -> float:  # both intervals below 0: at most the weaker one's power
        return min(stats.mean_power(ref["d1"], ref["sd1"], seeds, 0.95),
                   stats.mean_power(ref["d2"], ref["sd2"], seeds, 0.95))

    return Row("C9", "t 95 %, both paired differences below 0",
               f"d1 {ref['d1']:+.4f}, d2 {ref['d2']:+.4f}",
               f"{ref['sd1']:.4f}, {ref['sd2']:.4f} per seed",
               f"needs full: 2 seeds fit 3 min (power {both(2):.2f})", "5 seeds", None,
               both(5), "power at most that of d2")


def _c4() -> Row:
    ref = REFERENCE["C4"]
    full = stats.mean_power(ref["narrowing"], ref["sd"], 20, 0.95)
    quick = stats.mean_power(ref["narrowing"], ref["sd"], 3, 0.95)
    return Row("C4", "t 95 %, gap narrowing and late rise above 0",
               f"narrowing {ref['narrowing']:+.4f}", f"{ref['sd']:.3f} per seed",
               f"needs full: 3 seeds fit 3 min (power {quick:.2f})", "20 seeds", None, full,
               "full decides it rarely too: its verdict is inconclusive")


def _mc() -> Row:
    ref = REFERENCE["MC"]
    # qualified <=> reached by k = 20; at least P(reached at k = 20): the interval's lower bound
    # at or below the deterministic error
    full = 1 - stats.above_probability(ref["k20_minus_det"], ref["sd"], 10, 0.95)
    return Row("MC", "t 95 % over repeats, per k", f"MC error at k = 20 - deterministic "
               f"{ref['k20_minus_det']:+.4f}", f"{ref['sd']:.4f} per repeat",
               "the same model, 10 repeats, the same seed", "10 repeats", 1.0, full,
               "the same computation as full's: the same verdict")


def rows() -> list[Row]:
    """The power table, in catalogue order."""
    same = "the same config"
    return [
        Row("C1", "exact, rtol 1e-6", "max |f_r - f_0| = 0; vanilla off by 3.48", "none",
            same, same, 1.0),
        Row("C2", "paired t at 1 - 1e-5", "shift +0.386", "0.45 per sample",
            "1 000 000 samples", "1 000 000 samples",
            stats.mean_power(0.386, 0.45, 1_000_000, 1 - 1e-5)),
        _c3(),
        _c4(),
        Row("C5", "exact interval covers rate (1 - 1e-4)", "0.1978 zeroed at rate 0.2",
            "binomial", same, same, 1 - 1e-4, note="a correct layer: at least the coverage"),
        Row("C6", "exact", "gradients change by 30-36 %", "none", same, same, 1.0),
        Row("C7", "exact", "None gradient, upstream untouched", "none", same, same, 1.0),
        Row("C8", "exact over 200 draws", "shared in 200 of 200 draws", "none", same, same,
            1.0),
        _c9(),
        Row("C10", "exact interval at 1 - 1.1e-5", "0.80 dropped at rate 0.8 (keep reading: 0.2)",
            "binomial", "16 384 entries", "131 072 entries", 1 - 1.1e-5,
            note="at least the coverage; 0.2 lies 40 standard errors away"),
        _c11(),
        Row("C12", "exact", "ran on batches 2 and 5, shared as declared", "none", same, same,
            1.0),
        _mc(),
        *(_study(claim) for claim in ("P2014-F9a", "P2014-F9b", "P2014-F10")),
    ]


def _study(claim: str) -> Row:
    """One of the 2014 paper's studies: run by the full profile only (30 units even at
    sweep's quick size); no reference run of it yet to plan a power from."""
    return Row(claim, "t 95 % per point, paired by seed (docs/methods.md#sweep)",
               "no reference run yet", "per seed", "needs full: 30 units do not fit 3 min",
               "sweep's quick profile, 30 units", None,
               note="its own run is the reference: see docs/methods.md#sweep")


def table() -> str:
    """The power table as Markdown (docs/methods.md, by cog)."""
    lines = [f"Reference: {REFERENCE['run']}. Power: the probability that the quick test "
             "reaches the full profile's decision at the effect the full profile measured.",
             "", "| claim | test | effect (full) | spread | quick | full | power, quick | "
             "power, full |", "|---|---|---|---|---|---|---|---|"]
    for row in rows():
        quick = "— (needs full)" if row.quick_power is None else _p(row.quick_power)
        full = row.full_power if row.full_power is not None else row.quick_power
        note = f" ({row.note})" if row.note else ""
        cells = [row.claim, row.test, row.effect, row.spread, row.quick, row.full,
                 quick + note, "—" if full is None else _p(full)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _p(value: float) -> str:
    return "1" if value == 1.0 else f"{value:.4f}" if value > 0.999 else f"{value:.2f}"
