"""Statistics and verdicts of an MNIST sweep (C4, C9), from per-seed numbers.

Every interval is a two-sided Student-t interval (``stats.mean_interval``) at
the config's confidence (default 95 %) over seeds, which are independent
replications. Arms are compared *paired by seed*: with the same seed every
arm starts from the same weights and sees the same batch order, so the
per-seed difference removes that shared variation.

Verdicts (alpha = 1 - confidence; derivations in docs/methods.md):

- C9, "dropout + L2 does worse than either alone". d1 = acc(dropout+l2) -
  acc(dropout), d2 = acc(dropout+l2) - acc(l2), final test accuracies per
  seed. *confirmed* when both intervals lie below 0 (an intersection-union
  test: each one-sided test at alpha/2, so the claim is wrongly supported
  with probability <= alpha/2); *refuted* when either interval lies
  above 0 (the combination is measurably better than one of them; family
  error <= 2 * alpha/2 = alpha, Bonferroni); otherwise *inconclusive at this
  many seeds*.
- C11, "dropout makes training a little faster", is judged by
  ``mnist-speed`` (``mnist.speed``), over both nets at once, from training
  timed in interleaved rounds by CPU time; the sweeps' per-unit steps/s are
  wall-clock numbers of units run one after another, shown but not tested.
- C4, "without dropout the train set overfits while test accuracy stalls;
  with dropout it keeps rising". g = final train accuracy - final test
  accuracy; (a) gap(none) - gap(dropout) per seed, (b) rise(dropout) = test
  accuracy at the last evaluation - at the evaluation nearest half-way.
  *confirmed* when both intervals lie above 0, *refuted* when either
  lies below 0, else inconclusive. rise(none) is shown beside.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from dropout_lab.core.stats import DIFFERENCE, POSITIVE, PROPORTION, Interval, mean_interval
from dropout_lab.core.verdict import Verdict, judge
from dropout_lab.mnist.config import PUBLISHED


@dataclass(frozen=True)
class ArmSummary:
    """Per-arm means over seeds of the final numbers, with intervals."""

    arm: str
    seeds: int
    test_accuracy: Interval
    train_accuracy: Interval
    gap: Interval  # final train accuracy - final test accuracy
    steps_per_second: Interval
    published_test_accuracy: float | None  # the source's single-run accuracy, if published


@dataclass(frozen=True)
class PairedDifference:
    """Mean over seeds of (second - first) final test accuracy."""

    first: str
    second: str
    seeds: int
    difference: Interval
    published: float | None  # the same difference of the source's single runs


@dataclass(frozen=True)
class Analysis:
    """Everything ``analyse`` derives from the units."""

    arms: list[ArmSummary]
    differences: list[PairedDifference]
    verdicts: list[Verdict]


def by_arm(units) -> dict[str, dict[int, object]]:
    """Units as {arm: {seed: unit}}."""
    table: dict[str, dict[int, object]] = {}
    for unit in units:
        table.setdefault(unit.arm, {})[unit.seed] = unit
    return table


def paired(table, first: str, second: str, value) -> np.ndarray:
    """value(second unit) - value(first unit) for every seed both arms have."""
    seeds = sorted(set(table[first]) & set(table[second]))
    return np.array([value(table[second][s]) - value(table[first][s]) for s in seeds])


def final_test(unit) -> float:
    """Test accuracy after the last step."""
    return unit.final_test_accuracy


def final_gap(unit) -> float:
    """Train accuracy minus test accuracy after the last step (inference mode)."""
    return unit.final_train_accuracy - unit.final_test_accuracy


def late_rise(unit) -> float:
    """Test accuracy at the last evaluation minus at the one nearest half-way."""
    steps = np.asarray(unit.steps)
    middle = int(np.argmin(np.abs(steps - steps[-1] / 2)))
    accuracy = unit.curves["test/accuracy"]
    return accuracy[-1] - accuracy[middle]


def analyse(config, units) -> Analysis:
    """Summaries, paired differences and the verdicts of ``config.claims``."""
    table, level = by_arm(units), config.confidence
    published = PUBLISHED[config.setting]
    arms = [_summary(arm, list(table[arm].values()), published.get(arm), level)
            for arm in config.arms if arm in table]
    differences = []
    for first, second in itertools.combinations([a.arm for a in arms], 2):
        values = paired(table, first, second, final_test)
        both = first in published and second in published
        differences.append(PairedDifference(
            first, second, len(values), mean_interval(values, level, DIFFERENCE),
            published[second] - published[first] if both else None))
    judges = {"C9": verdict_c9, "C4": verdict_c4}
    return Analysis(arms, differences, [judges[claim](table, level) for claim in config.claims])


def _summary(arm, units, published, level) -> ArmSummary:
    def pick(f, bounds):
        return mean_interval([f(u) for u in units], level, bounds)

    return ArmSummary(arm, len(units), pick(final_test, PROPORTION),
                      pick(lambda u: u.final_train_accuracy, PROPORTION),
                      pick(final_gap, DIFFERENCE), pick(lambda u: u.steps_per_second, POSITIVE),
                      published)


def _not_tested(claim: str, needed: str) -> Verdict:
    return judge(claim, "not measured", f"needs the arms {needed}", "not run")


def _decide(intervals: list[Interval]) -> str:
    """confirmed if every interval lies above 0; refuted if any lies below 0."""
    if all(i.low > 0 for i in intervals):
        return "confirmed"
    if any(i.high < 0 for i in intervals):
        return "refuted"
    return "inconclusive"


def _verdict(claim: str, outcome: str, test: str, numbers: dict[str, Interval]) -> Verdict:
    """A verdict whose evidence is its intervals, written out."""
    evidence = "; ".join(_evidence(name, value) for name, value in numbers.items())
    if outcome == "inconclusive" and all(not math.isfinite(i.high) for i in numbers.values()):
        evidence += " (one seed: no interval, so the test cannot decide)"
    return judge(claim, outcome, evidence, test, numbers)


def _evidence(name: str, value: Interval) -> str:
    finite = math.isfinite(value.low) and math.isfinite(value.high)
    bounds = f"[{value.low:+.4f}, {value.high:+.4f}]" if finite else "(one seed: no interval)"
    return f"{name} = {value.estimate:+.4f} {bounds}"


def verdict_c9(table, level: float) -> Verdict:
    """C9 from the paired differences of final test accuracy (module docstring)."""
    if not {"dropout", "l2", "dropout+l2"} <= set(table):
        return _not_tested("C9", "dropout, l2 and dropout+l2")
    d1 = mean_interval(paired(table, "dropout", "dropout+l2", final_test), level, DIFFERENCE)
    d2 = mean_interval(paired(table, "l2", "dropout+l2", final_test), level, DIFFERENCE)
    # "worse than either" = both differences below 0, i.e. both negations above 0
    outcome = _decide([Interval(-d.estimate, -d.high, -d.low, level) for d in (d1, d2)])
    test = (f"confirmed if both {level:.0%} intervals of the paired differences lie below 0, "
            "refuted if either lies above 0")
    return _verdict("C9", outcome, test, {"dropout+l2 - dropout": d1, "dropout+l2 - l2": d2})


def verdict_c4(table, level: float) -> Verdict:
    """C4 from the train-test gap and the late rise of test accuracy (module docstring)."""
    if not {"none", "dropout"} <= set(table):
        return _not_tested("C4", "none and dropout")
    narrowing = mean_interval(-paired(table, "none", "dropout", final_gap), level, DIFFERENCE)
    rise = mean_interval([late_rise(u) for u in table["dropout"].values()], level, DIFFERENCE)
    rise_none = mean_interval([late_rise(u) for u in table["none"].values()], level,
                              DIFFERENCE)
    outcome = _decide([narrowing, rise])
    test = (f"confirmed if the {level:.0%} intervals of gap(none) - gap(dropout) and of "
            "dropout's late rise both lie above 0, refuted if either lies below 0")
    return _verdict("C4", outcome, test, {
        "gap(none) - gap(dropout)": narrowing, "late rise of test accuracy, dropout": rise,
        "late rise of test accuracy, none": rise_none,
        "final train accuracy, none": mean_interval(
            [u.final_train_accuracy for u in table["none"].values()], level, PROPORTION)})
