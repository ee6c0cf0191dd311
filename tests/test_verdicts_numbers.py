"""Verdicts decided by numbers: numpy-demo (expectation, mask-mean, C2, gradient, C3), the MNIST
sweep's mixed cases (C4, C9; C11 is mnist-speed's: tests/test_mnist_speed.py) and
mc-average's MC, at every outcome and both sides of each
boundary, with exact evidence. Inputs are built by hand (no TensorFlow, no timing)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dropout_lab.core.stats import DIFFERENCE, Interval, mean_interval
from dropout_lab.core.verdict import judge
from dropout_lab.mnist import verdicts as mnist
from dropout_lab.mnist.mc_average import verdict as mc_verdict
from dropout_lab.numpy_demo import verdicts as demo
from dropout_lab.numpy_demo.config import NumpyDemoConfig
from dropout_lab.numpy_demo.experiment import GradientCheck
from dropout_lab.numpy_demo.timing import Spread, Timing

CONF = "paired t interval at confidence 1 - 0.0001/10"

# --- numpy-demo ------------------------------------------------------------------------------


def _cmp(point, implementation, reference, shift, train=0.5, ref=0.5, verdict=None):
    interval = Interval((shift[0] + shift[1]) / 2, shift[0], shift[1], 0.99999)
    return SimpleNamespace(point=point, implementation=implementation, reference=reference,
                           train_mean=train, reference_mean=ref, shift=interval,
                           verdict=verdict or ("matches" if interval.covers(0) else "shifted"))


def _comparisons(**changes):
    """numpy-demo's ten comparisons of a correct pair of implementations; ``changes`` maps
    "point/implementation/reference" to another shift interval."""
    table = {
        "layer 1/vanilla/test time, identity": (0.2, 0.3),
        "layer 1/vanilla/test time, x keep_prob": (-0.01, 0.01),
        "layer 1/inverted/test time, identity": (-0.02, 0.01),
        "layer 1/inverted/test time, x keep_prob": (-0.3, -0.2),
        "output/vanilla/test time, identity": (0.38, 0.42),
        "output/vanilla/test time, x keep_prob": (-0.07, -0.03),
        "output/vanilla/exact mask expectation": (-0.001, 0.002),
        "output/inverted/test time, identity": (0.03, 0.07),
        "output/inverted/test time, x keep_prob": (-0.4, -0.3),
        "output/inverted/exact mask expectation": (-0.002, 0.001)}
    table.update(changes)
    means = {"output/vanilla/test time, identity": 0.9, "output/vanilla/test time, x keep_prob":
             0.45, "output/vanilla/exact mask expectation": 0.52}
    return [_cmp(*key.split("/"), shift, ref=means.get(key, 0.5))
            for key, shift in table.items()]


CHECKS = [GradientCheck("VanillaDropout", "training", 1.2e-10, True),
          GradientCheck("VanillaDropout", "test", 0.0, True),
          GradientCheck("InvertedDropout", "training", 3.4e-11, True),
          GradientCheck("InvertedDropout", "test", 0.0, True)]


def _timing(low=1.1, high=1.4, loaded=False):
    return Timing(pass_ms={"inverted": Spread(10.0, 9.0, 11.0, 8.0, 12.0),
                           "vanilla": Spread(12.5, 12.0, 13.0, 11.0, 14.0),
                           "vanilla folded": Spread(10.01, 9.0, 11.0, 8.0, 12.0)},
                  vanilla_ratio=Spread(1.25, 1.2, 1.3, 1.0, 1.5),
                  folded_ratio=Spread(1.001, 1.0, 1.01, 0.98, 1.02), vanilla_slower=19,
                  sign_test_p=0.00022, folded_max_rel_diff=1.2e-16,
                  vanilla_ratio_ci=Interval(1.25, low, high, 0.99978),
                  folded_ratio_ci=Interval(1.001, 0.99, 1.01, 0.99978),
                  load={"before": 0.5, "after": 0.7, "cpus": 2}, loaded=loaded,
                  clock="thread CPU time", wall_ratio_ci=Interval(1.2, 0.9, 1.5, 0.99978),
                  rounds=21, stopped="precise", seconds=2.0, cpu_seconds=1.9)


def _demo(comparisons=None, checks=CHECKS, timing=None):
    found = demo.verdicts(comparisons or _comparisons(), checks, timing or _timing(),
                          NumpyDemoConfig())
    assert [v.claim for v in found] == ["expectation", "mask-mean", "C2", "gradient", "C3"]
    return {v.claim: v for v in found}


def test_numpy_demo_all_hold_on_a_correct_pair():
    found = _demo()
    assert {c: v.outcome for c, v in found.items()} == {
        "expectation": "confirmed", "mask-mean": "confirmed", "C2": "confirmed",
        "gradient": "confirmed", "C3": "confirmed"}
    assert found["expectation"].evidence == (
        "at the first dropout layer, test - training mean: vanilla x keep_prob +0 [-0.01, "
        "+0.01] (matches); inverted identity -0.005 [-0.02, +0.01] (matches)")
    assert found["expectation"].test == found["mask-mean"].test == f"{CONF} must cover 0"
    assert found["mask-mean"].evidence == (
        "vanilla: exact 0.52 vs training mode 0.5, difference +0.0005 [-0.001, +0.002] "
        "(matches); inverted: exact 0.5 vs training mode 0.5, difference -0.0005 [-0.002, "
        "+0.001] (matches)")
    assert found["gradient"].evidence == (
        "max relative error: VanillaDropout (training) 1.2e-10; VanillaDropout (test) 0; "
        "InvertedDropout (training) 3.4e-11; InvertedDropout (test) 0")
    assert found["gradient"].test == "<= 1e-08 (central differences, float64)"


def test_c2_confirmed_with_its_evidence_and_numbers():
    c2 = _demo()["C2"]
    assert c2.evidence == (
        "vanilla training-mode mean 0.5; test time without x keep_prob 0.9, shift +0.4 [+0.38, "
        "+0.42] (shifted); with x keep_prob 0.45, shift -0.05 [-0.07, -0.03] (shifted) (exact "
        "mask expectation 0.52: the rule is exact only through linear maps, and a ReLU follows "
        "the first dropout layer); unscaled shift is 8x the scaled one")
    assert c2.test == (f"{CONF} excludes 0, and the lower bound of |unscaled shift| exceeds "
                       "the upper bound of |scaled shift|")
    assert c2.numbers == {"shift_without_keep_prob": Interval(0.4, 0.38, 0.42, 0.99999),
                          "shift_with_keep_prob": Interval(-0.05, -0.07, -0.03, 0.99999)}


@pytest.mark.parametrize("unscaled, scaled, outcome", [
    ((0.38, 0.42), (-0.379, 0.1), "confirmed"),  # 0.38 > 0.379
    ((0.38, 0.42), (-0.38, 0.1), "refuted"),  # 0.38 = 0.38: not further
    ((0.38, 0.42), (-0.1, 0.38), "refuted"),
    ((-0.42, -0.38), (-0.1, 0.2), "confirmed"),  # a negative shift: |.| from its upper bound
    ((-0.42, -0.38), (-0.1, 0.381), "refuted"),
    ((-0.01, 0.8), (-0.001, 0.001), "refuted")])  # the unscaled interval covers 0: matches
def test_c2_needs_the_unscaled_shift_measurably_further_from_0(unscaled, scaled, outcome):
    found = _demo(_comparisons(**{"output/vanilla/test time, identity": unscaled,
                                  "output/vanilla/test time, x keep_prob": scaled}))["C2"]
    assert found.outcome == outcome


def test_c2_ratio_of_shifts_is_unscaled_over_scaled():
    found = _demo(_comparisons(**{"output/vanilla/test time, identity": (0.15, 0.25),
                                  "output/vanilla/test time, x keep_prob": (0.04, 0.06)}))
    assert found["C2"].evidence.endswith("unscaled shift is 4x the scaled one")
    zero = _demo(_comparisons(**{"output/vanilla/test time, x keep_prob": (-0.01, 0.01)}))
    assert zero["C2"].evidence.endswith("unscaled shift is infx the scaled one")


@pytest.mark.parametrize("key, claim", [
    ("layer 1/vanilla/test time, x keep_prob", "expectation"),
    ("layer 1/inverted/test time, identity", "expectation"),
    ("output/vanilla/exact mask expectation", "mask-mean"),
    ("output/inverted/exact mask expectation", "mask-mean")])
def test_a_shifted_correct_rule_refutes_its_check(key, claim):
    found = _demo(_comparisons(**{key: (0.001, 0.002)}))
    assert found[claim].outcome == "refuted"
    assert [c for c, v in found.items() if v.outcome != "confirmed"] == [claim]


def test_a_failed_gradient_check_refutes_the_gradient_verdict():
    checks = [*CHECKS[:3], GradientCheck("InvertedDropout", "test", 2e-8, False)]
    found = _demo(checks=checks)["gradient"]
    assert found.outcome == "refuted" and found.evidence.endswith("InvertedDropout (test) 2e-08")


def test_c3_confirmed_with_its_evidence():
    c3 = _demo()["C3"]
    assert c3.evidence == (
        "test-time pass over 1000000 samples by thread CPU time: inverted 10 ms, vanilla 12.5 "
        "ms (median); vanilla / inverted 1.250 [1.100, 1.400], slower in 19 of 21 interleaved "
        "rounds (sign test p = 0.00022); extra 2.5 ms per pass; by the wall clock 1.200 "
        "[0.900, 1.500]; keep_prob folded into W2, W3: ratio 1.001 [0.990, 1.010], same output "
        "to 1.2e-16 relative; rounds stopped: precise after 2.0 s (1.9 s of CPU time). "
        "1-minute load average 0.50 before, 0.70 after, on 2 CPUs")
    assert c3.test == ("exact 99.9% Wilcoxon signed-rank interval of the thread CPU time ratio "
                       "of paired blocks (log scale, Hodges-Lehmann estimate) over interleaved "
                       "rounds: confirmed above 1, refuted below 1")
    assert c3.numbers == {"vanilla_over_inverted": Interval(1.25, 1.1, 1.4, 0.99978),
                          "folded_over_inverted": Interval(1.001, 0.99, 1.01, 0.99978)}


@pytest.mark.parametrize("low, high, outcome", [
    (1.0001, 1.4, "confirmed"), (1.0, 1.4, "inconclusive"), (0.8, 1.0, "inconclusive"),
    (0.8, 0.9999, "refuted"), (0.9, 1.1, "inconclusive")])
def test_c3_decides_only_when_the_interval_is_strictly_off_1(low, high, outcome):
    c3 = _demo(timing=_timing(low, high))["C3"]
    assert c3.outcome == outcome
    assert c3.evidence.endswith("(a longer --timing-seconds, or an idle machine, gives the test "
                                "more power)") is (outcome == "inconclusive")


def test_c3_says_when_it_was_timed_under_load():
    c3 = _demo(timing=_timing(loaded=True))["C3"]
    assert c3.evidence.endswith("on 2 CPUs; taken under load (busy CPUs or widely spread "
                                "rounds): CPU time does not count the waits, the wall clock "
                                "does")


# --- mnist: mixed cases of C4, C9, C11 ---------------------------------------------------------

def _unit(arm, seed, test, train=0.99, speed=100.0, rise=0.0):
    from dropout_lab.mnist.units import Unit

    curves = {"test/accuracy": [test - rise, test], "train/accuracy": [train, train],
              "train/loss": [0.1, 0.1], "test/loss": [0.1, 0.1]}
    return Unit(arm=arm, seed=seed, steps=[50, 100], curves=curves, final_test_accuracy=test,
                final_train_accuracy=train, steps_per_second=speed, train_seconds=1.0,
                eval_seconds=0.1, trace_seconds=0.1, wall_seconds=1.2)


def _table(accuracy: dict[str, list[float]], **fields):
    return mnist.by_arm([_unit(arm, s, a, **{k: v[arm][s] for k, v in fields.items()})
                         for arm, values in accuracy.items() for s, a in enumerate(values)])


COMBINED = [0.960, 0.962, 0.958, 0.961]


def _written(name, values, level=0.95):
    i = mean_interval(values, level, DIFFERENCE)
    return f"{name} = {i.estimate:+.4f} [{i.low:+.4f}, {i.high:+.4f}]"


@pytest.mark.parametrize("dropout, l2, outcome", [
    # better than dropout, worse than l2: measurably better than one of them
    ([0.950, 0.951, 0.949, 0.950], [0.970, 0.971, 0.969, 0.970], "refuted"),
    ([0.970, 0.971, 0.969, 0.970], [0.950, 0.951, 0.949, 0.950], "refuted"),
    # worse than dropout, not measurably different from l2
    ([0.970, 0.971, 0.969, 0.970], [0.962, 0.960, 0.959, 0.9595], "inconclusive"),
    ([0.962, 0.960, 0.959, 0.9595], [0.970, 0.971, 0.969, 0.970], "inconclusive"),
    ([0.970, 0.971, 0.969, 0.970], [0.972, 0.972, 0.967, 0.971], "confirmed")])
def test_c9_mixed_cases_and_its_evidence(dropout, l2, outcome):
    c9 = mnist.verdict_c9(_table({"dropout": dropout, "l2": l2, "dropout+l2": COMBINED}),
                          0.95)
    assert c9.outcome == outcome
    assert c9.evidence == "; ".join(
        [_written("dropout+l2 - dropout", np.subtract(COMBINED, dropout)),
         _written("dropout+l2 - l2", np.subtract(COMBINED, l2))])
    assert c9.test == ("confirmed if both 95% intervals of the paired differences lie below "
                       "0, refuted if either lies above 0")


def _c4_table(narrowing, rise_dropout, rise_none):
    """gap(none) = 0.05 per seed; gap(dropout) = 0.05 - narrowing."""
    seeds = range(len(narrowing))
    return {"none": {s: _unit("none", s, 0.9, train=0.95, rise=rise_none[s]) for s in seeds},
            "dropout": {s: _unit("dropout", s, 0.9, train=0.95 - narrowing[s],
                                 rise=rise_dropout[s]) for s in seeds}}


@pytest.mark.parametrize("narrowing, rise, outcome", [
    ([0.02, 0.021, 0.019, 0.02], [0.01, 0.012, 0.011, 0.009], "confirmed"),
    ([0.02, 0.021, 0.019, 0.02], [0.01, -0.012, 0.011, -0.009], "inconclusive"),
    ([0.01, -0.012, 0.011, -0.009], [0.01, 0.012, 0.011, 0.009], "inconclusive"),
    ([-0.02, -0.021, -0.019, -0.02], [0.01, 0.012, 0.011, 0.009], "refuted"),
    ([0.02, 0.021, 0.019, 0.02], [-0.01, -0.012, -0.011, -0.009], "refuted")])
def test_c4_needs_both_the_narrower_gap_and_dropouts_own_rise(narrowing, rise, outcome):
    """The rise of the no-dropout arm is shown beside, never decides: here it is always far
    above 0 (+0.05), so a verdict that read it instead of dropout's would confirm more."""
    c4 = mnist.verdict_c4(_c4_table(narrowing, rise, [0.05, 0.051, 0.049, 0.05]), 0.95)
    assert c4.outcome == outcome
    assert list(c4.numbers) == ["gap(none) - gap(dropout)",
                                "late rise of test accuracy, dropout",
                                "late rise of test accuracy, none",
                                "final train accuracy, none"]
    assert c4.evidence.startswith("; ".join(
        [_written("gap(none) - gap(dropout)", narrowing),
         _written("late rise of test accuracy, dropout", rise)]))


