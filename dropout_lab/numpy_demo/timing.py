"""C3's timing: S001's test-time passes, inverted vs vanilla vs vanilla folded.

Measured so that machine load cannot flip the verdict (``core.timing``):
rounds of one block of each variant, in an order rotated per round, in this
process; a block is ``REPETITIONS`` timed repetitions of the pass (several
passes when one is shorter than ``REPETITION_SECONDS``), each timed by this
thread's CPU time (NumPy's matrix products are held to one BLAS thread while
timing, so the whole pass runs in this thread and a busy neighbour core
changes nothing it counts) and by the wall clock, the block's time its
fastest repetition. The verdict reads the thread-CPU ratio; the wall-clock ratio is shown
beside it, each with the signed-rank interval of its paired ratios
(``core.timing``). Rounds go on until that interval is narrow
(``TIMING_PRECISION``), at least ``TIMING_MIN_ROUNDS`` and at most
``repeats`` of them or ``timing_seconds`` of CPU time.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest
from threadpoolctl import threadpool_limits

from dropout_lab.core import timing as interleaved
from dropout_lab.core.interval import Interval
from dropout_lab.core.results import Real
from dropout_lab.dropouts import numpy_ref
from dropout_lab.numpy_demo.config import (
    TIMING_CONFIDENCE,
    TIMING_MIN_ROUNDS,
    TIMING_PRECISION,
)
from dropout_lab.numpy_demo.net import SeedNet

CLOCK = "thread CPU time"
REPETITION_SECONDS = 0.02  # CPU time of one timed repetition, at least one pass
REPETITIONS = 5  # timed repetitions per block: the block's time is the fastest


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and range of repeated measurements."""

    median: Real
    q25: Real
    q75: Real
    min: Real
    max: Real

    @classmethod
    def of(cls, values) -> Spread:
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        return cls(float(median), float(q25), float(q75), float(np.min(values)),
                   float(np.max(values)))


@dataclass(frozen=True)
class Timing:
    """C3: test-time passes over all samples, milliseconds and ratios.

    Times and ratios are by ``clock`` (thread CPU time; runs of dropout-lab 0.2
    timed by the wall clock only, and have none of the fields after ``loaded``).
    """

    pass_ms: dict[str, Spread]  # variant -> time of one pass, by ``clock``
    vanilla_ratio: Spread  # vanilla / inverted, per round
    folded_ratio: Spread  # vanilla with keep folded into W2, W3 / inverted
    vanilla_slower: int  # rounds where vanilla took longer than inverted
    sign_test_p: Real  # two-sided sign test of "no difference"
    folded_max_rel_diff: Real  # max |folded - vanilla| / max |vanilla|
    vanilla_ratio_ci: Interval  # signed-rank interval of the ratio (0.2: of its median)
    folded_ratio_ci: Interval
    load: dict[str, float]  # 1-minute load average before and after, and the CPU count
    loaded: bool  # the timings were taken on a busy machine (see ``machine_load``)
    clock: str = "wall clock"
    wall_pass_ms: dict[str, Spread] | None = None  # the same passes by the wall clock
    wall_ratio_ci: Interval | None = None  # vanilla / inverted by the wall clock
    rounds: int | None = None
    passes_per_repetition: int | None = None
    repetitions_per_block: int | None = None
    stopped: str | None = None  # precise | time cap | most rounds (core.timing)
    seconds: Real | None = None  # wall time of the rounds
    cpu_seconds: Real | None = None  # their CPU time (the cap counts it)
    blocks_ms: dict[str, dict[str, list[Real]]] | None = None  # cpu/wall -> variant -> per round


