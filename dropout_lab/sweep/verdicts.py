"""Per-point statistics of a ``sweep`` and its verdict on the paper's finding (P2014-F9a/F9b/F10).

Every interval is a Student-t interval over seeds at the config's
confidence (``stats.mean_interval``). Points are compared *paired by seed*
(unit seeds set the initial weights, batch order and training subset), and
a comparison is *significant* when its interval lies strictly off the
bound. alpha = 1 - confidence per interval; the verdicts combine several
intervals without a family-wise correction, so each part's false-alarm rate
is alpha (stated in each test).

- F9a (rate, fixed width). best = the point of lowest mean test error within
  keep_prob 0.4-0.8. *refuted* if a point outside 0.4-0.8 is significantly
  better than best, or a point inside is worse than best by significantly
  more than ``flat_tolerance``; *confirmed* if the overall lowest mean lies
  in 0.4-0.8, every point inside is within ``flat_tolerance`` of best (upper
  bound of the paired difference), the smallest keep_prob's *training* error
  is significantly above best's (underfitting) and keep_prob 1's test error
  significantly above best's (the rise); *qualified* when region and
  flatness hold but the underfitting or the rise is not shown; else
  *inconclusive*.
- F9b (rate, keep_prob x n fixed). best = lowest mean test error within
  0.5-0.7 ("near 0.6"). *refuted* if a point outside 0.4-0.8 is significantly
  better than best; *confirmed* if the overall lowest mean lies in 0.5-0.7, no
  point is significantly better than best and the smallest keep_prob is
  significantly worse; *qualified* if the lowest mean lies elsewhere in
  0.4-0.8 and no point is significantly better than best; else inconclusive.
- F10 (data-set size). gain(n) = test error without dropout - with dropout,
  per seed, at each size: "+" significant gain, "-" significant loss, "0"
  neither. *refuted* if the smallest size shows "+" or every larger size "-";
  *confirmed* if the smallest shows no gain, some size "+", and the gain at
  the largest size is significantly below the peak's; *qualified* if the
  gain appears but does not measurably shrink; else inconclusive.

Missing units (failed, or not yet run) are named in every verdict; a
verdict needing a point that has no unit at all is inconclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dropout_lab.core.stats import DIFFERENCE, PROPORTION, Interval, mean_interval
from dropout_lab.core.verdict import Verdict, judge
from dropout_lab.sweep.config import FLAT_REGION, OPTIMUM_REGION


@dataclass(frozen=True)
class PointSummary:
    """Mean errors over the seeds a point has."""

    point: dict
    widths: list[int]
    seeds: int
    missing_seeds: list[int]
    test_error: Interval
    train_error: Interval


@dataclass(frozen=True)
class Gain:
    """Size study: test error without dropout minus with dropout, paired by seed."""

    size: int
    seeds: int
    gain: Interval
    sign: str  # "+" significant gain, "-" significant loss, "0" neither


@dataclass(frozen=True)
class Analysis:
    """What ``analyse`` derives from the units."""

    points: list[PointSummary]
    gains: list[Gain]
    missing: list[str]  # "keep 0.30 (seeds 1, 2)"
    verdicts: list[Verdict]


def point_label(point: dict) -> str:
    """``keep 0.50`` or ``n 1000, dropout``."""
    if "size" in point:
        return f"n {point['size']}, {point['arm']}"
    return f"keep {point['keep_prob']:.2f}"


def _key(point: dict) -> tuple:
    return tuple(sorted(point.items()))


def analyse(config, units) -> Analysis:
    """Summaries per point, gains per size, missing points and the study's verdict."""
    table: dict[tuple, dict[int, Any]] = {}  # point -> seed -> its unit
    for unit in units:
        table.setdefault(_key(unit.point), {})[unit.seed] = unit
    level, points, missing = config.confidence, [], []
    for point in config.points:
        found = table.get(_key(point), {})
        absent = [s for s in config.unit_seeds if s not in found]
        if absent:
            missing.append(f"{point_label(point)} (seed{'s' if len(absent) > 1 else ''} "
                           f"{', '.join(map(str, absent))})")
        if found:
            values = list(found.values())
            points.append(PointSummary(
                point, list(config.widths(point)), len(values), absent,
                mean_interval([u.final_test_error for u in values], level, PROPORTION),
                mean_interval([u.final_train_error for u in values], level, PROPORTION)))
    judge_study = {"rate": _verdict_f9a, "width": _verdict_f9b, "size": _verdict_f10}
    gains = _gains(config, table) if config.study == "size" else []
    verdict = judge_study[config.study](config, table, gains, missing)
    return Analysis(points, gains, missing, [verdict])


def _paired(table, first: tuple, second: tuple, attribute: str, level: float) -> Interval:
    """Mean over shared seeds of attribute(second) - attribute(first)."""
    seeds = sorted(set(table.get(first, {})) & set(table.get(second, {})))
    values = [getattr(table[second][s], attribute) - getattr(table[first][s], attribute)
              for s in seeds]
    if not values:
        return Interval(math.nan, -math.inf, math.inf, level)
    return mean_interval(values, level, DIFFERENCE)


