"""``dropout-lab sweep``: configs, the verdicts on hand-built units, a tiny local sweep, resume,
errors.

The verdict tests use per-seed numbers whose outcome is worked out by hand;
the sweeps train tiny nets (32 wide, 400 images, tens of steps) on the real
MNIST in their own process (the local executor sets TensorFlow's threads
before TensorFlow starts).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Invoker
from sweep_helpers import sweep, tiny_config, unit_numbers

from dropout_lab.core import results
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.runs import RunContext
from dropout_lab.sweep import experiment
from dropout_lab.sweep.config import SweepConfig, resolve_profile
from dropout_lab.sweep.units import Unit, unit_name
from dropout_lab.sweep.verdicts import analyse

invoke = Invoker(None)


def _unit(point, seed, test, train=0.0):
    return Unit(point=point, seed=seed, widths=[8], keeps=[1.0, 0.5], train_images=100,
                threads=1, steps=[10], curves={"train/loss": [0.1], "train/error": [train],
                                               "test/error": [test]},
                final_test_error=test, final_train_error=train, train_seconds=1.0,
                eval_seconds=0.1, trace_seconds=0.1, wall_seconds=1.2)


JITTER = (0.0, 0.0004, -0.0004)  # rotated per point: paired differences have a spread


def _rate_units(errors: dict[float, float], train: dict[float, float] | None = None):
    return [_unit({"keep_prob": k}, s, e + JITTER[(s + i) % 3],
                  (train or {}).get(k, 0.0) + JITTER[(s + i) % 3])
            for i, (k, e) in enumerate(errors.items()) for s in range(3)]


def _verdict(study, units, **values):
    config = resolve_profile(study, "quick", flags=dict(seeds=3, **values))
    return analyse(config, units).verdicts[0]


PAPER_SHAPE = {0.1: 0.30, 0.2: 0.05, 0.3: 0.030, 0.4: 0.021, 0.5: 0.020, 0.6: 0.0205,
               0.7: 0.021, 0.8: 0.022, 0.9: 0.025, 1.0: 0.030}


def test_f9a_confirmed_on_the_published_shape():
    verdict = _verdict("rate", _rate_units(PAPER_SHAPE, {0.1: 0.3, 0.5: 0.01}))
    assert verdict.claim == "P2014-F9a" and verdict.outcome == "confirmed", verdict.evidence
    assert verdict.numbers["best keep_prob in 0.4-0.8"] == 0.5
    rise = verdict.numbers["test error at keep 1.00 - at best (rise if > 0)"]
    assert rise.estimate == pytest.approx(0.010, abs=1e-12) and rise.low > 0


def test_f9a_refuted_when_no_dropout_is_best_and_qualified_without_the_rise():
    best_at_one = {**PAPER_SHAPE, 1.0: 0.015}
    assert _verdict("rate", _rate_units(best_at_one)).outcome == "refuted"
    no_rise = {**PAPER_SHAPE, 0.9: 0.0201, 1.0: 0.0201}
    verdict = _verdict("rate", _rate_units(no_rise, {0.1: 0.3}))
    assert verdict.outcome == "qualified" and "not shown here: rise towards 1" in verdict.evidence


def test_f9a_not_flat_beyond_the_tolerance_is_refuted():
    steep = {**PAPER_SHAPE, 0.8: 0.030}  # 0.010 worse than 0.5, tolerance 0.005
    verdict = _verdict("rate", _rate_units(steep, {0.1: 0.3}))
    assert verdict.outcome == "refuted" and "not flat: more than 0.005 worse at 0.8" in \
        verdict.evidence


def test_missing_points_are_named_and_block_a_confirmation():
    units = [u for u in _rate_units(PAPER_SHAPE, {0.1: 0.3, 0.5: 0.01})
             if not (u.point["keep_prob"] == 0.6 and u.seed > 0)]
    config = resolve_profile("rate", "quick", flags=dict(seeds=3))
    analysis = analyse(config, units)
    assert analysis.missing == ["keep 0.60 (seeds 1, 2)"]
    assert analysis.verdicts[0].outcome == "inconclusive"
    assert "Missing points: keep 0.60 (seeds 1, 2)" in analysis.verdicts[0].evidence


def test_f9b_optimum_near_0_6():
    shape = {0.1: 0.05, 0.3: 0.025, 0.5: 0.0205, 0.6: 0.020, 0.7: 0.0205, 0.9: 0.022,
             1.0: 0.023}
    keeps = tuple(shape)
    assert _verdict("width", _rate_units(shape), keep_probs=keeps).outcome == "confirmed"
    elsewhere = {**shape, 1.0: 0.010}
    verdict = _verdict("width", _rate_units(elsewhere), keep_probs=keeps)
    assert verdict.outcome == "refuted" and "significantly better than the best near 0.6: 1" \
        in verdict.evidence


def _size_units(gains: dict[int, float]):
    return [_unit({"size": n, "arm": arm}, s, 0.1 + JITTER[(s + i + j) % 3]
                  + (g if arm == "none" else 0.0))
            for i, (n, g) in enumerate(gains.items()) for j, arm in enumerate(("none", "dropout"))
            for s in range(3)]


@pytest.mark.parametrize("gains, outcome", [
    ({100: 0.0, 1000: 0.02, 20000: 0.005}, "confirmed"),
    ({100: 0.01, 1000: 0.02, 20000: 0.005}, "refuted"),  # a gain at the smallest size
    ({100: 0.0, 1000: 0.01, 20000: 0.02}, "qualified"),  # grows to the largest: no shrink
    ({100: 0.0, 1000: 0.02, 20000: -0.01}, "qualified"),  # shrinks into a loss
    ({100: 0.0, 1000: -0.01, 20000: -0.02}, "refuted"),  # every larger size loses
])
def test_f10_signs_of_the_gain(gains, outcome):
    sizes = tuple(gains)
    verdict = _verdict("size", _size_units(gains), sizes=sizes)
    assert verdict.outcome == outcome, verdict.evidence
    signs = ", ".join(f"{n}: {'+' if g > 0 else '-' if g < 0 else '0'}" for n, g in gains.items())
    assert verdict.numbers["signs by size"] == signs


def test_profiles_and_reduced():
    quick = resolve_profile("rate", "quick")
    assert quick.hidden_units == (256, 256, 256) and quick.seeds == 3
    paper = resolve_profile("size", "paper")
    assert paper.hidden_units == (1024, 1024, 2048) and paper.sizes == (100, 500, 1000, 5000,
                                                                         10000, 50000)
    assert paper.reduced() == [] and resolve_profile("rate", "paper").reduced() == []
    assert "steps 800 (paper: 100000)" in quick.reduced()
    width = resolve_profile("width", "quick")
    assert width.widths({"keep_prob": 0.1}) == (320, 320, 640)
    assert unit_name({"size": 100, "arm": "none"}, 2) == "n100_none_seed2"
    assert unit_name({"keep_prob": 0.5}, 0) == "keep0.50_seed0"


@pytest.mark.parametrize("values, message", [
    ({"keep_probs": (0.0, 0.5)}, "Invalid value for `keep_probs`: expected distinct keep "
                                 "probabilities in (0, 1] (at most 100). Received: "
                                 "keep_probs=[0.0, 0.5]"),
    ({"momentum": 1.0}, "Invalid value for `momentum`: expected a number in [0, 1). Received: "
                        "momentum=1.0"),
    ({"sizes": (100, 100)}, "Invalid value for `sizes`: expected distinct training-set sizes "
                            "in [1, 60000] (at most 100). Received: sizes=[100, 100]"),
    ({"max_norm": -1.0}, "Invalid value for `max_norm`: expected a finite number >= 0 "
                         "(0: no constraint). Received: max_norm=-1.0"),
])
def test_bad_values_name_the_key(values, message):
    with pytest.raises(ConfigError) as caught:
        SweepConfig(**values)
    assert str(caught.value) == message


@pytest.mark.parametrize("args, message", [
    (("depth",), "Invalid value for '[STUDY]': 'depth' is not one of 'rate', 'width', 'size'."),
    (("rate", "--keep-probs", "0.5,x"), "Invalid value for `keep_probs`: expected a "
                                         "comma-separated list of numbers. Received: "
                                         "keep_probs='0.5,x'"),
    (("rate", "--address", "10.0.0.5:6379"), "Invalid value for `--address`: it names a Ray "
                                              "cluster, so it needs --executor ray."),
    (("rate", "--executor", "ray", "--retries", "11"), "Invalid value for `retries`: expected "
                                                        "an integer in [0, 10]. Received: "
                                                        "retries=11"),
    (("rate", "--seeds", "0"), "Invalid value for `seeds`: expected an integer in [1, 1000] "
                               "(units per point). Received: seeds=0"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    result = invoke("sweep", *args, "--out", tmp_path, expect=2)
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert not (tmp_path / "sweep").exists()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny rate study (2 points x 2 seeds), local, in a process of its own."""
    folder = tmp_path_factory.mktemp("tiny")
    return sweep("rate", "--config", tiny_config(folder), "--out", folder / "out"), folder


