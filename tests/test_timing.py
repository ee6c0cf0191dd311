"""Timing that load cannot flip (core.timing) and the statistics behind it and the power plan.

The signed-rank distribution against brute-force enumeration; the coverage of the
signed-rank interval and of the interleaved rounds with their width-based stopping rule,
by simulation; the power formulas against simulation.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dropout_lab.core import stats, timing


def _brute_force_counts(n: int) -> np.ndarray:
    """Number of sign patterns of ranks 1..n with each positive-rank sum t (2**n patterns)."""
    sums = np.zeros(1, dtype=np.int32)
    for rank in range(1, n + 1):  # every pattern without rank r, then every one with it
        sums = np.concatenate([sums, sums + rank])
    return np.bincount(sums, minlength=n * (n + 1) // 2 + 1)


@pytest.mark.parametrize("n", [1, 2, 5, 12, 21])
def test_signed_rank_distribution_is_the_enumeration_of_sign_patterns(n):
    cdf = stats._SignedRank().tail(n)
    expected = np.cumsum(_brute_force_counts(n)) / 2 ** n
    np.testing.assert_allclose(cdf, expected, rtol=1e-12, atol=0)
    if n == 21:  # the C3 test's bound at 99.9 % (tests/test_numpy_demo.py)
        assert round(cdf[25] * 2 ** 21) == 893 and cdf[25] <= 0.0005 < cdf[26]


def test_signed_rank_interval_is_the_kth_walsh_averages():
    values = [3.0, -1.0, 4.0, 1.5, 5.0, 9.0, 2.5, 6.0, 5.5, 3.5, 0.5]  # n = 11
    walsh = sorted((a + b) / 2 for a, b in itertools.combinations_with_replacement(values, 2))
    found = stats.signed_rank_interval(values, 0.95)
    cdf = np.cumsum(_brute_force_counts(11)) / 2 ** 11
    k = int(np.sum(cdf <= 0.025))  # the largest k with P(T <= k - 1) <= 0.025
    assert (found.low, found.high) == (walsh[k - 1], walsh[-k])
    assert found.estimate == float(np.median(walsh))
    assert found.confidence == pytest.approx(1 - 2 * cdf[k - 1])
    assert stats.signed_rank_interval(values[:10], 0.999).low == -math.inf  # too few
    assert stats.signed_rank_interval(values, 0.999).low == min(values)  # k = 1
    with pytest.raises(ValueError, match="no values"):
        stats.signed_rank_interval([], 0.9)


def test_signed_rank_interval_covers_the_centre_at_its_stated_rate():
    # Differences of two exponentials (skewed blocks, symmetric difference), n = 15 at 90 %:
    # the misses are Binomial(runs, 1 - coverage) when the interval is right; 4.5 sd bounds.
    rng, runs, centre = np.random.default_rng(5), 3000, 0.3
    stated = stats.signed_rank_interval(np.zeros(15), 0.9).confidence
    covered = sum(stats.signed_rank_interval(
        centre + rng.exponential(size=15) - rng.exponential(size=15), 0.9).covers(centre)
        for _ in range(runs))
    sd = math.sqrt(runs * stated * (1 - stated))
    assert abs(covered - runs * stated) <= 4.5 * sd


def test_a_blocks_time_is_its_fastest_repetition(monkeypatch):
    clock = FakeClock()
    monkeypatch.setitem(timing.CLOCKS, "fake", clock)
    costs = iter([5.0, 1.0, 3.0, 2.0, 2.0, 9.0] * 2)  # a: 5 1 3 (fastest 1), b: 2 2 9 (2)

    def work():
        clock.now += next(costs)

    found = timing.interleave({"a": work, "b": work}, block=3, clock="fake", confidence=0.5,
                              precision=10.0, min_rounds=1, max_rounds=1, cap_seconds=1e9)
    assert (found.cpu["a"], found.cpu["b"]) == ([1.0], [2.0])


class FakeClock:
    """A CPU clock that only the work advances: each block's time is what the work adds."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fake_rounds(monkeypatch, rng, effect, **how):
    clock = FakeClock()
    monkeypatch.setitem(timing.CLOCKS, "fake", clock)

    def work(scale):
        def run():
            clock.now += scale * (1 + 0.3 * rng.exponential())  # a skewed block time
        return run

    defaults = dict(block=1, clock="fake", confidence=0.9, precision=0.1, min_rounds=8,
                    max_rounds=300, cap_seconds=1e9)
    return timing.interleave({"a": work(1.0), "b": work(math.exp(effect))},
                             **{**defaults, **how})


def test_stopping_when_narrow_keeps_the_stated_coverage(monkeypatch):
    # The rule looks at the width only; with exchangeable blocks the interval still covers the
    # true ratio at its stated rate (misses Binomial; 4.5 sd bound), and at effect 0 it
    # excludes 1 (a false decision) no more often.
    rng, runs, effect = np.random.default_rng(11), 300, 0.25
    misses = false_alarms = 0
    for _ in range(runs):
        found = _fake_rounds(monkeypatch, rng, effect)
        assert found.stopped == "precise" and timing.half_width(found.interval(
            "b", "a", 0.9)) <= 0.1
        misses += not found.interval("b", "a", 0.9).covers(math.exp(effect))
        null = _fake_rounds(monkeypatch, rng, 0.0)
        false_alarms += not null.interval("b", "a", 0.9).covers(1.0)
    bound = runs * 0.1 + 4.5 * math.sqrt(runs * 0.1 * 0.9)
    assert misses <= bound and false_alarms <= bound


