"""Verdict functions at every outcome they can return, on both sides of each boundary.

core.verdict (the one verdict type), compare's checks, probe's C10, noise-shape's
C8 and C12, gradients' C5-C7 and the activation order. Inputs are built by hand
(no framework, no measurement); each test asserts the outcome and the exact
evidence and numbers, with asymmetric cases so that a swapped pair or an
"any" for an "all" fails.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from dropout_lab.core.stats import Interval
from dropout_lab.core.verdict import (
    CLAIMS,
    OUTCOMES,
    Verdict,
    check,
    judge,
    not_measured,
    owned_elsewhere,
)
from dropout_lab.gradients.verdicts import verdicts as gradient_verdicts
from dropout_lab.probe import verdicts as probe_verdicts
from dropout_lab.probe.noise_shape import AxisReport
from dropout_lab.toy.verdicts import Measured, checks_from

# --- core.verdict ----------------------------------------------------------------------------


def test_a_verdict_takes_only_the_five_outcomes():
    assert OUTCOMES == ("confirmed", "refuted", "qualified", "inconclusive", "not measured")
    for outcome in OUTCOMES:
        assert Verdict("x", None, "s", outcome, "e", "t").outcome == outcome
    with pytest.raises(ValueError, match=r"^unknown outcome 'confirm'; expected one of \("
                                         r"'confirmed', 'refuted', 'qualified', "
                                         r"'inconclusive', 'not measured'\)$"):
        Verdict("x", None, "s", "confirm", "e", "t")


def test_key_number_is_the_first_number_with_its_name():
    def key(numbers):
        return Verdict("x", None, "s", "confirmed", "e", "t", numbers).key_number()

    assert key({}) == "—"
    assert key({"drop_fraction": Interval(0.79712, 0.78291, 0.81063, 0.95),
                "rate": 0.2}) == "drop fraction 0.7971 [0.7829, 0.8106]"
    assert key({"rate": 0.2, "drop_fraction": Interval(0.8, 0.7, 0.9, 0.95)}) == "rate 0.2"
    assert key({"max_abs_diff": 1.23456e-7}) == "max abs diff 1.235e-07"
    assert key({"reached_k": 50}) == "reached k 50"
    assert key({"reached_k": None, "deterministic_error": 0.0123}) == "—"
    assert key({"noise shapes": "(4, 1, 6) and (7, 1, 6)"}) == \
        "noise shapes (4, 1, 6) and (7, 1, 6)"
    assert key({"shared_axes": [1]}) == "shared axes [1]"


def test_judge_takes_source_and_statement_from_the_claim():
    found = judge("C10", "refuted", "measured", "the test", {"rate": 0.2})
    assert found == Verdict("C10", "S003", CLAIMS["C10"].statement, "refuted", "measured",
                            "the test", {"rate": 0.2})
    assert judge("MC", "confirmed", "e", "t").source == "P2014"
    assert judge("C1", "confirmed", "e", "t").numbers == {}


def test_check_is_confirmed_when_it_holds_and_refuted_when_not():
    assert check("order", "statement", True, "e", "t", {"n": 1.0}) == Verdict(
        "order", None, "statement", "confirmed", "e", "t", {"n": 1.0})
    assert check("order", "statement", False, "e", "t").outcome == "refuted"
    assert check("order", "statement", False, "e", "t").numbers == {}


def test_not_measured_says_why_and_that_nothing_ran():
    found = not_measured("C12", "noise_shape has no None entry")
    assert (found.claim, found.source, found.outcome, found.evidence, found.test,
            found.numbers) == ("C12", "S004", "not measured", "noise_shape has no None entry",
                               "not run", {})
    assert found.statement == CLAIMS["C12"].statement


def test_owned_elsewhere_names_each_claims_owner_command():
    assert owned_elsewhere(["C1", "C7", "C8"]) == (
        "Related claims are settled elsewhere: C1 by `dropout-lab compare`, C7 by "
        "`dropout-lab gradients`, C8 by `dropout-lab noise-shape`.")
    assert probe_verdicts.related_note() == owned_elsewhere(["C1", "C7", "C8"])


# --- compare's checks: "every input", both values in the tolerance -----------------------------

def _measured(f_r, f_0, g, mean, se):
    return Measured(f_r=np.array([f_r], np.float32), f_0=np.array([f_0], np.float32),
                    g=np.array(g, np.float64), mean=np.array(mean, np.float64),
                    se=np.array(se, np.float64), recorded=np.array(f_r), layer_class="test")


def test_a_check_holds_only_when_every_input_passes():
    """One input off by 1e-3 relative fails the whole check (all inputs, not any)."""
    m = _measured([8.0, 4.0], [8.0, 4.004], [4.0, 2.0], [8.0, 4.0], [0.1, 0.1])
    inverted = checks_from(m, rtol=1e-6, z=4.5)[0]
    assert not inverted.passed and inverted.statistic == pytest.approx(0.004, rel=1e-3)
    m = _measured([8.0, 4.0], [8.0, 4.0], [4.0, 2.001], [8.0, 4.0], [0.1, 0.1])
    assert not checks_from(m, rtol=1e-6, z=4.5)[1].passed


def test_the_tolerance_is_relative_to_the_larger_of_the_two_values():
    """f_r = 0, f_0 = 1e-7 at rtol 1: |diff| = 1e-7 <= 1 * max(0, 1e-7) passes; a tolerance
    on |f_r| alone (0) would fail it. Likewise for g."""
    m = _measured([0.0], [1e-7], [1e-7], [0.0], [1.0])
    inverted, vanilla, _ = checks_from(m, rtol=1.0, z=4.5)
    assert inverted.passed and vanilla.passed
    m = _measured([0.0], [1e-7], [1e-7], [0.0], [1.0])
    assert not checks_from(m, rtol=0.5, z=4.5)[0].passed


# --- probe: C10 ------------------------------------------------------------------------------

def _row(rate, low, high, meaning, layer="tf.nn.dropout", units=131072, estimate=None):
    stats = SimpleNamespace(rate_means=meaning, units=units,
                            drop_fraction=Interval(estimate if estimate is not None
                                                   else (low + high) / 2, low, high, 0.99999))
    return SimpleNamespace(layer=layer, rate=rate, stats=stats, framework_version="2.21.0")


def _c10_rows(meaning_at_08):
    return [_row(0.2, 0.195, 0.205, "drop"), _row(0.5, 0.495, 0.505, "undecidable"),
            _row(0.8, 0.7952, 0.8049, meaning_at_08, estimate=0.80004),
            _row(0.8, 0.195, 0.205, "keep", layer="keras.layers.Dropout")]


@pytest.mark.parametrize("meaning, outcome", [("drop", "refuted"), ("keep", "confirmed"),
                                              ("neither", "qualified"),
                                              ("inconsistent", "qualified")])
def test_c10_outcome_follows_what_rate_means_for_tf_nn_dropout(meaning, outcome):
    """The row furthest from 0.5 is shown (0.8, not 0.2); other layers' rows are ignored;
    the rate-0.5 row is quoted as the one S003's example cannot decide."""
    found = probe_verdicts.c10(_c10_rows(meaning), {"tf.nn.dropout": meaning,
                                                    "keras.layers.Dropout": "keep"}, 1.11e-5)
    assert (found.claim, found.source, found.outcome) == ("C10", "S003", outcome)
    assert found.evidence == (
        "tf.nn.dropout (TensorFlow 2.21.0) at rate 0.8 zeroed 0.8000 [0.7952, 0.8049] of "
        f"131072 entries; keeping with probability rate would zero 0.2: rate is the {meaning} "
        "probability (at rate 0.5 both readings give 0.5, so S003's example cannot tell them "
        "apart: measured 0.5000)")
    assert found.test == ("exact Clopper-Pearson interval of the dropped fraction at level "
                          "1.11e-05 covers rate (drop) or 1 - rate (keep)")
    assert found.numbers == {"drop_fraction": Interval(0.80004, 0.7952, 0.8049, 0.99999),
                             "rate": 0.8}


