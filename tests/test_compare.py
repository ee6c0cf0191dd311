"""The verdict logic of seed 000's experiment, on all outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from dropout_lab.toy.verdicts import Measured, checks_from, decide, false_alarm


@pytest.mark.parametrize("inverted, vanilla, consistent, verdict", [
    (True, False, True, "inverted"), (False, True, True, "vanilla"),
    (True, True, True, "indistinguishable"), (False, False, True, "other"),
    (True, False, False, "inconsistent"), (False, True, False, "inconsistent"),
    (False, False, False, "inconsistent"),
])
def test_decide(inverted, vanilla, consistent, verdict):
    assert decide(inverted, vanilla, consistent) == verdict


def _measured(f_r, f_0, g, mean, se):
    return Measured(f_r=np.array([f_r], np.float32), f_0=np.array([f_0], np.float32),
                    g=np.array(g), mean=np.array(mean), se=np.array(se),
                    recorded=np.array(f_r), layer_class="test")


def test_checks_use_relative_tolerance_and_z_bound():
    m = _measured([8.0, 4.0], [8.0 * (1 + 5e-7), 4.0], [4.0, 2.0], [8.0 + 4.4 * 0.01, 4.0],
                  [0.01, 0.01])
    inverted, vanilla, consistency = checks_from(m, rtol=1e-6, z=4.5)
    assert inverted.passed and not vanilla.passed and consistency.passed
    assert vanilla.statistic == pytest.approx(4.0)
    assert consistency.statistic == pytest.approx(4.4, rel=1e-5)
    _, _, strict = checks_from(m, rtol=1e-6, z=4.3)
    assert not strict.passed
    exact = checks_from(m, rtol=0.0, z=4.5)[0]
    assert not exact.passed and exact.statistic == pytest.approx(4e-6, rel=0.1)


def test_zero_standard_error_needs_exact_agreement_up_to_rounding():
    m = _measured([8.0], [8.0], [4.0], [8.0], [0.0])
    assert checks_from(m, 1e-6, 4.5)[2].passed
    m = _measured([8.0], [8.0], [4.0], [8.001], [0.0])
    assert not checks_from(m, 1e-6, 4.5)[2].passed


def test_false_alarm_bound_matches_the_documented_value():
    assert false_alarm(4.5, 3) == pytest.approx(2.04e-5, rel=0.01)
