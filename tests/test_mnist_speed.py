"""``mnist-speed`` (C11): one combined test over every pair that adds dropout, timed so that
load cannot flip it; a busy-loop process on one core changes no verdict."""

from __future__ import annotations

import math

import pytest
from busy import busy_core

from dropout_lab.core.errors import ConfigError
from dropout_lab.core.interval import Interval
from dropout_lab.mnist.config import SpeedConfig, parse_nets
from dropout_lab.mnist.speed import PairTiming, _inverse, verdict_c11

LEVEL = 1 - 0.001 / 3


def _pair(net, base, arm, low, high, estimate=None):
    estimate = estimate if estimate is not None else math.sqrt(low * high)
    ratio = Interval(estimate, low, high, LEVEL)
    return PairTiming(net=net, base=base, arm=arm, block_steps=20, rounds=30, stopped="precise",
                      seconds=4.0, speed_ratio=ratio, wall_speed_ratio=Interval(1.0, 0.5, 2.0,
                                                                                LEVEL),
                      ms_per_step={base: {"cpu": 2.0, "wall": 4.0},
                                   arm: {"cpu": 2.5, "wall": 5.0}},
                      blocks_ms={"cpu": {}, "wall": {}},
                      load={"before": 3.0, "after": 3.5, "cpus": 2})


SLOW, FAST, UNSURE = (0.7, 0.8), (1.1, 1.2), (0.9, 1.1)


@pytest.mark.parametrize("bounds, outcome", [
    ((SLOW, SLOW, SLOW), "refuted"), ((SLOW, UNSURE, UNSURE), "refuted"),
    ((FAST, FAST, FAST), "confirmed"), ((FAST, FAST, UNSURE), "inconclusive"),
    ((UNSURE, UNSURE, UNSURE), "inconclusive"), ((SLOW, FAST, UNSURE), "qualified"),
    (((0.8, 1.0), (1.0, 1.2), UNSURE), "inconclusive"),  # touching 1 decides nothing
])
def test_c11_is_one_combined_test_over_every_pair(bounds, outcome):
    names = [("S003", "none", "dropout"), ("S003", "l2", "dropout+l2"),
             ("S001", "none", "dropout")]
    pairs = [_pair(*name, *bound) for name, bound in zip(names, bounds, strict=True)]
    verdict = verdict_c11(pairs, LEVEL)
    assert verdict.claim == "C11" and verdict.outcome == outcome
    assert list(verdict.numbers) == [
        "S003 dropout / none", "S003 dropout+l2 / l2", "S001 dropout / none",
        "S003 dropout / none, wall clock", "S003 dropout+l2 / l2, wall clock",
        "S001 dropout / none, wall clock"]
    slower = sum(b[1] < 1 for b in bounds)
    faster = sum(b[0] > 1 for b in bounds)
    assert f"Slower with dropout in {slower} of 3 pairs, faster in {faster}" in verdict.evidence
    low, high = bounds[0]
    assert (f"S003 dropout / none x{math.sqrt(low * high):.3f} [{low:.3f}, {high:.3f}] (wall "
            "clock x1.000 [0.500, 2.000]; 30 rounds of 3 x 20 steps, precise)") in verdict.evidence
    assert "1-minute load average 3.00 before, 3.50 after, on 2 CPUs" in verdict.evidence
    assert f"at confidence {LEVEL:.6g} (Bonferroni over 3 pairs: any false decision has " \
           "probability <= 0.001)" in verdict.test
    assert ("faster with dropout: S003 dropout / none" in verdict.evidence) is False
    if outcome == "qualified":
        assert verdict.evidence.endswith("; faster with dropout: S003 dropout+l2 / l2; slower: "
                                         "S003 dropout / none")


def test_a_time_ratio_becomes_a_speed_ratio():
    assert _inverse(Interval(1.25, 1.0, 2.0, 0.9)) == Interval(0.8, 0.5, 1.0, 0.9)
    assert _inverse(Interval(1.0, 0.0, math.inf, 0.9)) == Interval(1.0, 0.0, math.inf, 0.9)


def test_the_config_names_nets_and_their_pairs():
    assert SpeedConfig().pairs == [("S003", "none", "dropout"), ("S003", "l2", "dropout+l2"),
                                   ("S001", "none", "dropout")]
    assert SpeedConfig(nets=("S001",)).net_config("S001").train_images == 300
    expected = ("Invalid value for `nets`: expected a non-empty list of distinct nets from S003, "
                "S001. Received: nets=")
    for nets in (("S002",), ("S003", "S003"), ()):
        with pytest.raises(ConfigError) as info:
            SpeedConfig(nets=nets)
        assert str(info.value) == expected + repr(",".join(nets))
    assert parse_nets(" s001 ,S003") == ("S001", "S003")


@pytest.mark.slow
@pytest.mark.needs_mnist  # S003's and S001's nets on MNIST's 60000 images (the stand-in has 600)
def test_a_busy_core_does_not_change_c11(tmp_path):
    from dropout_lab.core.runs import RunContext
    from dropout_lab.mnist import speed

    config = SpeedConfig(seconds=10)
    idle = speed.run(config, RunContext(out=tmp_path / "idle"))
    with busy_core() as loop:
        loaded = speed.run(config, RunContext(out=tmp_path / "loaded"))
        assert loop.poll() is None  # it kept running the whole time
    assert idle.verdicts[0].outcome == loaded.verdicts[0].outcome == "refuted"
    for quiet, busy in zip(idle.pairs, loaded.pairs, strict=True):
        assert busy.speed_ratio.high < 1 and quiet.speed_ratio.high < 1
