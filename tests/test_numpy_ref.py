"""The NumPy reference layers (seed 001): masks, scaling, test time, backward, gradient check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dropout_lab.core.stats import clopper_pearson
from dropout_lab.dropouts import numpy_ref
from dropout_lab.dropouts.numpy_ref import InvertedDropout, VanillaDropout

LAYERS = (VanillaDropout, InvertedDropout)
CONFIDENCE = 1 - 1e-4  # each interval test below fails a correct layer at most once in 1e4 seeds


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("drop_rate", [0.2, 0.5, 0.9])
def test_drop_fraction_is_drop_rate(cls, drop_rate):
    # zeros among n nonzero inputs ~ Binomial(n, drop_rate): the exact interval must cover it
    x = np.random.default_rng(1).uniform(1, 2, size=(200, 500))
    out = cls(drop_rate, np.random.default_rng(2)).forward(x, training=True)
    interval = clopper_pearson(int(np.count_nonzero(out == 0)), out.size, CONFIDENCE)
    assert interval.covers(drop_rate), (interval, drop_rate)
    assert not interval.covers(1 - drop_rate) or drop_rate == 0.5


@pytest.mark.parametrize("cls, kept_factor", [(VanillaDropout, 1.0), (InvertedDropout, 1 / 0.8)])
def test_kept_entries_multiplied_by_one_or_inverse_keep(cls, kept_factor):
    layer = cls(0.2, np.random.default_rng(3))
    x = np.random.default_rng(4).normal(size=(50, 40))
    out = layer.forward(x, training=True)
    assert set(np.unique(layer.mask)) == {0.0, kept_factor}
    np.testing.assert_array_equal(out, x * layer.mask)


def test_test_time_vanilla_scales_by_keep_inverted_is_identity():
    x = np.random.default_rng(5).normal(size=(6, 7))
    np.testing.assert_array_equal(VanillaDropout(0.3).forward(x, training=False), x * 0.7)
    np.testing.assert_array_equal(InvertedDropout(0.3).forward(x, training=False), x)


def test_same_seed_same_kept_sets_for_vanilla_and_inverted():
    x = np.ones((30, 30))
    vanilla = VanillaDropout(0.4, np.random.default_rng(9)).forward(x)
    inverted = InvertedDropout(0.4, np.random.default_rng(9)).forward(x)
    np.testing.assert_array_equal(vanilla != 0, inverted != 0)
    assert 0 < np.count_nonzero(vanilla) < x.size


@pytest.mark.parametrize("cls", LAYERS)
def test_backward_uses_the_last_forward(cls):
    layer = cls(0.5, np.random.default_rng(6))
    x, dout = np.ones((4, 5)), np.random.default_rng(7).normal(size=(4, 5))
    layer.forward(x, training=True)
    np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask)
    layer.forward(x, training=False)  # the gradient of the test-time map, not a stale mask
    factor = 0.5 if cls is VanillaDropout else 1.0
    np.testing.assert_array_equal(layer.backward(dout), dout * factor)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match=r"backward\(\) needs a forward\(\) first"):
        InvertedDropout(0.5).backward(np.ones(3))


def test_from_keep_prob_keeps_the_value_exactly():
    layer = InvertedDropout.from_keep_prob(0.7)
    assert layer.keep_prob == 0.7
    assert layer.drop_rate == pytest.approx(0.3, abs=1e-15)
    assert VanillaDropout(0.25).keep_prob == 0.75


@pytest.mark.parametrize("drop_rate", [-0.1, 1.0, 1.5, math.nan, math.inf])
def test_invalid_drop_rate(drop_rate):
    with pytest.raises(ValueError) as info:
        VanillaDropout(drop_rate)
    assert str(info.value) == ("Invalid value received for argument `drop_rate`. Expected a "
                               f"float in [0, 1). Received: drop_rate={drop_rate}")


@pytest.mark.parametrize("keep_prob", [0.0, -0.5, 1.5, math.nan])
def test_invalid_keep_prob(keep_prob):
    with pytest.raises(ValueError) as info:
        InvertedDropout.from_keep_prob(keep_prob)
    assert str(info.value) == ("Invalid value received for argument `keep_prob`. Expected a "
                               f"float in (0, 1]. Received: keep_prob={keep_prob}")


def test_max_rel_error():
    analytic, numeric = np.array([0.0, 1.0, -2.0]), np.array([0.0, 1.0, -1.0])
    assert numpy_ref.max_rel_error(analytic, numeric) == 0.5  # |-2 - -1| / 2
    assert numpy_ref.max_rel_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("training", [True, False])
def test_gradient_check_passes_for_reference_layers(cls, training):
    error = numpy_ref.gradient_error(
        lambda: cls.from_keep_prob(0.6, np.random.default_rng(11)), training,
        np.random.default_rng(12))
    assert error <= 1e-8


class ForgetsScaleInBackward(InvertedDropout):
    """Deliberately wrong: backward passes the 0/1 mask, not mask / keep_prob."""

    def backward(self, dout):
        return dout * (self.mask != 0)


class BackwardIgnoresMask(VanillaDropout):
    """Deliberately wrong: backward lets the gradient through dropped units."""

    def backward(self, dout):
        return dout


@pytest.mark.parametrize("cls, expected", [(ForgetsScaleInBackward, 1 - 0.6),
                                           (BackwardIgnoresMask, 1.0)])
def test_gradient_check_catches_wrong_backward(cls, expected):
    # relative error of the wrong gradient: |1 - 1/keep| / (1/keep) = 1 - keep, or 1 where masked
    error = numpy_ref.gradient_error(
        lambda: cls.from_keep_prob(0.6, np.random.default_rng(13)), True,
        np.random.default_rng(14))
    assert error == pytest.approx(expected, rel=1e-9)


def test_relative_error_of_zero_entries_is_zero_without_dividing_by_zero():
    with np.errstate(divide="raise", invalid="raise"):  # no 0/0 on the way
        assert numpy_ref.max_rel_error(np.array([0.0, 2.0]), np.array([0.0, 1.0])) == 0.5
        assert numpy_ref.max_rel_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize("layer", [InvertedDropout, VanillaDropout])
def test_backward_before_forward_says_so(layer):
    with pytest.raises(RuntimeError, match=r"^backward\(\) needs a forward\(\) first$"):
        layer(0.5, np.random.default_rng(0)).backward(np.ones(3))


def test_inverted_test_pass_hands_x_back_without_a_multiply_and_vanilla_multiplies():
    # what C3 times: inverted dropout's test-time pass does no arithmetic at all
    x = np.arange(1.0, 7.0).reshape(2, 3)
    inverted = InvertedDropout(0.2, np.random.default_rng(0))
    assert inverted.forward(x, training=False) is x
    vanilla = VanillaDropout(0.2, np.random.default_rng(0))
    scaled = vanilla.forward(x, training=False)
    assert scaled is not x and np.array_equal(scaled, x * 0.8)


def test_no_mask_exists_before_a_training_pass():
    layer = InvertedDropout(0.2, np.random.default_rng(0))
    assert layer.mask is None
    layer.forward(np.ones((2, 3)), training=False)
    assert layer.mask is None
    layer.forward(np.ones((2, 3)), training=True)
    assert layer.mask.shape == (2, 3)
