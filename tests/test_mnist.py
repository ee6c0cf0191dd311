"""``dropout-lab mnist``: units, statistics, verdicts, resume, errors.

The sweeps here are tiny (a few hundred training images, tens of steps) and
train on the generated stand-in for MNIST (tests/mock_mnist.py, loaded through
``load_mnist()``, see conftest.py); one ``needs_mnist`` test trains on the real
MNIST. The verdict logic is also tested on hand-built per-seed numbers whose
outcome is known.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import mock_mnist
import numpy as np
import pytest
from conftest import Invoker

from dropout_lab.core.config import load_toml, resolve
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.reading import open_run
from dropout_lab.core.resume import reopen_run, resumable_run
from dropout_lab.core.runs import MANIFEST, RunContext
from dropout_lab.core.stats import mean_interval
from dropout_lab.mnist import config as mnist_config
from dropout_lab.mnist import sweep as mnist
from dropout_lab.mnist.units import Unit
from dropout_lab.mnist.verdicts import analyse

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
TINY = ["--train-subset", "400", "--steps", "60", "--eval-every", "20"]
TEST_IMAGES = mock_mnist.TEST_IMAGES  # the stand-in's test set (100 images)


def chance_bound(test_images: int) -> float:
    """Chance level is 0.1: a net that learned nothing has test accuracy ~ Binomial(n, 0.1) / n,
    above this bound with probability < 1e-6 (exact tail; n = 100: 0.27, n = 10000: 0.1145)."""
    from scipy.stats import binom

    return float(binom.isf(1e-6, test_images, 0.1)) / test_images


invoke = Invoker(None)  # the conftest runner, usable in module-scoped fixtures


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """One tiny four-arm sweep (2 seeds), shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("sweep")
    result = invoke("mnist", *TINY, "--seeds", 2, "--out", out, "--json", "--quiet")
    return json.loads(result.stdout), out


def test_json_lists_every_unit_with_required_keys(sweep):
    data, _ = sweep
    assert [(a["arm"], a["seed"]) for a in data["arms"]] == [
        (arm, seed) for seed in (0, 1) for arm in mnist_config.ARMS]
    for unit in data["arms"]:
        assert {"arm", "seed", "final_test_accuracy", "steps_per_second",
                "wall_seconds"} <= set(unit)
        assert chance_bound(TEST_IMAGES) < unit["final_test_accuracy"] <= 1
        assert unit["steps_per_second"] > 0 and unit["wall_seconds"] > 0
    assert [v["claim"] for v in data["verdicts"]] == ["C9"]  # C11: mnist-speed
    assert data["derived"] == {"train_images": 400, "steps_per_pass": 4, "passes": 15.0}


def test_curves_have_every_metric_at_every_evaluation(sweep):
    data, _ = sweep
    for curve in data["curves"].values():
        assert curve["steps"] == [20, 40, 60]
        for key in ("train/loss", "train/accuracy", "test/accuracy", "test/loss"):
            assert len(curve[key]) == 3 and all(np.isfinite(curve[key]))
        # accuracies on 400 train / 100 test images are multiples of 1/400 and 1/100
        assert all(abs(a * 400 - round(a * 400)) < 1e-9 for a in curve["train/accuracy"])
        assert all(abs(a * TEST_IMAGES - round(a * TEST_IMAGES)) < 1e-9
                   for a in curve["test/accuracy"])


def test_summary_and_paired_differences_recomputed_from_units(sweep):
    data, _ = sweep
    finals = {(a["arm"], a["seed"]): a["final_test_accuracy"] for a in data["arms"]}
    for summary in data["summary"]:
        # an accuracy's interval is clipped to [0, 1] (two seeds: wide enough to reach 1 here)
        expected = mean_interval([finals[(summary["arm"], s)] for s in (0, 1)], bounds=(0, 1))
        for end in ("estimate", "low", "high"):
            assert summary["test_accuracy"][end] == pytest.approx(getattr(expected, end),
                                                                  abs=1e-12)
    by_pair = {(d["first"], d["second"]): d for d in data["differences"]}
    diff = by_pair[("dropout", "dropout+l2")]
    values = [finals[("dropout+l2", s)] - finals[("dropout", s)] for s in (0, 1)]
    assert diff["difference"]["estimate"] == pytest.approx(np.mean(values), abs=1e-12)
    assert diff["published"] == pytest.approx(0.9496 - 0.9635)
    assert data["verdicts"][0]["numbers"]["dropout+l2 - dropout"] == diff["difference"]