def test_tiny_sweep_writes_every_unit_and_its_statistics(tiny):
    data, _ = tiny
    assert data["kind"] == "sweep" and data["complete"] and data["missing"] == []
    assert data["executor"]["name"] == "local" and data["executor"]["threads_per_unit"] == 1
    assert [(p["point"]["keep_prob"], p["seeds"]) for p in data["points"]] == [(0.5, 2),
                                                                               (1.0, 2)]
    errors = [u["final_test_error"] for u in data["units"] if u["point"]["keep_prob"] == 0.5]
    assert data["points"][0]["test_error"]["estimate"] == pytest.approx(sum(errors) / 2,
                                                                        abs=1e-12)
    for unit in data["units"]:
        assert 0 < unit["final_test_error"] < 0.9 and unit["threads"] == 1  # it learned
        assert unit["final_test_error"] * 10000 == pytest.approx(
            round(unit["final_test_error"] * 10000), abs=1e-6)
    assert data["verdicts"][0]["claim"] == "P2014-F9a" and data["plots"] == [
        "error_vs_keep_prob.png"]
    assert sorted(unit_numbers(data["run_dir"])) == ["keep0.50_seed0", "keep0.50_seed1",
                                                     "keep1.00_seed0", "keep1.00_seed1"]


def test_runs_show_renders_a_sweep(tiny):
    data, _ = tiny
    shown = invoke("runs", "show", data["run_dir"])
    text = " ".join(shown.stdout.split())
    assert "P2014-F9a: error per keep_prob" in text and "Published (P2014-F9a)" in text
    assert json.loads(invoke("runs", "show", data["run_dir"], "--json").stdout)["points"] == \
        data["points"]