def test_rounds_rotate_the_order_and_stop_for_a_stated_reason(monkeypatch):
    calls = []
    clock = FakeClock()
    monkeypatch.setitem(timing.CLOCKS, "fake", clock)

    def work(name, seconds):
        def run():
            calls.append(name)
            clock.now += seconds
        return run

    variants = {"a": work("a", 1.0), "b": work("b", 1.5), "c": work("c", 0.5)}
    found = timing.interleave(variants, block=2, clock="fake", confidence=0.9, precision=0.1,
                              min_rounds=5, max_rounds=7, cap_seconds=1e9)
    # constant times: the interval is one point, narrow at the 5th round (the minimum)
    assert found.stopped == "precise" and len(found.cpu["a"]) == 5
    rounds = [calls[i:i + 6] for i in range(0, len(calls), 6)]
    assert [r[::2] for r in rounds] == [list("abc"), list("bca"), list("cab"), list("abc"),
                                        list("bca")]
    assert all(r[0::2] == r[1::2] for r in rounds)  # a block repeats the work `block` times
    assert found.cpu["b"] == [1.5] * 5 and found.ratio("b", "a").tolist() == [1.5] * 5
    assert found.interval("c", "a", 0.9) == stats.Interval(0.5, 0.5, 0.5, found.interval(
        "c", "a", 0.9).confidence)
    rng = np.random.default_rng(1)
    capped = _fake_rounds(monkeypatch, rng, 0.1, precision=1e-9, max_rounds=12)
    assert capped.stopped == "most rounds" and len(capped.cpu["a"]) == 12
    timed = _fake_rounds(monkeypatch, rng, 0.1, precision=1e-9, cap_seconds=0.0, min_rounds=9)
    assert timed.stopped == "time cap" and len(timed.cpu["a"]) == 9  # the minimum first
    assert timed.cpu_seconds == pytest.approx(sum(timed.cpu["a"]) + sum(timed.cpu["b"]),
                                              rel=0.5)  # the fastest of 1: all of it
    stuck = timing.interleave({"a": lambda: None, "b": lambda: None}, block=1, clock="fake",
                              confidence=0.9, precision=1e-9, min_rounds=2, max_rounds=10**6,
                              cap_seconds=1e-4)  # the CPU clock never moves
    assert stuck.stopped == "wall-clock cap" and stuck.seconds >= timing.WALL_FACTOR * 1e-4
    assert set(timed.load) == {"before", "after", "cpus"}


def test_block_size_reaches_the_target_cpu_time(monkeypatch):
    clock = FakeClock()
    monkeypatch.setitem(timing.CLOCKS, "fake", clock)

    def work():
        clock.now += 0.004

    assert timing.block_size(work, 0.05, "fake") == 12  # round(0.05 / 0.004) = 12.5 -> 12
    assert timing.block_size(work, 0.001, "fake") == 1


@pytest.mark.parametrize("shift, sd, count", [(0.157, 0.1, 20), (0.05, 0.1, 30),
                                              (-0.3, 0.2, 13)])
def test_signed_rank_power_matches_the_interval_it_predicts(shift, sd, count):
    power = stats.signed_rank_power(shift, sd, count, 0.999, runs=4000)
    rng, runs = np.random.default_rng(3), 1000
    decided = 0
    for _ in range(runs):
        found = stats.signed_rank_interval(rng.normal(shift, sd, count), 0.999)
        decided += found.low > 0 if shift > 0 else found.high < 0
    se = math.sqrt(power * (1 - power) * (1 / runs + 1 / 4000))
    assert abs(decided / runs - power) <= 4.5 * se + 1e-9
    assert stats.signed_rank_power(shift, sd, 10, 0.999) == 0.0  # no finite interval at 10


@pytest.mark.parametrize("effect, sd, count", [(-0.0124, 0.0059, 5), (0.004, 0.014, 20),
                                               (1.0, 1.0, 4)])
def test_mean_power_is_the_noncentral_t_and_matches_simulation(effect, sd, count):
    power = stats.mean_power(effect, sd, count, 0.95)
    rng, runs = np.random.default_rng(4), 4000
    side = math.copysign(1.0, effect)
    hits = 0
    for _ in range(runs):
        found = stats.mean_interval(rng.normal(effect, sd, count), 0.95)
        hits += (found.low > 0) if side > 0 else (found.high < 0)
    assert abs(hits / runs - power) <= 4.5 * math.sqrt(power * (1 - power) / runs)
    assert stats.mean_power(effect, sd, 1, 0.95) == 0.0


def test_family_confidence_and_the_fewest_values_of_a_rank_interval():
    assert stats.family_confidence(0.999, 3) == pytest.approx(1 - 0.001 / 3)
    assert stats.min_rank_count(0.999) == 11  # 1 - 2 * 2**-11 >= 0.999 > 1 - 2 * 2**-10
    assert stats.min_rank_count(stats.family_confidence(0.999, 3)) == 13
    for interval in (stats.median_interval, stats.signed_rank_interval):
        assert interval(np.arange(11.0), 0.999).low == 0.0
        assert interval(np.arange(10.0), 0.999).low == -math.inf