def test_run_folder_holds_units_plots_and_verified_files(sweep):
    data, _ = sweep
    run = open_run(data["run_dir"], ("mnist",))
    for name in ("test_accuracy.png", "train_vs_test.png"):
        assert run.verified(name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    unit = run.read_json("units/dropout+l2_seed1/unit.json")
    assert unit["final_test_accuracy"] == data["curves"]["dropout+l2_seed1"]["test/accuracy"][-1]
    run.verified("units/dropout+l2_seed1/weights.h5")
    assert not (run.path / "resume.json").exists()
    assert run.read_json("results.json") == data


def test_the_stand_in_is_recorded_as_test_data(sweep):
    data, _ = sweep
    assert data["data_source"] == "cache, test data (not MNIST)"
    assert open_run(data["run_dir"], ("mnist",)).manifest["data_source"] == data["data_source"]


@pytest.mark.needs_mnist
def test_a_tiny_sweep_on_the_real_mnist_learns_what_mnist_teaches(tmp_path):
    # Needs the real data: only MNIST itself can show that its images and labels reach the net
    # aligned and scaled as on a user's run. Measured here: 400 images, 60 steps, 10 units
    # (none/dropout, seeds 0-4): test accuracy 0.786-0.815; 0.7 fails only on broken data.
    data = json.loads(invoke("mnist", *TINY, "--arms", "dropout", "--seeds", 1, "--out", tmp_path,
                             "--json", "--quiet").stdout)
    assert data["data_source"] == "cache"  # the verified MNIST, not a stand-in
    (unit,) = data["arms"]
    accuracy = unit["final_test_accuracy"]
    assert 0.7 < accuracy < 1 and abs(accuracy * 10000 - round(accuracy * 10000)) < 1e-9


def test_table_shows_published_numbers_and_verdicts(tmp_path):
    result = invoke("mnist", *TINY, "--seeds", 1, "--arms", "dropout,l2,dropout+l2",
                    "--out", tmp_path)
    text = " ".join(result.stdout.split())
    assert "0.9635" in text and "0.9652" in text and "-0.0139" in text
    assert "one seed: no interval" in text
    assert "C9 inconclusive — S003: \"dropout + L2 gives lower test accuracy than dropout " \
        "alone and than L2 alone\"" in text  # one seed can never decide C9
    # the sweep shows steps/s but judges no speed claim: it points to the one verdict on C11
    assert "Related claims are settled elsewhere: C11 by `dropout-lab mnist-speed`, over every " \
        "pair that adds dropout in both nets" in text and "C11 " not in text.split("Related")[0]


def test_overfit_config_reports_c4(tmp_path):
    data = json.loads(invoke("mnist", "--config", CONFIGS / "mnist_overfit.toml", "--seeds", 2,
                             "--steps", 30, "--out", tmp_path, "--json", "--quiet").stdout)
    assert [v["claim"] for v in data["verdicts"]] == ["C4"]
    assert data["derived"] == {"train_images": 300, "steps_per_pass": 3, "passes": 10.0}
    assert data["curves"]["none_seed0"]["steps"] == list(range(3, 31, 3))
    evidence = data["verdicts"][0]["numbers"]
    gaps = {s["arm"]: s["gap"]["estimate"] for s in data["summary"]}
    assert evidence["gap(none) - gap(dropout)"]["estimate"] == pytest.approx(
        gaps["none"] - gaps["dropout"], abs=1e-12)


def test_config_files_resolve_and_mnist_toml_is_the_default():
    default = mnist_config.MnistConfig()
    assert resolve(mnist_config.MnistConfig, load_toml(CONFIGS / "mnist.toml")) == default
    overfit = resolve(mnist_config.MnistConfig, load_toml(CONFIGS / "mnist_overfit.toml"))
    assert (overfit.train_images, overfit.steps_per_pass, overfit.passes) == (300, 3, 301)
    assert overfit.hidden_units == (100,) * 6 and overfit.optimizer == "sgd"
    assert overfit.setting == "S001" and default.setting == "S003"
    assert default.steps_per_pass == 469 and default.passes == 10


def test_settings_named_by_version_0_1_are_read():
    assert mnist_config.MnistConfig(setting="seed001").setting == "S001"


BAD_INPUT = [
    (["--arms", "none,dropuot"], "Invalid value for `arms`: expected a non-empty list of "
     "distinct arms from none, dropout, l2, dropout+l2. Received: arms='none,dropuot'"),
    (["--seeds", "0"], "Invalid value for `seeds`: expected an integer in [1, 10000] "
     "(units per arm). Received: seeds=0"),
    (["--steps", "0"], "Invalid value for `steps`: expected an integer in [1, 2147483647] "
     "(a 32-bit count). Received: steps=0"),
    (["--eval-every", "-5"], "Invalid value for `eval_every`: expected an integer in "
     "[1, 2147483647] (a 32-bit count)."),
    (["--train-subset", "60001"], "Invalid value for `train_subset`: expected an integer in "
     "[1, 60000] (MNIST has 60000 training images). Received: train_subset=60001"),
    (["--resume", "nowhere"], "Invalid value for `--resume`: expected an interrupted mnist run"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[a[0] for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "results"
    result = invoke("mnist", *args, "--out", out, expect=2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.parametrize("command", ["mnist", "mc-average"])
def test_more_images_than_the_loaded_data_holds_is_a_usage_error(tmp_path, command):
    # MnistConfig allows up to MNIST's 60000; the data actually loaded (here the 600-image
    # stand-in) bounds it too, rather than training on fewer images than recorded
    out = tmp_path / "results"
    result = invoke(command, "--train-subset", 601, "--steps", 2, "--out", out, expect=2)
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for `train_subset`: expected an integer in [1, 600] (the loaded "
        "data, cache, test data (not MNIST), has 600 training images). Received: "
        "train_subset=601")
    assert [path for path in out.rglob("*") if not path.is_dir()] == []  # no run, no partial


def test_bad_config_values_name_the_key(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('hidden_units = [100, 100]\ndrop_rates = [0.2]\n')
    result = invoke("mnist", "--config", config, "--out", tmp_path / "r", expect=2)
    assert "Invalid value for `drop_rates`: expected one rate per hidden layer (2 rates)" \
        in result.stderr
    config.write_text('arms = ["l2"]\nl2_weight = 0.0\n')
    result = invoke("mnist", "--config", config, "--out", tmp_path / "r", expect=2)
    assert "expected a finite number > 0 when an l2 arm is run" in result.stderr


def _finals(result):
    return {(u.arm, u.seed): u.curves for u in result.units}


def test_interrupted_sweep_resumes_to_the_same_numbers(tmp_path):
    config = mnist_config.MnistConfig(arms=("none", "dropout"), seeds=1, steps=40, eval_every=20,
                               train_subset=300)

    def stop_after_first_unit(task, done, total):
        if task.startswith("units") and done == 1:
            raise KeyboardInterrupt

    with pytest.raises(ExperimentError, match=r"Interrupted: 1 of 2 units are complete in .*"
                                              r"Continue with: dropout-lab mnist --resume"):
        mnist.run(config, RunContext(out=tmp_path / "a", progress=stop_after_first_unit))
    (partial,) = (tmp_path / "a" / "mnist").iterdir()
    assert partial.name.endswith(".partial") and (partial / "units" / "none_seed0").is_dir()
    folder, recorded = mnist.open_resume(partial, "resume")
    assert recorded == config
    resumed = mnist.run(recorded, RunContext(out=tmp_path / "a", resume=folder))
    assert [u.resumed for u in resumed.units] == [True, False]
    fresh = mnist.run(config, RunContext(out=tmp_path / "b"))
    assert _finals(resumed) == _finals(fresh)  # resuming changes no number
    manifest = json.loads((resumed.run_dir / MANIFEST).read_text())
    assert manifest["resumed"][0]["command"] == "resume" and not partial.exists()


def test_resume_rejects_flags_and_completed_runs(sweep, tmp_path):
    data, _ = sweep
    result = invoke("mnist", "--resume", data["run_dir"], "--seeds", 3, expect=2)
    assert "--seeds cannot be combined with --resume" in result.stderr
    result = invoke("mnist", "--resume", data["run_dir"], "--out", tmp_path, expect=2)
    assert "a completed run: nothing to resume" in result.stderr


def test_resumable_run_lifecycle(tmp_path):
    with pytest.raises(RuntimeError), resumable_run(tmp_path, "sweep", {"a": 1}, 0,
                                                    "first") as run:
        run.write_json("units/x.json", {"x": 1})
        raise RuntimeError("boom")
    (partial,) = (tmp_path / "sweep").iterdir()
    with pytest.raises(ConfigError, match="a 'sweep' run"):
        reopen_run(partial, "mnist", "again")
    folder = reopen_run(partial.parent / partial.name[1:-len(".partial")], "sweep", "again")
    assert folder.manifest["config"] == {"a": 1} and folder.manifest["command"] == "first"
    with resumable_run(tmp_path, "sweep", {}, 0, "x", resume=folder) as run:
        pass
    assert sorted(p.name for p in run.path.iterdir()) == [MANIFEST, "units"]
    assert json.loads((run.path / MANIFEST).read_text())["files"].keys() == {"units/x.json"}


def _unit(arm, seed, test, train=1.0, speed=100.0, rise=0.0):
    curve = {"test/accuracy": [test - rise, test], "train/accuracy": [train, train],
             "train/loss": [0.1, 0.1], "test/loss": [0.1, 0.1]}
    return Unit(arm=arm, seed=seed, steps=[50, 100], curves=curve, final_test_accuracy=test,
                final_train_accuracy=train, steps_per_second=speed, train_seconds=1.0,
                eval_seconds=0.1, trace_seconds=0.1, wall_seconds=1.2)


def _verdicts(setting, arms, units):
    config = mnist_config.MnistConfig(setting=setting, arms=arms,
                                      seeds=len({u.seed for u in units}))
    return {v.claim: v for v in analyse(config, units).verdicts}


NOISE = [0.001, -0.002, 0.0005, 0.0015, -0.001]  # per-seed jitter
ARM_NOISE = {"dropout": NOISE, "l2": [-0.001, 0.0015, 0.002, -0.0005, 0.0],
             "dropout+l2": [0.0005, 0.001, -0.0015, -0.002, 0.001]}


# Worked out by hand (t(4) = 2.776): combined 0.95 -> d1 in [-0.0136, -0.0068], d2 in
# [-0.0151, -0.0101]; 0.975 -> both intervals above 0; 0.9605 -> [-0.0031, +0.0037] and
# [-0.0046, +0.0004], both covering 0.
@pytest.mark.parametrize("combined, expected", [(0.95, "confirmed"), (0.975, "refuted"),
                                                (0.9605, "inconclusive")])
def test_c9_decision_rule(combined, expected):
    units = [_unit(arm, s, base + ARM_NOISE[arm][s])
             for s in range(5) for arm, base in (("dropout", 0.96), ("l2", 0.962),
                                                 ("dropout+l2", combined))]
    verdict = _verdicts("S003", ("dropout", "l2", "dropout+l2"), units)["C9"]
    assert verdict.outcome == expected
    d1, d2 = verdict.numbers["dropout+l2 - dropout"], verdict.numbers["dropout+l2 - l2"]
    assert list(verdict.numbers) == ["dropout+l2 - dropout", "dropout+l2 - l2"]
    for diff, arm, base in ((d1, "dropout", 0.96), (d2, "l2", 0.962)):
        assert diff.estimate == pytest.approx(np.mean(
            [combined + ARM_NOISE["dropout+l2"][s] - base - ARM_NOISE[arm][s] for s in range(5)]))


def test_c9_one_seed_is_inconclusive_and_missing_arms_not_tested():
    units = [_unit(a, 0, t) for a, t in (("dropout", 0.96), ("l2", 0.96), ("dropout+l2", 0.5))]
    assert _verdicts("S003", ("dropout", "l2", "dropout+l2"), units)["C9"].outcome == \
        "inconclusive"
    verdicts = _verdicts("S003", ("none", "dropout"), [_unit("none", 0, 0.9),
                                                          _unit("dropout", 0, 0.9)])
    assert verdicts["C9"].outcome == "not measured"


def test_c4_needs_narrower_gap_and_rising_test_accuracy():
    def units(dropout_train, rise):
        return [u for s in range(5) for u in (
            _unit("none", s, 0.75 + NOISE[s], train=1.0, rise=0.001 * s),
            _unit("dropout", s, 0.76 + ARM_NOISE["l2"][s], train=dropout_train + NOISE[s],
                  rise=rise + NOISE[s]))]
    assert _verdicts("S001", ("none", "dropout"), units(0.95, 0.05))["C4"].outcome == "confirmed"
    assert _verdicts("S001", ("none", "dropout"), units(0.95, -0.05))["C4"].outcome == \
        "refuted"
    assert _verdicts("S001", ("none", "dropout"), units(1.02, 0.05))["C4"].outcome == \
        "refuted"


def _weights_digest(run_dir: str) -> str:
    import h5py

    digest = hashlib.sha256()
    with h5py.File(Path(run_dir) / "units" / "dropout_seed0" / "weights.h5") as handle:
        handle.visititems(lambda name, obj: digest.update(name.encode() + obj[()].tobytes())
                          if hasattr(obj, "shape") else None)
    return digest.hexdigest()


@pytest.mark.slow  # two training processes: ~20 s
def test_same_seed_identical_curves_in_two_processes(tmp_path):
    def sweep_in_process(out):
        command = [sys.executable, "-m", "dropout_lab", "mnist", "--arms", "dropout", "--seeds",
                   "2", "--steps", "40", "--eval-every", "20", "--train-subset", "300",
                   "--out", str(out), "--json", "--quiet"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        assert done.stderr == ""
        return json.loads(done.stdout)

    first, second = sweep_in_process(tmp_path / "a"), sweep_in_process(tmp_path / "b")
    assert first["curves"] == second["curves"]
    assert _weights_digest(first["run_dir"]) == _weights_digest(second["run_dir"])
    assert first["curves"]["dropout_seed0"] != first["curves"]["dropout_seed1"]


@pytest.mark.slow
@pytest.mark.needs_mnist  # the benchmark times passes over MNIST's 60000 images
def test_benchmark_compares_like_with_like():
    # Speed itself is the benchmark's job, not a test's: here only that both sides train
    # the same net on the same batches (same final accuracy) and the ratio rows are printed.
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mnist.py"
    done = subprocess.run([sys.executable, str(bench), "--steps", "100", "--eval-every", "50"],
                          capture_output=True, text=True, check=True)
    rows = {line[:26].strip(): line[26:].split() for line in done.stdout.splitlines()
            if line.startswith(("process wall", "training steps", "final test"))}
    assert set(rows) == {"process wall time, s", "training steps only, s", "final test accuracy"}
    for name in ("process wall time, s", "training steps only, s"):
        *seconds, eager_ratio, fit_ratio = rows[name]
        assert len(seconds) == 3 and all(float(s) > 0 for s in seconds)
        assert float(eager_ratio.rstrip("x")) > 0 and float(fit_ratio.rstrip("x")) > 0
    eager_accuracy, fit_accuracy, lab_accuracy = (float(v) for v in rows["final test accuracy"])
    # the same net on the same batches; fit differs in its batch order and initial weights
    assert eager_accuracy > 0.5 and abs(eager_accuracy - lab_accuracy) <= 0.02
    assert abs(fit_accuracy - lab_accuracy) <= 0.1


def test_evidence_writes_each_interval_and_clips_differences_to_their_range():
    units = [u for s, rise in enumerate((0.9, -0.9)) for u in (
        _unit("none", s, 0.5, train=1.0, rise=rise), _unit("dropout", s, 0.6, train=0.9,
                                                         rise=0.05))]
    verdict = _verdicts("S001", ("none", "dropout"), units)["C4"]
    rise_none = verdict.numbers["late rise of test accuracy, none"]
    # two seeds, +0.9 and -0.9: the t interval runs far past +-1; a difference of accuracies
    # cannot, so it is clipped to [-1, 1] and written out as such
    assert (rise_none.low, rise_none.high) == (-1.0, 1.0)
    assert "late rise of test accuracy, none = +0.0000 [-1.0000, +1.0000]" in verdict.evidence
    assert "gap(none) - gap(dropout) = +0.2000 [+0.2000, +0.2000]" in verdict.evidence
    assert list(verdict.numbers) == [
        "gap(none) - gap(dropout)", "late rise of test accuracy, dropout",
        "late rise of test accuracy, none", "final train accuracy, none"]
    assert verdict.numbers["final train accuracy, none"].estimate == 1.0


def test_a_claim_without_its_arms_says_which_arms_it_needs():
    verdicts = _verdicts("S003", ("none", "dropout"), [_unit("none", 0, 0.9),
                                                      _unit("dropout", 0, 0.9)])
    assert verdicts["C9"].evidence == "needs the arms dropout, l2 and dropout+l2"
    assert verdicts["C9"].outcome == "not measured"


def test_decision_needs_intervals_strictly_off_zero():
    from dropout_lab.core.stats import Interval
    from dropout_lab.mnist.verdicts import _decide

    assert _decide([Interval(0.1, 0.0, 0.2, 0.95)]) == "inconclusive"  # touches 0: not above
    assert _decide([Interval(-0.1, -0.2, 0.0, 0.95)]) == "inconclusive"  # nor below
    assert _decide([Interval(0.1, 1e-9, 0.2, 0.95)]) == "confirmed"
    assert _decide([Interval(0.1, 1e-9, 0.2, 0.95), Interval(-0.1, -0.2, -1e-9, 0.95)]) == \
        "refuted"


def test_each_unit_is_a_tensorboard_run_with_its_curves_and_hparams(sweep):
    """Every unit's curves as TensorBoard reads them back, equal to results.json's; the
    HParams session names its arm, seed and rates; the event files are in the manifest."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import metadata

    data, _ = sweep
    run = open_run(data["run_dir"], ("mnist",))
    listed = sorted(name.split("/")[1] for name in run.manifest["files"]
                    if name.startswith("tensorboard/"))
    assert listed == sorted(data["curves"])  # one event file per unit, each verified
    for name in listed:
        (event_file,) = [n for n in run.manifest["files"] if n.startswith(f"tensorboard/{name}/")]
        run.verified(event_file)
    for arm in ("dropout", "l2"):
        events = EventAccumulator(str(run.path / "tensorboard" / f"{arm}_seed1"),
                                  size_guidance={"scalars": 0, "tensors": 0})
        events.Reload()
        curve = data["curves"][f"{arm}_seed1"]
        for key in ("train/loss", "train/accuracy", "test/accuracy", "test/loss"):
            read = events.Scalars(key)
            assert [e.step for e in read] == curve["steps"] == [20, 40, 60]
            assert [e.value for e in read] == pytest.approx(curve[key], rel=1e-6)
        unit = next(a for a in data["arms"] if (a["arm"], a["seed"]) == (arm, 1))
        (final,) = events.Scalars("final/test_accuracy")
        assert (final.step, final.value) == (60, pytest.approx(unit["final_test_accuracy"]))
        (speed,) = events.Scalars("train/steps_per_second")
        assert speed.value == pytest.approx(unit["steps_per_second"], rel=1e-6)
        info = metadata.parse_session_start_info_plugin_data(
            events.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
        hparams = {k: getattr(v, v.WhichOneof("kind")) for k, v in info.hparams.items()}
        assert hparams == {"run": run.path.name, "arm": arm, "seed": 1,
                           "drop_rate": 0.5 if arm == "dropout" else 0.0,
                           "l2_weight": pytest.approx(1e-4) if arm == "l2" else 0.0}
