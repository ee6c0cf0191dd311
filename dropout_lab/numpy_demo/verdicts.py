"""Verdicts of ``dropout-lab numpy-demo``: the expectation argument, C2, the gradient check, C3.

The tests and their bounds are derived in the docstring of
``dropout_lab.numpy_demo.experiment`` and in docs/methods.md; here measured
numbers become ``Verdict``s.
"""

from __future__ import annotations

from dropout_lab.core.verdict import Verdict, check, judge
from dropout_lab.numpy_demo.config import GRADIENT_BOUND, TIMING_CONFIDENCE


def verdicts(comparisons, checks, timing, config) -> list[Verdict]:
    """The five verdicts: expectation, mask-mean, C2, gradient, C3."""
    by = {(c.point, c.implementation, c.reference): c for c in comparisons}
    conf = f"paired t interval at confidence 1 - {config.false_alarm:g}/{len(comparisons)}"
    return [_expectation(by, conf), _mask_mean(by, conf), _c2(by, conf), _gradient(checks),
            _c3(timing, config)]


def _shift(c) -> str:
    return f"{c.shift.estimate:+.4g} [{c.shift.low:+.4g}, {c.shift.high:+.4g}] ({c.verdict})"


def _expectation(by, conf) -> Verdict:
    vanilla = by[("layer 1", "vanilla", "test time, x keep_prob")]
    inverted = by[("layer 1", "inverted", "test time, identity")]
    measured = (f"at the first dropout layer, test - training mean: vanilla x keep_prob "
                f"{_shift(vanilla)}; inverted identity {_shift(inverted)}")
    return check("expectation", "at a dropout layer the test-time rule gives the training-mode "
                                "mean (vanilla: x keep_prob, inverted: identity)",
                 vanilla.verdict == inverted.verdict == "matches", measured,
                 f"{conf} must cover 0")


def _mask_mean(by, conf) -> Verdict:
    found = [by[("output", name, "exact mask expectation")] for name in ("vanilla", "inverted")]
    measured = "; ".join(f"{c.implementation}: exact {c.reference_mean:.6g} vs training mode "
                         f"{c.train_mean:.6g}, difference {_shift(c)}" for c in found)
    return check("mask-mean", "the training-mode output mean equals its exact expectation over "
                              "all masks (checks the masks and the layers)",
                 all(c.verdict == "matches" for c in found), measured, f"{conf} must cover 0")


def _abs_bounds(c) -> tuple[float, float]:
    """(lower, upper) bound of |shift| from its interval."""
    low, high = c.shift.low, c.shift.high
    lower = 0.0 if low <= 0 <= high else min(abs(low), abs(high))
    return lower, max(abs(low), abs(high))


def _c2(by, conf) -> Verdict:
    unscaled = by[("output", "vanilla", "test time, identity")]
    scaled = by[("output", "vanilla", "test time, x keep_prob")]
    exact = by[("output", "vanilla", "exact mask expectation")]
    further = _abs_bounds(unscaled)[0] > _abs_bounds(scaled)[1]
    ratio = (abs(unscaled.shift.estimate) / abs(scaled.shift.estimate)
             if scaled.shift.estimate else float("inf"))
    measured = (f"vanilla training-mode mean {unscaled.train_mean:.6g}; test time without "
                f"x keep_prob {unscaled.reference_mean:.6g}, shift {_shift(unscaled)}; with "
                f"x keep_prob {scaled.reference_mean:.6g}, shift {_shift(scaled)} (exact mask "
                f"expectation {exact.reference_mean:.6g}: the rule is exact only through linear "
                f"maps, and a ReLU follows the first dropout layer); unscaled shift is "
                f"{ratio:.3g}x the scaled one")
    holds = unscaled.verdict == "shifted" and further
    return judge("C2", "confirmed" if holds else "refuted", measured,
                 f"{conf} excludes 0, and the lower bound of |unscaled shift| exceeds the "
                 "upper bound of |scaled shift|",
                 {"shift_without_keep_prob": unscaled.shift, "shift_with_keep_prob": scaled.shift})


def _gradient(checks) -> Verdict:
    measured = "; ".join(f"{c.layer} ({c.mode}) {c.max_rel_error:.3g}" for c in checks)
    return check("gradient", "backward() is the derivative of forward() (max relative error)",
                 all(c.passed for c in checks), "max relative error: " + measured,
                 f"<= {GRADIENT_BOUND:g} (central differences, float64)")


def _c3(timing, config) -> Verdict:
    """C3 from the interval of the vanilla / inverted time ratio (docs/methods.md)."""
    ms, ratio, folded = timing.pass_ms, timing.vanilla_ratio_ci, timing.folded_ratio_ci
    extra = ms["vanilla"].median - ms["inverted"].median
    load, rounds = timing.load, timing.rounds or config.repeats
    measured = (f"test-time pass over {config.samples} samples by {timing.clock}: inverted "
                f"{ms['inverted'].median:.3g} ms, vanilla {ms['vanilla'].median:.3g} ms (median); "
                f"vanilla / inverted {_ratio(ratio)}, slower in "
                f"{timing.vanilla_slower} of {rounds} interleaved rounds (sign test p = "
                f"{timing.sign_test_p:.2g}); extra {extra:.3g} ms per pass")
    if timing.wall_ratio_ci is not None:
        measured += f"; by the wall clock {_ratio(timing.wall_ratio_ci)}"
    measured += (f"; keep_prob folded into W2, W3: ratio {_ratio(folded)}, same output to "
                 f"{timing.folded_max_rel_diff:.2g} relative")
    if timing.stopped is not None:
        measured += f"; rounds stopped: {timing.stopped} after {timing.seconds:.1f} s"
        if timing.cpu_seconds is not None:
            measured += f" ({timing.cpu_seconds:.1f} s of CPU time)"
    measured += (f". 1-minute load average {load['before']:.2f} before, {load['after']:.2f} "
                 f"after, on {load['cpus']:g} CPUs")
    if timing.loaded:
        measured += ("; taken under load (busy CPUs or widely spread rounds): CPU time does not "
                     "count the waits, the wall clock does")
    outcome = ("confirmed" if ratio.low > 1 else "refuted" if ratio.high < 1
               else "inconclusive")
    if outcome == "inconclusive":
        measured += ("; not decided: the difference is within this machine's timing noise "
                     "(a longer --timing-seconds, or an idle machine, gives the test more power)")
    return judge("C3", outcome, measured,
                 f"exact {TIMING_CONFIDENCE:.1%} Wilcoxon signed-rank interval of the "
                 f"{timing.clock} ratio of paired blocks (log scale, Hodges-Lehmann estimate) "
                 "over interleaved rounds: confirmed above 1, refuted below 1",
                 {"vanilla_over_inverted": ratio, "folded_over_inverted": folded})


def _ratio(interval) -> str:
    return f"{interval.estimate:.3f} [{interval.low:.3f}, {interval.high:.3f}]"