def test_c10_without_a_rate_0_5_row_says_nothing_about_it():
    rows = [_row(0.3, 0.295, 0.305, "drop")]
    found = probe_verdicts.c10(rows, {"tf.nn.dropout": "drop"}, 1e-3)
    assert found.outcome == "refuted" and found.evidence.endswith(
        "rate is the drop probability")
    assert found.test.endswith("at level 0.001 covers rate (drop) or 1 - rate (keep)")


@pytest.mark.parametrize("rows", [
    [],  # not probed at all
    [_row(0.5, 0.495, 0.505, "undecidable")],  # only where both readings agree
    [_row(0.2, 0.195, 0.205, "drop", layer="keras.layers.Dropout")],  # another layer
    [_row(0.0, 0.0, 0.0001, "drop"), _row(1.0, 0.9999, 1.0, "drop")],  # edge rates only
    [SimpleNamespace(layer="tf.nn.dropout", rate=0.2, stats=None, framework_version="2")],
])
def test_c10_is_not_measured_without_a_decisive_tf_row(rows):
    found = probe_verdicts.c10(rows, {"tf.nn.dropout": "drop"}, 1e-5)
    assert found == not_measured("C10", "tf.nn.dropout was not probed at a rate other "
                                        "than 0.5")


# --- noise-shape: C8 and C12 ------------------------------------------------------------------