def time_predicts(net: SeedNet, x: np.ndarray, keep_prob: float, max_rounds: int,
                  cap_seconds: float, progress=lambda done: None) -> Timing:
    """Time test-time passes over all samples: inverted, vanilla, vanilla folded (C3)."""
    inverted, vanilla = (cls.from_keep_prob(keep_prob) for cls in (numpy_ref.InvertedDropout,
                                                                     numpy_ref.VanillaDropout))
    folded = net.folded(keep_prob)
    variants = {"inverted": lambda: net.forward(x, inverted, inverted, training=False),
                "vanilla": lambda: net.forward(x, vanilla, vanilla, training=False),
                "vanilla folded": lambda: folded.plain(x)}
    with one_blas_thread():
        outputs = {name: run_pass() for name, run_pass in variants.items()}  # warm-up
        passes = interleaved.block_size(variants["inverted"], REPETITION_SECONDS, CLOCK)
        repeated = {name: _times(run_pass, passes) for name, run_pass in variants.items()}
        rounds = interleaved.interleave(
            repeated, block=REPETITIONS, clock=CLOCK, confidence=TIMING_CONFIDENCE,
            precision=TIMING_PRECISION, min_rounds=min(TIMING_MIN_ROUNDS, max_rounds),
            max_rounds=max_rounds, cap_seconds=cap_seconds, progress=progress)
    return timing_of(rounds, outputs, passes)


def _times(run_pass, passes: int):
    def repetition() -> None:
        for _ in range(passes):
            run_pass()
    return repetition


@contextlib.contextmanager
def one_blas_thread():
    """NumPy's BLAS limited to one thread (so the pass runs in this thread only)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def machine_load(load: dict[str, float], ratio: Spread) -> bool:
    """True when timings were taken on a busy machine.

    Busy: another process kept more than half of the CPUs busy on average over
    the last minute (the 1-minute load average, less the one CPU this pass
    uses, above half the CPUs), or the repeats spread widely (interquartile
    range of the time ratio above 15 % of its median).
    """
    others = max(load["before"], load["after"]) - 1.0
    return others > load["cpus"] / 2 or (ratio.q75 - ratio.q25) > 0.15 * ratio.median


def timing_of(rounds: interleaved.Rounds, outputs: dict[str, np.ndarray],
              passes: int = 1) -> Timing:
    """The Timing of measured rounds (ratios against ``inverted``); ``passes`` per timed
    repetition."""
    per_pass = {name: np.asarray(values) / passes for name, values in rounds.cpu.items()}
    wall = {name: np.asarray(values) / passes for name, values in rounds.wall.items()}
    ratio = rounds.ratio("vanilla", "inverted")
    folded = rounds.ratio("vanilla folded", "inverted")
    slower = int(np.sum(ratio > 1))
    vanilla = outputs["vanilla"]
    spread = Spread.of(ratio)
    return Timing(
        pass_ms={name: Spread.of(values * 1e3) for name, values in per_pass.items()},
        vanilla_ratio=spread, folded_ratio=Spread.of(folded),
        vanilla_slower=slower, sign_test_p=float(binomtest(slower, ratio.size, 0.5).pvalue),
        folded_max_rel_diff=float(np.max(np.abs(outputs["vanilla folded"] - vanilla))
                                  / np.max(np.abs(vanilla))),
        vanilla_ratio_ci=rounds.interval("vanilla", "inverted", TIMING_CONFIDENCE),
        folded_ratio_ci=rounds.interval("vanilla folded", "inverted", TIMING_CONFIDENCE),
        load=rounds.load, loaded=machine_load(rounds.load, spread), clock=rounds.clock,
        wall_pass_ms={name: Spread.of(values * 1e3) for name, values in wall.items()},
        wall_ratio_ci=rounds.interval("vanilla", "inverted", TIMING_CONFIDENCE, wall=True),
        rounds=int(ratio.size), passes_per_repetition=passes,
        repetitions_per_block=rounds.block, stopped=rounds.stopped,
        seconds=rounds.seconds, cpu_seconds=rounds.cpu_seconds,
        blocks_ms={clock: {name: [round(v * 1e3, 6) for v in values] for name, values in
                           times.items()} for clock, times in (("cpu", rounds.cpu),
                                                               ("wall", rounds.wall))})
