"""Exact numbers and messages that kill the survivors of issue 21's mutation sample (seed 2026).

Each test names the module whose surviving mutant it kills; docs/mutation.md lists the mutants.
"""

from __future__ import annotations

import numpy as np

from dropout_lab.core import timing


def test_timing_ratio_interval_works_in_float64_whatever_the_ratios_come_in():
    # core/timing.py: ratios handed over as float32 are logged in float64, so the interval
    # is the one of the same values in float64 to the last bit (float32 logs differ at 1e-8)
    ratios = np.array([1.1, 1.23, 0.97, 1.31, 1.05, 1.18, 1.22, 0.99, 1.4, 1.12, 1.07],
                      dtype=np.float32)
    assert timing.ratio_interval(ratios, 0.95) == timing.ratio_interval(
        ratios.astype(np.float64), 0.95)