def _axis(axis, expected, measured, size=4):
    return AxisReport(axis, ["batch", "timesteps", "features"][axis], size,
                      1 if expected == "shared" else size, expected,
                      200 if measured == "shared" else 0, measured, measured == expected)


AXES = [_axis(0, "independent", "independent"), _axis(1, "shared", "shared"),
        _axis(2, "independent", "independent")]
CONTROL = [_axis(a, "independent", "independent") for a in range(3)]
C8_TEST = ("in every one of 200 draws, every slice along an axis carries the same mask "
           "(shared) or not (independent); expected: shared exactly where noise_shape is 1")


def _c8(axes, control, shared):
    return probe_verdicts.c8("keras.layers.Dropout", 0.5, 200, axes, control, shared,
                             [4, 4, 4], [None, 1, 4])


def test_c8_confirmed_when_every_axis_is_as_declared_and_the_control_shares_none():
    found = _c8(AXES, CONTROL, [1])
    assert (found.claim, found.outcome, found.test) == ("C8", "confirmed", C8_TEST)
    assert found.evidence == (
        "keras.layers.Dropout on input (4, 4, 4): without noise_shape the mask was shared "
        "along axes [] (single entries dropped); with noise_shape (None, 1, 4) it was "
        "constant along axes [1] in all 200 draws and varied along [0, 2]; noise_shape has 1 "
        "on axes [1]")
    assert found.numbers == {"shared_axes": [1], "shared_axes_without_noise_shape": []}


def test_c8_refuted_when_an_axis_is_not_as_declared():
    wrong = [AXES[0], _axis(1, "shared", "independent"), AXES[2]]
    found = _c8(wrong, CONTROL, [])
    assert found.outcome == "refuted"
    assert "constant along axes [] in all 200 draws and varied along [0, 1, 2]" in \
        found.evidence


def test_c8_refuted_when_the_control_without_noise_shape_shares_an_axis():
    """Every declared axis right, but the plain layer also shares axis 0: not single entries."""
    control = [_axis(0, "independent", "shared"), CONTROL[1], CONTROL[2]]
    found = _c8(AXES, control, [1])
    assert found.outcome == "refuted"
    assert found.numbers == {"shared_axes": [1], "shared_axes_without_noise_shape": [0]}
    assert "without noise_shape the mask was shared along axes [0]" in found.evidence