def _means(table, keeps) -> dict[float, float]:
    return {k: float(np.mean([u.final_test_error for u in table[_key({"keep_prob": k})].values()]))
            for k in keeps if _key({"keep_prob": k}) in table}


def _within(keep: float, region: tuple[float, float]) -> bool:
    return region[0] - 1e-9 <= keep <= region[1] + 1e-9


def _evidence(numbers: dict, missing: list[str], extra: str = "") -> str:
    parts = []
    for name, value in numbers.items():
        if isinstance(value, Interval):
            bounds = (f"[{value.low:+.4f}, {value.high:+.4f}]"
                      if math.isfinite(value.low) and math.isfinite(value.high)
                      else "(one seed: no interval)")
            parts.append(f"{name} = {value.estimate:+.4f} {bounds}")
        else:
            parts.append(f"{name} = {value}")
    text = "; ".join(parts) + extra
    if missing:
        text += ". Missing points: " + ", ".join(missing)
    return text


def _not_enough(claim: str, why: str, missing: list[str]) -> Verdict:
    text = why + (". Missing points: " + ", ".join(missing) if missing else "")
    return judge(claim, "inconclusive", text, "needs the points named")


def _verdict_f9a(config, table, gains, missing) -> Verdict:
    level, tol = config.confidence, config.flat_tolerance
    keeps = sorted(k for k in config.keep_probs if _key({"keep_prob": k}) in table)
    means = _means(table, keeps)
    inside = [k for k in keeps if _within(k, FLAT_REGION)]
    if not inside or len(keeps) < 2:
        return _not_enough("P2014-F9a", "no keep_prob between 0.4 and 0.8 was measured", missing)
    best = min(inside, key=means.__getitem__)
    diff = {k: _paired(table, _key({"keep_prob": best}), _key({"keep_prob": k}),
                       "final_test_error", level) for k in keeps}
    outside_better = [k for k in keeps if not _within(k, FLAT_REGION) and diff[k].high < 0]
    widest = max((k for k in inside if k != best), key=lambda k: diff[k].high, default=best)
    too_far = [k for k in inside if diff[k].low > tol]
    flat = all(diff[k].high < tol for k in inside if k != best)
    region = _within(min(keeps, key=means.__getitem__), FLAT_REGION)
    smallest, largest = keeps[0], keeps[-1]
    underfit = _paired(table, _key({"keep_prob": best}), _key({"keep_prob": smallest}),
                       "final_train_error", level)
    rise = diff[largest]
    shown = {"underfitting": underfit.low > 0 and smallest < FLAT_REGION[0],
             "rise towards 1": rise.low > 0 and largest > FLAT_REGION[1]}
    if outside_better or too_far:
        outcome = "refuted"
    elif region and flat and all(shown.values()):
        outcome = "confirmed"
    elif region and flat:
        outcome = "qualified"
    else:
        outcome = "inconclusive"
    if missing and outcome == "confirmed" and any(
            m.startswith(f"keep {k:.2f}") for m in missing for k in inside):
        outcome = "inconclusive"
    numbers = {"best keep_prob in 0.4-0.8": best,
               f"test error at keep {widest:.2f} - at best (flat if < {tol:g})": diff[widest],
               f"training error at keep {smallest:.2f} - at best (underfitting if > 0)": underfit,
               f"test error at keep {largest:.2f} - at best (rise if > 0)": rise}
    notes = []
    if outside_better:
        notes.append("significantly better outside 0.4-0.8: " + ", ".join(f"{k:g}"
                                                                        for k in outside_better))
    if too_far:
        notes.append(f"not flat: more than {tol:g} worse at " + ", ".join(f"{k:g}"
                                                                       for k in too_far))
    if outcome == "qualified":
        notes.append("not shown here: " + ", ".join(n for n, ok in shown.items() if not ok))
    test = (f"{level:.0%} paired intervals; refuted if a point outside 0.4-0.8 is significantly "
            f"better than the best inside, or one inside is significantly more than {tol:g} "
            "worse; confirmed if the lowest mean is inside, all inside are within "
            f"{tol:g} of the best (upper bound), and the underfitting at the smallest and the "
            "rise at the largest keep_prob are significant; qualified without the last two")
    extra = ("; " + "; ".join(notes)) if notes else ""
    return judge("P2014-F9a", outcome, _evidence(numbers, missing, extra), test, numbers)


