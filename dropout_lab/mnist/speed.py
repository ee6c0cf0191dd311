"""``mnist-speed``: does adding dropout make training faster (S003, claim C11)?

S003 said dropout made its training "a little faster". The evidence that
bears on it is every pair of arms that differ only by dropout, in both MNIST
nets: S003's none/dropout and l2/dropout+l2, S001's none/dropout (same seed:
same initial weights, same batch order). For each pair both models are built
and traced in this process, then trained in rounds of one block each, the
order rotated round by round (``core.timing``): a block is ``REPETITIONS``
calls of the compiled loop of ``block_steps`` steps, each call timed by this
process's CPU time (all of TensorFlow's threads; waiting for a core another
process holds does not count) and by the wall clock, the block's time its
fastest call. A pair's speed
ratio is steps/s(with dropout) / steps/s(without) = CPU time(without) / CPU
time(with dropout), per round, with the exact signed-rank interval of its
log; rounds continue until it is known to +-5 % (``SPEED_PRECISION``) or the
pair's time cap (CPU time).

One combined test judges C11 over all pairs (Bonferroni: each pair's
interval at confidence 1 - (1 - confidence) / pairs, so any false decision
among them has probability <= 1 - confidence): *confirmed* when every pair is
faster with dropout, *refuted* when at least one is slower and none faster,
*qualified* when some are faster and some slower, else *inconclusive*. The
sweeps' per-unit steps/s (``mnist``) are not used: they time units one after
another by the wall clock, so a change of load between two units biases them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core import timing as interleaved
from dropout_lab.core.data.mnist import load_mnist
from dropout_lab.core.interval import Interval
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.stats import family_confidence
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict, judge
from dropout_lab.mnist import units as mnist_units
from dropout_lab.mnist.config import SPEED_MIN_ROUNDS, SPEED_PRECISION, SpeedConfig

KIND = "mnist-speed"
CLOCK = "process CPU time"
REPETITION_SECONDS = 0.05  # CPU time of one timed call of the training loop
REPETITIONS = 3  # timed calls per block: the block's time is the fastest
WARM_STEPS = 10  # untimed steps of each model before its block size is measured


@dataclass(frozen=True)
class PairTiming:
    """One pair of arms, timed in interleaved rounds.

    Attributes:
        speed_ratio: steps/s(arm) / steps/s(base) by process CPU time, the exact signed-rank
            interval at the pair's confidence; ``wall_speed_ratio`` the same by the wall clock.
        ms_per_step: arm -> median milliseconds per step, by CPU time and by the wall clock.
        block_steps: training steps of one timed call (a block makes ``REPETITIONS``).
        blocks_ms: ``cpu`` / ``wall`` -> arm -> per round, the block's fastest call, ms.
    """

    net: str
    base: str
    arm: str
    block_steps: int
    rounds: int
    stopped: str  # precise | time cap | most rounds
    seconds: Real
    speed_ratio: Interval
    wall_speed_ratio: Interval
    ms_per_step: dict[str, dict[str, Real]]
    blocks_ms: dict[str, dict[str, list[Real]]]
    load: dict[str, float]

    @property
    def label(self) -> str:
        """``S003 dropout / none``."""
        return f"{self.net} {self.arm} / {self.base}"


@record
class SpeedResult:
    """Every pair's timing and the one verdict on C11."""

    KIND: ClassVar[str] = KIND
    run_dir: Path
    config: SpeedConfig
    verdicts: list[Verdict]
    pairs: list[PairTiming]
    pair_confidence: float  # each pair's interval (Bonferroni over the pairs)
    data_source: str


Result = SpeedResult


def _rounds_done(ctx: RunContext, what: str, done: int) -> None:
    ctx.report(what, done, done + 1)  # rounds until the interval is narrow: no known total


def run(config: SpeedConfig, ctx: RunContext | None = None) -> SpeedResult:
    """Time every pair of ``config.pairs`` (module docstring), judge C11, write the run."""
    ctx = ctx or RunContext()
    mnist = load_mnist(ctx.data_dir)
    seed_everything(config.seed)
    ctx.report("starting TensorFlow", 1, 1)
    level = family_confidence(config.confidence, len(config.pairs))
    timed, data = [], {}
    for index, (net, base, arm) in enumerate(config.pairs):
        net_config = config.net_config(net)
        if net not in data:
            data = {net: mnist_units.unit_data(net_config, mnist)}  # one net's data at a time
        what = f"pair {index + 1} of {len(config.pairs)}: {net} {arm} vs {base}, rounds"
        timed.append(time_pair(config, net, base, arm, data[net], level,
                               functools.partial(_rounds_done, ctx, what)))
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = SpeedResult(run_dir=folder.final_path, config=config,
                             verdicts=[verdict_c11(timed, level)], pairs=timed,
                             pair_confidence=level, data_source=mnist.source)
        folder.write_json("results.json", results.to_json(result))
    return result