@pytest.mark.parametrize("where", ["axes", "control"])
def test_c8_not_measured_when_a_layer_added_no_noise(where):
    undetermined = [_axis(a, "independent", "undetermined") for a in range(3)]
    axes, control = (undetermined, CONTROL) if where == "axes" else (AXES, undetermined)
    found = _c8(axes, control, [])
    assert found == judge("C8", "not measured", "keras.layers.Dropout at rate 0.5 added no "
                                                "noise in 200 draws: no mask to compare",
                          C8_TEST)


C12_TEST = "the same layer object runs on two batch sizes and shares its mask as declared on both"


def _c12(none_check):
    return probe_verdicts.c12("keras.layers.Dropout", none_check, [4, 3, 6], [None, 1, 6],
                              [4, 1, 6])


@pytest.mark.parametrize("as_expected, outcome, said", [
    (True, "confirmed", "constant along axes [1]"),
    (False, "qualified", "not constant along axes [1]")])
def test_c12_the_same_layer_on_a_longer_batch(as_expected, outcome, said):
    found = _c12({"input_shape": [7, 3, 6], "ran": True, "error": None, "shared_axes": [1],
                  "axes_as_expected": as_expected})
    assert (found.claim, found.outcome, found.test) == ("C12", outcome, C12_TEST)
    assert found.evidence == (
        "the same keras.layers.Dropout object (noise_shape (None, 1, 6)) ran on inputs "
        "(4, 3, 6) and (7, 3, 6), i.e. with noise shapes (4, 1, 6) and (7, 1, 6); on the "
        f"second input the mask was {said}")
    assert found.numbers == {"noise shapes": "(4, 1, 6) and (7, 1, 6)"}


def test_c12_refuted_when_the_longer_batch_raises():
    found = _c12({"input_shape": [7, 3, 6], "ran": False, "error": "ValueError: shape",
                  "shared_axes": [], "axes_as_expected": False})
    assert found == judge("C12", "refuted", "on input (7, 3, 6): ValueError: shape", C12_TEST)


def test_c12_not_measured_without_a_none_entry():
    assert _c12(None) == judge("C12", "not measured", "noise_shape has no None entry",
                               C12_TEST)


# --- gradients: C5, C6, C7 and the activation order --------------------------------------------

def _layer(name, kind, trainable, before, **fields):
    row = {"layer": name, "kind": kind, "trainable": trainable, "before_dropout": before,
           "output_max_abs_change": 0.0, "newly_zeroed": 0, "gradient_rel_change": 0.5,
           "weights_changed_fraction": 0.0 if trainable is False else 0.3,
           "rate1_gradient": {"kernel": "None", "bias": "None"} if before and trainable
           else None}
    row.update(fields)
    return SimpleNamespace(**row)


def _layers(**changes):
    """frozen conv, flatten, two trainable dense layers, dropout, output; ``changes`` maps a
    layer to the fields it gets instead."""
    rows = [_layer("conv", "Conv2D", False, True), _layer("flatten", "Flatten", None, True,
                                                          gradient_rel_change=None),
            _layer("dense_512", "Dense", True, True), _layer("dense_1024", "Dense", True, True),
            _layer("dropout", "Dropout", None, False, newly_zeroed=1638,
                   output_max_abs_change=2.0),
            # after the Dropout: its bias still gets a gradient at rate 1, which is no upstream
            _layer("output", "Dense", True, False, output_max_abs_change=0.3,
                   rate1_gradient={"kernel": "zero", "bias": "nonzero"})]
    return [SimpleNamespace(**{**vars(r), **changes.get(r.layer, {})}) for r in rows]


RATE1 = SimpleNamespace(train_zero_fraction=1.0, upstream_unchanged_after_step=True,
                        optimizer_warnings=["Gradients do not exist"], test_time_identity=True,
                        gradients_zero_mode={"dense_512/kernel": "zero",
                                             "dense_512/bias": "zero",
                                             "dense_1024/kernel": "zero",
                                             "dense_1024/bias": "zero",
                                             "output/kernel": "nonzero"})