@pytest.mark.parametrize("claim, arms, needed", [
    ("C4", ["none"], "none and dropout"), ("C4", ["dropout", "l2"], "none and dropout"),
    ("C9", ["dropout", "l2"], "dropout, l2 and dropout+l2")])
def test_a_claim_without_its_arms_is_not_measured(claim, arms, needed):
    table = _table({arm: [0.9, 0.91] for arm in arms})
    found = {"C4": mnist.verdict_c4, "C9": mnist.verdict_c9}[claim](table, 0.95)
    assert found == judge(claim, "not measured", f"needs the arms {needed}", "not run")


# --- mc-average: MC ------------------------------------------------------------------------------

KS = [1, 5, 10, 25, 50, 100]
INTERVALS = [Interval(0.02 + 0.01 / k, 0.019 + 0.01 / k, 0.021 + 0.01 / k, 0.9) for k in KS]


@pytest.mark.parametrize("reached, ks, outcome", [
    (24, KS, "qualified"), (25, KS, "confirmed"), (50, KS, "confirmed"),
    (100, KS, "confirmed"), (101, [*KS, 101], "refuted"), (1, KS, "qualified"),
    (None, KS, "refuted"),  # k = 100 measured and not reached
    (None, [1, 5, 10, 25, 50, 99], "inconclusive")])
def test_mc_outcome_by_the_smallest_k_reached(reached, ks, outcome):
    intervals = INTERVALS[:len(ks)] + [INTERVALS[-1]] * (len(ks) - len(INTERVALS))
    found = mc_verdict(ks, intervals, 0.0201, reached)
    assert (found.claim, found.source, found.outcome) == ("MC", "P2014", outcome)
    assert found.numbers == {"reached_k": reached, "deterministic_error": 0.0201}


def test_mc_evidence_and_test_name_the_numbers_and_the_level():
    found = mc_verdict(KS, INTERVALS, 0.0201, 50)
    assert found.evidence == ("deterministic (weight-scaled) test error 0.0201; Monte-Carlo "
                              "average reached at k = 50; at k = 100: 0.0201 [0.0191, 0.0211]")
    assert found.test == ("smallest k whose 90% interval over repeats reaches the deterministic "
                          "error; confirmed within a factor of 2 of the paper's k = 50")
    missed = mc_verdict(KS, INTERVALS, 0.0101, None)
    assert "Monte-Carlo average not reached up to k = 100;" in missed.evidence