def test_interrupted_sweep_resumes_to_the_same_numbers(tiny, tmp_path):
    data, folder = tiny
    config = resolve_profile("rate", "quick", flags=dict(
        hidden_units=(32, 32, 32), train_subset=400, train_eval_size=400, steps=30,
        eval_every=30, seeds=2, keep_probs=(0.5, 1.0)))

    shown = []

    def stop_after_first_unit(task, done, total):
        shown.append((task, done, total))
        if task.startswith("units") and done == 1:
            raise KeyboardInterrupt

    with pytest.raises(ExperimentError, match=r"Interrupted: 1 of 4 units are complete in .*"
                                              r"Continue with: dropout-lab sweep --resume"):
        experiment.run(config, RunContext(out=tmp_path, progress=stop_after_first_unit))
    bars = [(task, done, total) for task, done, total in shown if task.startswith("units")]
    assert bars[0] == ("units [local] | 0 failed, 0 running", 0, 4)  # one bar, all units
    assert ("units [local] | 0 failed, 1 running (keep0.50_seed0 at step 30/30)", 0, 4) in bars
    assert bars[-1] == ("units [local] | 0 failed, 0 running", 1, 4)
    (partial,) = (tmp_path / "sweep").iterdir()
    result = invoke("sweep", "--resume", partial, "--json", "--quiet")
    resumed = json.loads(result.stdout)
    assert [u["resumed"] for u in resumed["units"]] == [True, False, False, False]
    # the pytest process may run TensorFlow with its default threads: a 32-wide net's numbers
    # do not depend on them (the Ray tests compare wide-net units across executors)
    def numbers(run_dir):
        found = {}
        for name, (text, arrays, _) in unit_numbers(run_dir).items():
            unit = json.loads(text)
            unit.pop("threads")
            found[name] = (unit, arrays)
        return found

    assert numbers(resumed["run_dir"]) == numbers(data["run_dir"])


def test_the_reproduce_report_takes_the_studies_plots(tiny, tmp_path):
    from dropout_lab.core.runs import new_run
    from dropout_lab.reproduce import figures
    from dropout_lab.reproduce.report import CAPTIONS

    data, _ = tiny
    made = {"sweep-rate": results.from_json(experiment.SweepResult, data)}
    with new_run(tmp_path, "reproduce", {}, 0, "test") as folder:
        names = figures.draw(folder, made)
    assert names == ["sweep_rate.png"] and "P2014-F9a" in CAPTIONS["sweep_rate.png"]
    copied = (folder.final_path / "figures" / "sweep_rate.png").read_bytes()
    assert copied == (Path(data["run_dir"]) / "error_vs_keep_prob.png").read_bytes()
