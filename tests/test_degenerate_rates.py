"""Degenerate but accepted values give honest results (issue 16, kind 6).

At near-total dropping the training-mode passes keep almost nothing: their
standard error is no measure (often 0) and the consistency check cannot
decide; the comparison says so (inconclusive), never "refuted, inconsistent".
Advice after a divergence never repeats the learning rate already used.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropout_lab.toy import common, verdicts


@pytest.mark.parametrize("rate, mc_samples, noise, kept", [
    (0.999999, 2000, "bernoulli", 0.2),
    (0.9999, 2000, "bernoulli", 20.0),
    (0.9995, 1999, "alpha", 99.95),
])
def test_near_total_dropping_cannot_decide(rate, mc_samples, noise, kept):
    why = verdicts.undecidable(rate, mc_samples, noise, 100)
    needed = {0.2: 1000000, 20.0: 10000, 99.95: 2000}[kept]
    assert why == (f"at rate {rate:g} the {mc_samples} training-mode passes are expected to keep "
                   f"{kept:.4g} of their {mc_samples * 100} entries in all, fewer than 100: their "
                   "mean and standard error cannot be estimated, so the consistency check cannot "
                   f"decide (--mc-samples {needed} or more can)")


@pytest.mark.parametrize("rate, mc_samples, noise", [
    (0.999, 2000, "bernoulli"),  # 200 kept entries: decides
    (0.9995, 2000, "bernoulli"),  # exactly 100
    (0.999999, 2000, "continuous"),  # nothing is dropped: every pass varies
    (0.999999, 2000, "additive"),
    (0.5, 100, "bernoulli"),
])
def test_enough_kept_entries_or_no_dropping_decides(rate, mc_samples, noise):
    assert verdicts.undecidable(rate, mc_samples, noise, 100) is None


@given(st.floats(0.0, 0.99999), st.integers(100, 10**6))
def test_the_bound_is_min_kept_expected_entries(rate, mc_samples):
    kept = mc_samples * 100 * (1 - rate)
    decides = verdicts.undecidable(rate, mc_samples, "bernoulli", 100) is None
    if abs(kept - 100) > 1e-6:
        assert decides == (kept > 100)
    if not decides:  # the --mc-samples it advises decides
        needed = int(re.search(r"--mc-samples (\d+)", verdicts.undecidable(
            rate, mc_samples, "bernoulli", 100))[1])
        assert verdicts.undecidable(rate, needed, "bernoulli", 100) is None
        assert needed == 1 or verdicts.undecidable(rate, needed - 1, "bernoulli", 100)


@pytest.mark.parametrize("checks, decidable, classification", [
    ((True, False, False), False, "undecided"),  # inverted at test time, consistency unknown
    ((False, True, False), False, "undecided"),
    ((True, True, False), False, "indistinguishable"),
    ((False, False, False), False, "other"),  # neither at test time: a finding regardless
    ((True, False, False), True, "inconsistent"),
    ((True, False, True), True, "inverted"),
])
def test_decide_without_check_three(checks, decidable, classification):
    assert verdicts.decide(*checks, decidable=decidable) == classification


def test_compare_at_near_total_dropping_is_inconclusive_and_says_why(cli, out):
    data = cli.json("compare", "--rate", "0.999999", "--out", out)
    (verdict,) = data["verdicts"]
    assert data["classification"] == "undecided"
    assert verdict["claim"] == "C1" and verdict["outcome"] == "inconclusive"
    assert verdict["evidence"].endswith(
        "(at rate 0.999999 the 2000 training-mode passes are expected to keep 0.2 of their "
        "200000 entries in all, fewer than 100: their mean and standard error cannot be "
        "estimated, so the consistency check cannot decide (--mc-samples 1000000 or more can))")
    assert "cannot decide" in data["checks"]["consistency"]["bound"]
    shown = cli("runs", "show", data["run_dir"]).stdout
    flat = re.sub(r"[\s│┃]", "", shown)
    assert "cannotdecide" in flat and "C1inconclusive" in flat and "refuted" not in shown


def test_compare_where_enough_is_kept_still_decides(cli, out):
    data = cli.json("compare", "--rate", "0.9", "--out", out)
    assert data["classification"] == "inverted" and data["verdicts"][0]["outcome"] == "confirmed"


@pytest.mark.parametrize("learning_rate, advice", [
    (10.0, "A smaller learning rate trains (S000: 0.001)."),
    (0.01, "A smaller learning rate trains (S000: 0.001)."),
    (0.001, "A smaller learning rate may train (e.g. 0.0001)."),
    (0.0001, "A smaller learning rate may train (e.g. 1e-05)."),
])
def test_divergence_advice_never_repeats_the_learning_rate_used(learning_rate, advice):
    losses = [1.0, float("inf")]
    message = common.divergence(__import__("numpy").array(losses), True, learning_rate)
    assert message.endswith(advice)


@given(st.floats(1e-12, 1e6))
def test_the_advised_learning_rate_is_always_smaller(learning_rate):
    advice = common.smaller_learning_rate(learning_rate)
    advised = float(re.search(r"(?:S000: |e\.g\. )([0-9.e+-]+)\)", advice)[1])
    assert advised < learning_rate


def test_train_at_rate_0999_diverges_with_advice_below_the_rate_used(cli, out):
    result = cli("train", "--rate", "0.999", "--out", out, expect=1)
    line = next(line for line in result.stderr.splitlines() if line.startswith("Error:"))
    assert "(learning rate 0.001)" in line and line.endswith(
        "A smaller learning rate may train (e.g. 0.0001).")
