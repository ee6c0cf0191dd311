"""Timing that machine load cannot flip: interleaved, paired blocks timed by CPU time.

Two or more variants of one computation (inverted vs vanilla test-time pass,
training without vs with dropout) are run in *rounds*: each round runs one
block of every variant, in an order rotated from round to round (A B, B A,
A B... for two), inside one process. A block is a few repetitions of the
work, each timed twice: by the CPU time of the thread or process that does
the work (``time.thread_time`` / ``time.process_time``: time spent waiting
for a core shared with other processes does not count) and by the wall clock
(``time.perf_counter``); the block's time is its fastest repetition, by each
clock (what other processes do to a repetition, a preemption that leaves the
caches cold, only ever adds time, so the fastest is the work's own cost). A
round's ratio (variant / reference) pairs two blocks run next to each other,
so slow drifts of the machine's state cancel.

The ratios are summarised on the log scale by the Hodges-Lehmann estimate
with its exact Wilcoxon signed-rank interval (``stats.signed_rank_interval``),
reported as a ratio. Rounds are added until every ratio's interval is narrow enough or the time
cap is spent; the cap counts CPU time (by the same clock), so a loaded
machine gets as much measurement as an idle one, only later (a wall-clock
cap of ``WALL_FACTOR`` times as much stops a machine that hardly runs us at
all). Its one assumption holds by construction: the two
blocks of a round are exchangeable apart from the effect (same work, order
rotated), so log(B / A) - effect is distributed as its own negative,
symmetric about 0, whatever the machine does to single blocks; ranks make
the occasional block a preemption hits count no more than any other.
Rounds are added until every ratio's interval is
narrow enough (half-width of log(ratio) <= ``precision``) or the time cap is
reached; the rule looks at the interval's width, never at which side of 1
it lies, so stopping does not favour a decision (tests/test_timing.py
measures the coverage with this rule).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dropout_lab.core import stats
from dropout_lab.core.interval import Interval
from dropout_lab.core.results import Real

CLOCKS = {"thread CPU time": time.thread_time, "process CPU time": time.process_time}
WALL_FACTOR = 10  # the wall-clock cap: this many times the CPU-time cap


@dataclass(frozen=True)
class Rounds:
    """Per-block seconds of every variant, in the order the rounds ran.

    Attributes:
        clock: the CPU clock (a key of ``CLOCKS``).
        block: repetitions of the work in one block, each timed.
        cpu, wall: variant -> one number per round: the block's fastest repetition, in
            seconds, by each clock.
        stopped: why the rounds ended: ``precise`` (every interval narrow enough),
            ``time cap`` (CPU time), ``wall-clock cap`` or ``most rounds``.
        seconds: wall time of all the rounds.
        cpu_seconds: CPU time of all the rounds, by ``clock``.
        load: the 1-minute load average before and after, and the CPU count.
    """

    clock: str
    block: int
    cpu: dict[str, list[Real]]
    wall: dict[str, list[Real]]
    stopped: str
    seconds: Real
    load: dict[str, float]
    cpu_seconds: Real = math.nan

    def ratio(self, variant: str, reference: str, wall: bool = False) -> np.ndarray:
        """Per-round ratio of ``variant``'s block time to ``reference``'s."""
        times = self.wall if wall else self.cpu
        return np.asarray(times[variant]) / np.asarray(times[reference])

    def interval(self, variant: str, reference: str, confidence: float,
                 wall: bool = False) -> Interval:
        """The ratio's interval: signed-rank interval of log(ratio), exponentiated."""
        return ratio_interval(self.ratio(variant, reference, wall), confidence)


def ratio_interval(ratios, confidence: float) -> Interval:
    """exp of the Hodges-Lehmann estimate and signed-rank interval of log(ratios)."""
    found = stats.signed_rank_interval(np.log(np.asarray(ratios, dtype=np.float64)),
                                       confidence)
    return Interval(math.exp(found.estimate), math.exp(found.low), math.exp(found.high),
                    found.confidence)


def half_width(interval: Interval) -> float:
    """Half the width of log(interval): a relative precision (inf when not finite)."""
    if not (interval.low > 0 and math.isfinite(interval.high)):
        return math.inf
    return (math.log(interval.high) - math.log(interval.low)) / 2


def interleave(variants: Mapping[str, Callable[[], object]], *, block: int, clock: str,
               confidence: float, precision: float, min_rounds: int, max_rounds: int,
               cap_seconds: float, progress: Callable[[int], None] = lambda done: None
               ) -> Rounds:
    """Run rounds of blocks (see the module docstring) and return their times.

    Args:
        variants: name -> one repetition of the work; the first is the reference the
            ratios are taken against.
        block: repetitions per block (its time: the fastest, by each clock).
        clock: ``"thread CPU time"`` when the work runs in this thread only (NumPy with
            one BLAS thread), ``"process CPU time"`` when it runs in a library's threads
            (TensorFlow).
        confidence, precision: stop once every ratio's interval at ``confidence``
            has a log half-width <= ``precision`` ...
        min_rounds, max_rounds, cap_seconds: ... but not before ``min_rounds`` rounds, and
            no later than ``max_rounds`` rounds, ``cap_seconds`` of CPU time by ``clock``, or
            ``WALL_FACTOR`` times that of wall time (the round under way finishes).
    """
    cpu_clock, names = CLOCKS[clock], list(variants)
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    load_before, started, cpu_started = os.getloadavg()[0], time.perf_counter(), cpu_clock()
    stopped = "most rounds"
    for index in range(max_rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:  # the order rotates round by round
            work, fastest_cpu, fastest_wall = variants[name], math.inf, math.inf
            for _ in range(block):
                tick_cpu, tick_wall = cpu_clock(), time.perf_counter()
                work()
                fastest_cpu = min(fastest_cpu, cpu_clock() - tick_cpu)
                fastest_wall = min(fastest_wall, time.perf_counter() - tick_wall)
            cpu[name].append(fastest_cpu)
            wall[name].append(fastest_wall)
        progress(index + 1)
        if index + 1 >= min_rounds and _precise(cpu, names, confidence, precision):
            stopped = "precise"
            break
        if index + 1 >= min_rounds and cpu_clock() - cpu_started >= cap_seconds:
            stopped = "time cap"
            break
        if index + 1 >= min_rounds and time.perf_counter() - started >= WALL_FACTOR * cap_seconds:
            stopped = "wall-clock cap"
            break
    load = {"before": load_before, "after": os.getloadavg()[0], "cpus": os.cpu_count() or 1}
    return Rounds(clock, block, cpu, wall, stopped, time.perf_counter() - started, load,
                  cpu_clock() - cpu_started)


def _precise(cpu: dict[str, list[float]], names: list[str], confidence: float,
             precision: float) -> bool:
    reference = np.asarray(cpu[names[0]])
    with np.errstate(divide="ignore", invalid="ignore"):  # a block of 0 s: no interval yet
        return all(half_width(ratio_interval(np.asarray(cpu[name]) / reference, confidence))
                   <= precision for name in names[1:])


def block_size(work: Callable[[], object], target_seconds: float, clock: str) -> int:
    """How many times ``work`` runs in about ``target_seconds`` of CPU time (at least 1),
    from one timed run (run it once untimed before, to warm up)."""
    cpu_clock = CLOCKS[clock]
    tick = cpu_clock()
    work()
    once = max(cpu_clock() - tick, 1e-6)
    return max(1, round(target_seconds / once))