class _Training:
    """One arm's model, trained a block of steps per call, its steps counted."""

    def __init__(self, net_config, arm: str, seed: int, data):
        from dropout_lab.core import mlp  # TensorFlow

        model = mlp.build_mlp(net_config.hidden_units, net_config.arm_drop_rates(arm),
                              net_config.kernel_init, seed)
        self.trainer = mlp.Trainer(model, data, net_config.batch_size, net_config.optimizer,
                                   net_config.learning_rate, net_config.arm_l2_weight(arm))
        self.orders = mnist_units.PassOrders(net_config.train_images, mlp.derived_seed(seed, 3))
        self.done, self.steps = 0, WARM_STEPS

    def __call__(self) -> None:
        self.trainer.train_steps(self.orders, self.done, self.steps)
        self.done += self.steps


def time_pair(config: SpeedConfig, net: str, base: str, arm: str, data, level: float,
              progress) -> PairTiming:
    """Build both models of a pair, warm them up, then time interleaved rounds."""
    net_config = config.net_config(net)
    models = {name: _Training(net_config, name, config.seed, data) for name in (base, arm)}
    for model in models.values():
        model()  # traces the compiled loop and warms it up (WARM_STEPS steps)
    probe = models[base]
    probe.steps = 1
    steps = interleaved.block_size(probe, REPETITION_SECONDS, CLOCK)
    for model in models.values():
        model.steps = steps
    rounds = interleaved.interleave(
        models, block=REPETITIONS, clock=CLOCK, confidence=level, precision=SPEED_PRECISION,
        min_rounds=min(SPEED_MIN_ROUNDS, config.rounds), max_rounds=config.rounds,
        cap_seconds=config.seconds, progress=progress)
    return PairTiming(
        net=net, base=base, arm=arm, block_steps=steps, rounds=len(rounds.cpu[base]),
        stopped=rounds.stopped, seconds=rounds.seconds,
        speed_ratio=_inverse(rounds.interval(arm, base, level)),
        wall_speed_ratio=_inverse(rounds.interval(arm, base, level, wall=True)),
        ms_per_step={name: {"cpu": float(np.median(rounds.cpu[name])) * 1e3 / steps,
                            "wall": float(np.median(rounds.wall[name])) * 1e3 / steps}
                     for name in (base, arm)},
        blocks_ms={clock: {name: [round(v * 1e3, 6) for v in values]
                           for name, values in times.items()}
                   for clock, times in (("cpu", rounds.cpu), ("wall", rounds.wall))},
        load=rounds.load)


def _inverse(interval: Interval) -> Interval:
    """The interval of 1 / ratio: time(with) / time(without) -> steps/s ratio."""
    low = 1 / interval.high if math.isfinite(interval.high) else 0.0
    high = 1 / interval.low if interval.low > 0 else math.inf
    return Interval(1 / interval.estimate, low, high, interval.confidence)


def verdict_c11(pairs: list[PairTiming], level: float) -> Verdict:
    """C11 by the combined test over every pair (module docstring)."""
    faster = [p for p in pairs if p.speed_ratio.low > 1]
    slower = [p for p in pairs if p.speed_ratio.high < 1]
    if pairs and len(faster) == len(pairs):
        outcome = "confirmed"
    elif slower and not faster:
        outcome = "refuted"
    elif slower and faster:
        outcome = "qualified"
    else:
        outcome = "inconclusive"
    shown = "; ".join(f"{p.label} x{_ratio(p.speed_ratio)} (wall clock x"
                      f"{_ratio(p.wall_speed_ratio)}; {p.rounds} rounds of {REPETITIONS} x "
                      f"{p.block_steps} steps, {p.stopped})" for p in pairs)
    loads = [p.load for p in pairs] or [{"before": math.nan, "after": math.nan, "cpus": 0}]
    evidence = (f"steps per second with dropout / without, by process CPU time: {shown}. "
                f"Slower with dropout in {len(slower)} of {len(pairs)} pairs, faster in "
                f"{len(faster)}; 1-minute load average {loads[0]['before']:.2f} before, "
                f"{loads[-1]['after']:.2f} after, on {loads[0]['cpus']:g} CPUs. Every pair "
                "that adds dropout and changes nothing else counts (S003's two, S001's one); "
                "the sweeps' per-unit steps/s do not (wall clock, units one after another)")
    if outcome == "qualified":
        evidence += ("; faster with dropout: " + ", ".join(p.label for p in faster)
                     + "; slower: " + ", ".join(p.label for p in slower))
    test = (f"per pair, the exact signed-rank interval of the paired CPU-time ratio over "
            f"interleaved rounds at confidence {level:.6g} (Bonferroni over {len(pairs)} "
            f"pairs: any false decision has probability <= {(1 - level) * len(pairs):.2g}); "
            "confirmed if every pair lies above 1, refuted if one or more lies below 1 and "
            "none above, qualified if some lie above and some below")
    numbers: dict[str, Interval] = {p.label: p.speed_ratio for p in pairs}
    numbers.update({f"{p.label}, wall clock": p.wall_speed_ratio for p in pairs})
    return judge("C11", outcome, evidence, test, numbers)


def _ratio(interval: Interval) -> str:
    if not math.isfinite(interval.high):
        return f"{interval.estimate:.3f} (too few rounds for an interval)"
    return f"{interval.estimate:.3f} [{interval.low:.3f}, {interval.high:.3f}]"