ORDERS = [SimpleNamespace(activation="relu", same_mask=True, exactly_equal=True,
                          max_abs_diff=0.0),
          SimpleNamespace(activation="sigmoid", same_mask=True, exactly_equal=False,
                          max_abs_diff=0.5, differing_fraction=0.2, mean_before=0.5512,
                          mean_after=0.4409)]
CONFIG = SimpleNamespace(rate=0.2, false_alarm=1e-4)
INTERVAL = Interval(1638 / 8192, 0.1871, 0.2133, 1 - 1e-4)


def _claims(rows=None, interval=INTERVAL, rate1=RATE1, orders=ORDERS):
    found = gradient_verdicts(rows or _layers(), interval, (1638, 8192), rate1, orders, CONFIG)
    assert [v.claim for v in found] == ["C5", "C6", "C7", "order"]
    return {v.claim: v for v in found}


def test_c5_confirmed_with_its_numbers():
    c5 = _claims()["C5"]
    assert c5.outcome == "confirmed"
    assert c5.evidence == (
        "4 layers before Dropout: outputs bit-identical with and without dropout: yes; new "
        "zeros at: dropout; Dropout zeroed 1638 of 8192 nonzero Dense(1024) outputs = 0.2000, "
        "interval [0.1871, 0.2133] vs rate 0.2")
    assert c5.test == ("exact equality before Dropout; Clopper-Pearson interval at confidence "
                       "1 - 0.0001 must cover rate")
    assert c5.numbers == {"drop_fraction": INTERVAL}


@pytest.mark.parametrize("low, high, outcome", [
    (0.2, 0.21, "confirmed"), (0.19, 0.2, "confirmed"),  # a bound on the rate covers it
    (0.2001, 0.21, "refuted"), (0.19, 0.1999, "refuted"),
    (0.7867, 0.8129, "refuted")])  # the keep fraction
def test_c5_needs_the_interval_to_cover_the_rate(low, high, outcome):
    assert _claims(interval=Interval((low + high) / 2, low, high, 0.9999))["C5"].outcome == \
        outcome


@pytest.mark.parametrize("changes, said", [
    ({"dense_512": {"output_max_abs_change": 1e-7}}, "with and without dropout: no"),
    ({"dense_1024": {"newly_zeroed": 2}}, "new zeros at: dense_1024, dropout"),
    ({"output": {"newly_zeroed": 1}}, "new zeros at: dropout, output")])
def test_c5_refuted_when_dropout_reaches_another_layer(changes, said):
    c5 = _claims(_layers(**changes))["C5"]
    assert c5.outcome == "refuted" and said in c5.evidence


def test_c6_confirmed_with_every_upstream_gradient_named():
    c6 = _claims(_layers(dense_1024={"gradient_rel_change": 0.0123}))["C6"]
    assert c6.outcome == "confirmed"
    assert c6.evidence == ("||g_drop - g_none|| / ||g_none||: dense_512 0.5, dense_1024 0.0123; "
                           "after one train_on_batch step: 1 of 1 frozen layers bit-identical, "
                           "3 of 3 trainable layers changed")
    assert c6.numbers == {"gradient_rel_change/dense_512": 0.5,
                          "gradient_rel_change/dense_1024": 0.0123}


@pytest.mark.parametrize("changes, said", [
    ({"dense_1024": {"gradient_rel_change": 0.0}}, "dense_1024 0"),  # one of two unaffected
    ({"conv": {"weights_changed_fraction": 1e-6}}, "0 of 1 frozen layers bit-identical"),
    ({"output": {"weights_changed_fraction": 0.0}}, "2 of 3 trainable layers changed")])
def test_c6_refuted_when_any_part_fails(changes, said):
    c6 = _claims(_layers(**changes))["C6"]
    assert c6.outcome == "refuted" and said in c6.evidence