def _verdict_f9b(config, table, gains, missing) -> Verdict:
    level = config.confidence
    keeps = sorted(k for k in config.keep_probs if _key({"keep_prob": k}) in table)
    means = _means(table, keeps)
    near = [k for k in keeps if _within(k, OPTIMUM_REGION)]
    if not near or len(keeps) < 2:
        return _not_enough("P2014-F9b", "no keep_prob between 0.5 and 0.7 was measured", missing)
    best = min(near, key=means.__getitem__)
    diff = {k: _paired(table, _key({"keep_prob": best}), _key({"keep_prob": k}),
                       "final_test_error", level) for k in keeps}
    lowest = min(keeps, key=means.__getitem__)
    better = [k for k in keeps if diff[k].high < 0]
    smallest = keeps[0]
    real = diff[smallest].low > 0 and smallest < OPTIMUM_REGION[0]
    if any(not _within(k, FLAT_REGION) for k in better):
        outcome = "refuted"
    elif _within(lowest, OPTIMUM_REGION) and not better and real:
        outcome = "confirmed"
    elif _within(lowest, FLAT_REGION) and not better:
        outcome = "qualified"
    else:
        outcome = "inconclusive"
    numbers = {"keep_prob of the lowest test error": lowest, "best keep_prob in 0.5-0.7": best,
               f"test error at keep {lowest:.2f} - at best": diff[lowest],
               f"test error at keep {smallest:.2f} - at best (worse if > 0)": diff[smallest]}
    extra = ("; significantly better than the best near 0.6: " + ", ".join(f"{k:g}"
                                                                         for k in better)
             if better else "")
    test = (f"{level:.0%} paired intervals; refuted if a point outside 0.4-0.8 is significantly "
            "better than the best in 0.5-0.7; confirmed if the lowest mean lies in 0.5-0.7, "
            "no point is significantly better and the smallest keep_prob significantly worse; "
            "qualified if the lowest mean lies elsewhere in 0.4-0.8 and none is significantly "
            "better")
    return judge("P2014-F9b", outcome, _evidence(numbers, missing, extra), test, numbers)


def _gains(config, table) -> list[Gain]:
    found = []
    for size in sorted(config.sizes):
        none, dropout = _key({"size": size, "arm": "none"}), _key({"size": size, "arm": "dropout"})
        seeds = len(set(table.get(none, {})) & set(table.get(dropout, {})))
        if not seeds:
            continue
        gain = _paired(table, dropout, none, "final_test_error", config.confidence)
        sign = "+" if gain.low > 0 else "-" if gain.high < 0 else "0"
        found.append(Gain(size, seeds, gain, sign))
    return found


def _verdict_f10(config, table, gains: list[Gain], missing) -> Verdict:
    if len(gains) < 2:
        return _not_enough("P2014-F10", "fewer than two sizes have both arms", missing)
    level = config.confidence
    smallest, largest = gains[0], gains[-1]
    peak = max(gains, key=lambda g: g.gain.estimate)
    shrink = Interval(math.nan, -math.inf, math.inf, level)
    if peak is not largest:
        shrink = _shrink(config, table, peak.size, largest.size)
    losses = [g.size for g in gains if g.size > peak.size and g.sign == "-"]
    if smallest.sign == "+" or all(g.sign == "-" for g in gains[1:]):
        outcome = "refuted"
    elif any(g.sign == "+" for g in gains) and shrink.low > 0 and not losses:
        outcome = "confirmed"
    elif any(g.sign == "+" for g in gains):
        outcome = "qualified"
    else:
        outcome = "inconclusive"
    signs = ", ".join(f"{g.size}: {g.sign}" for g in gains)
    numbers = {f"gain at n = {smallest.size}": smallest.gain, f"peak gain (n = {peak.size})":
               peak.gain, f"gain at n = {largest.size}": largest.gain,
               f"peak gain - gain at n = {largest.size} (shrinks if > 0)": shrink,
               "signs by size": signs}
    test = (f"gain = test error without - with dropout, {level:.0%} paired intervals; "
            "refuted if the smallest size gains significantly or every larger size loses; "
            "confirmed if the smallest does not gain, some size gains and the largest gains "
            "significantly less than the peak, still not a loss; qualified if the gain does "
            "not measurably shrink, or shrinks into a loss")
    extra = ("; beyond the peak the gain becomes a loss at n = " + ", ".join(map(str, losses))
             if losses else "")
    return judge("P2014-F10", outcome, _evidence(numbers, missing, extra), test, numbers)


def _shrink(config, table, peak: int, largest: int) -> Interval:
    """Per seed: gain(peak) - gain(largest)."""
    def gains(size):
        none = table.get(_key({"size": size, "arm": "none"}), {})
        drop = table.get(_key({"size": size, "arm": "dropout"}), {})
        return {s: none[s].final_test_error - drop[s].final_test_error
                for s in set(none) & set(drop)}

    first, last = gains(peak), gains(largest)
    values = [first[s] - last[s] for s in sorted(set(first) & set(last))]
    if not values:
        return Interval(math.nan, -math.inf, math.inf, config.confidence)
    return mean_interval(values, config.confidence, (-2.0, 2.0))