def test_c7_qualified_when_tf_gives_none_rather_than_zeros():
    c7 = _claims()["C7"]
    assert c7.outcome == "qualified"
    assert c7.evidence == (
        "training-mode output zero fraction 1; upstream gradients from tape.gradient: "
        "dense_512: kernel None, bias None; dense_1024: kernel None, bias None; with "
        "UnconnectedGradients.ZERO: all exactly 0; after train_on_batch upstream weights "
        "bit-identical: yes (1 Keras warning(s)); test time: identity; qualified: TF returns "
        "None (no gradient at all), not a zero tensor, and Keras warns that gradients do not "
        "exist")
    assert c7.numbers == {"nonzero upstream gradients": "0 of 4 (4 None)"}


def test_c7_confirmed_when_every_upstream_gradient_is_a_zero_tensor():
    zeros = {"kernel": "zero", "bias": "zero"}
    c7 = _claims(_layers(dense_512={"rate1_gradient": zeros},
                         dense_1024={"rate1_gradient": zeros}))["C7"]
    assert c7.outcome == "confirmed" and "qualified" not in c7.evidence
    assert c7.numbers == {"nonzero upstream gradients": "0 of 4 (0 None)"}


def test_c7_qualified_when_any_upstream_gradient_is_none():
    """One None among zeros is enough: TF answered "no gradient" for that weight."""
    c7 = _claims(_layers(dense_1024={"rate1_gradient": {"kernel": "zero", "bias": "None"}},
                         dense_512={"rate1_gradient": {"kernel": "zero", "bias": "zero"}}))["C7"]
    assert c7.outcome == "qualified"
    assert c7.numbers == {"nonzero upstream gradients": "0 of 4 (1 None)"}


@pytest.mark.parametrize("rows, rate1, said", [
    (_layers(dense_512={"rate1_gradient": {"kernel": "nonzero", "bias": "None"}}), RATE1,
     "1 of 4 (3 None)"),
    (None, SimpleNamespace(**{**vars(RATE1), "upstream_unchanged_after_step": False}),
     "0 of 4 (4 None)")])
def test_c7_refuted_by_a_nonzero_gradient_or_a_moved_weight(rows, rate1, said):
    c7 = _claims(rows, rate1=rate1)["C7"]
    assert c7.outcome == "refuted" and c7.numbers == {"nonzero upstream gradients": said}


def test_c7_reports_a_nonzero_gradient_in_zero_mode_upstream_only():
    rate1 = SimpleNamespace(**{**vars(RATE1), "gradients_zero_mode": {
        **RATE1.gradients_zero_mode, "dense_512/bias": "nonzero"}})
    assert "UnconnectedGradients.ZERO: not all 0" in _claims(rate1=rate1)["C7"].evidence
    # the output layer's own gradient is not upstream: its nonzero status does not count
    assert "UnconnectedGradients.ZERO: all exactly 0" in _claims()["C7"].evidence


def test_order_confirmed_with_its_numbers():
    order = _claims()["order"]
    assert (order.claim, order.source, order.outcome) == ("order", None, "confirmed")
    assert order.evidence == ("same mask: yes; relu: max |before - after| = 0; sigmoid: max "
                              "|before - after| = 0.5 on 20.0% of entries, mean 0.5512 "
                              "(before) vs 0.4409 (after)")


@pytest.mark.parametrize("activation, field, value", [
    ("relu", "exactly_equal", False), ("sigmoid", "exactly_equal", True),
    ("relu", "same_mask", False), ("sigmoid", "same_mask", False)])
def test_order_refuted_when_any_part_fails(activation, field, value):
    orders = [SimpleNamespace(**{**vars(o), field: value}) if o.activation == activation
              else o for o in ORDERS]
    order = _claims(orders=orders)["order"]
    assert order.outcome == "refuted"
    assert order.evidence.startswith("same mask: no" if field == "same_mask"
                                     else "same mask: yes")
