"""``compare --framework torch|jax``: S000's toy net trained and checked in PyTorch and Flax NNX.

Each framework runs in a worker process; this test process never imports
PyTorch or JAX (whether one is installed is asked of ``importlib.util.find_spec``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import Invoker

from dropout_lab.core import weights
from dropout_lab.toy.common import INPUTS, WEIGHT_SHAPES, pack, unpack
from dropout_lab.toy.config import FRAMEWORK_LAYERS, FRAMEWORK_MODULES, CompareConfig

#: Fewer steps and passes than the defaults: the verdict does not depend on them.
FAST = ("--epochs", "200", "--mc-samples", "400", "--runs", "3")


def _installed(framework: str) -> bool:
    return all(importlib.util.find_spec(name) for name in FRAMEWORK_MODULES[framework])


def _with(framework: str, *marks):
    reason = f"{framework} is not installed (pip install 'dropout-lab[{framework}]')"
    return pytest.param(framework, marks=[pytest.mark.skipif(not _installed(framework),
                                                             reason=reason), *marks])


FRAMEWORKS = [_with("torch"), _with("jax")]


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``compared(framework, rate)``: the --json object of one fast comparison, run once."""
    out, found = tmp_path_factory.mktemp("frameworks"), {}

    def run(framework: str, rate: float) -> dict:
        if (framework, rate) not in found:
            found[framework, rate] = Invoker(None).json(
                "compare", "--framework", framework, "--rate", rate, *FAST, "--out", out)
        return found[framework, rate]

    return run


def _keras_net_outputs(path: Path, keep_prob: float) -> tuple[np.ndarray, np.ndarray]:
    """f_0 and g recomputed in float64 NumPy from a weights file: (samples,) each."""
    w, _ = weights.read_arrays(path, WEIGHT_SHAPES)
    w = {key: value.astype(np.float64) for key, value in w.items()}

    def tail(hidden):  # (samples, 100) -> (samples,)
        return ((hidden @ w["dense_hidden/kernel"] + w["dense_hidden/bias"])
                @ w["dense_out/kernel"] + w["dense_out/bias"])[:, 0]

    hidden = INPUTS.astype(np.float64) @ w["dense_in/kernel"] + w["dense_in/bias"]
    return tail(hidden), tail(hidden * keep_prob)


@pytest.mark.parametrize("rate", [0.2, pytest.param(0.5, marks=pytest.mark.slow)])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_frameworks_dropout_is_inverted(compared, framework, rate):
    data = compared(framework, rate)
    layer = FRAMEWORK_LAYERS[framework]
    assert data["classification"] == "inverted" and data["rate"] == rate
    assert data["layer"] == data["layer_class"] == layer and data["framework"] == framework
    checks = data["checks"]
    # test time: the framework's Dropout is the identity, so the trained net at rate r and
    # the rate-0 reload run the same operations on the same weights
    assert data["max_abs_diff"] == 0.0 and checks["inverted"]["passed"]
    assert not checks["vanilla"]["passed"] and checks["vanilla"]["statistic"] > 0.5  # far off
    assert checks["consistency"]["passed"] and checks["consistency"]["statistic"] < 4.5
    assert data["repeat_spread"] == 0.0 and data["round_trip_diff"] == 0.0
    (verdict,) = data["verdicts"]
    assert (verdict["claim"], verdict["outcome"]) == ("inverted", "confirmed")
    assert verdict["statement"].startswith(f"{layer} is inverted dropout")
    assert data["source_run"] is None and data["trained_now"] is True
    assert data["config"]["framework"] == framework and data["config"]["layer"] == "keras"
    assert set(data["framework_versions"]) == ({"torch"} if framework == "torch"
                                               else {"jax", "flax"})


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_g_and_f_0_recomputed_from_the_saved_weights(compared, framework):
    data = compared(framework, 0.2)
    run_dir = Path(data["run_dir"])
    f_0, g = _keras_net_outputs(run_dir / "weights.h5", keep_prob=0.8)
    samples = data["samples"]
    assert [s["reload_rate0"] for s in samples] == pytest.approx(f_0, rel=1e-5)
    assert [s["vanilla_expected"] for s in samples] == pytest.approx(g, rel=1e-5)
    assert [s["input"] for s in samples] == INPUTS.tolist()
    # the run folder: the weights beside results.json (= --json) and the manifest
    assert json.loads((run_dir / "results.json").read_text()) == data
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (events,) = [name for name in manifest["files"] if name.startswith("tensorboard/")]
    assert set(manifest["files"]) == {"results.json", "weights.h5", events}
    assert manifest["framework"] == framework
    # the worker's loss before each training step, in results.json and TensorBoard's run
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert len(data["train/loss"]) == data["config"]["epochs"]
    assert data["train/loss"][-1] < data["train/loss"][0]
    reader = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    reader.Reload()
    assert [e.value for e in reader.Scalars("train/loss")] == pytest.approx(data["train/loss"],
                                                                           rel=1e-6)
    assert manifest["framework_versions"] == data["framework_versions"]
    _, attrs = weights.read_arrays(run_dir / "weights.h5", WEIGHT_SHAPES)
    assert attrs["framework"] == framework and attrs["rate"] == 0.2
    assert attrs["layer_class"] == FRAMEWORK_LAYERS[framework]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_weights_file_reloads_into_the_keras_net(compared, framework):
    import keras

    from dropout_lab.toy import net  # TensorFlow (in this process already)

    data = compared(framework, 0.2)
    model = net.build_net(keras.layers.Dropout(0.0))
    weights.load(model, Path(data["run_dir"]) / "weights.h5")
    assert net.predict(model).tolist() == pytest.approx(
        [s["reload_rate0"] for s in data["samples"]], rel=1e-6)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_training_starts_from_the_keras_nets_initial_weights(cli, out, framework):
    # a step of 1e-50 is 0 in float32: every weight stays as it was, the file holds the
    # initial weights (in Keras's layout, whatever the framework's own)
    args = ("--epochs", "1", "--lr", "1e-50", "--seed", "7", "--rate", "0.3")
    keras_run = cli.json("train", *args, "--out", out)
    worker_run = cli.json("compare", "--framework", framework, *args, "--mc-samples", "100",
                          "--runs", "1", "--out", out)
    keras_weights, _ = weights.read_arrays(Path(keras_run["run_dir"]) / "weights.h5",
                                           WEIGHT_SHAPES)
    trained, _ = weights.read_arrays(Path(worker_run["run_dir"]) / "weights.h5", WEIGHT_SHAPES)
    for key, array in keras_weights.items():
        assert np.array_equal(trained[key], array), key


@pytest.mark.parametrize("framework", [_with("torch"), _with("jax", pytest.mark.slow)])
def test_the_same_seed_gives_the_same_numbers(cli, out, framework):
    def numbers(seed):
        # passes in several chunks: how they are cut must not depend on the machine's speed
        data = cli.json("compare", "--framework", framework, "--seed", seed, "--epochs", "50",
                        "--mc-samples", "2500", "--runs", "2", "--out", out)
        return {k: v for k, v in data.items() if k != "run_dir"}

    first = numbers(3)
    assert numbers(3) == first
    assert first["samples"][0]["train_mode_se"] > 0  # masks were drawn: the seed fixed them


@pytest.mark.parametrize("framework", [_with("torch"), _with("jax", pytest.mark.slow)])
def test_a_diverging_run_is_one_line_and_writes_nothing(cli, out, framework):
    result = cli("compare", "--framework", framework, "--lr", "10", "--epochs", "20",
                 "--out", out, expect=1)
    assert _error_line(result) == (
        "Error: Training diverged: the loss became nan at step 3 of 20 (learning rate 10); no "
        "run folder was written. A smaller learning rate trains (S000: 0.001).")
    assert _files(out) == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_runs_show_gives_the_stored_result_back(cli, compared, framework):
    data = compared(framework, 0.2)
    assert cli.json("runs", "show", data["run_dir"]) == data
    shown = cli("runs", "show", data["run_dir"]).stdout
    assert f"{FRAMEWORK_LAYERS[framework]} (" in shown and "Classification: inverted" in shown
    assert "(a process of its own); weights:" in shown


@pytest.mark.parametrize("args, message", [
    (("--framework", "mxnet"), "Invalid value for '--framework': 'mxnet' is not one of 'keras', "
                               "'torch', 'jax'."),
    (("--framework", "torch", "--layer", "vanilla"),
     "Invalid value for `layer`: expected keras, the default, with framework='torch' (the toy "
     "net then trains with torch.nn.Dropout, the framework's own dropout). Received: "
     "layer='vanilla'"),
    (("--framework", "jax", "--layer", "keras.layers.Dropout"),
     "Invalid value for `layer`: expected keras, the default, with framework='jax' (the toy "
     "net then trains with flax.nnx.Dropout, the framework's own dropout). Received: "
     "layer='keras.layers.Dropout'"),
    (("--framework", "torch", "--rate", "0"), "Invalid value for `rate`: expected a rate in "
     "(0, 1): at rate 0 inverted and vanilla dropout are the same function. Received: rate=0.0"),
])
def test_bad_framework_options_exit_2(cli, out, args, message):
    assert _error_line(cli("compare", *args, "--out", out, expect=2)) == f"Error: {message}"
    assert _files(out) == []


def test_a_framework_cannot_be_combined_with_run(cli, out, tmp_path):
    result = cli("compare", tmp_path, "--framework", "torch", "--out", out, expect=2)
    assert _error_line(result) == ("Error: --framework cannot be combined with RUN: a run is "
                                   "compared with its recorded config (RUN/config.toml).")
    with pytest.raises(ValueError, match=r"^Invalid value for `framework`: expected keras when "
                                         r"RUN is given .*Received: framework='jax'$"):
        CompareConfig(run=str(tmp_path), framework="jax")


@pytest.mark.parametrize("framework, absent, message", [
    ("torch", {"torch"}, "torch.nn.Dropout needs torch, which is not installed; install it "
                         "with: pip install 'dropout-lab[torch]'. Received: framework='torch'"),
    ("jax", {"jax", "flax"}, "flax.nnx.Dropout needs jax, flax, which are not installed; "
                             "install it with: pip install 'dropout-lab[jax]'. Received: "
                             "framework='jax'"),
])
def test_a_missing_framework_names_its_extra(cli, out, monkeypatch, framework, absent, message):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name in absent else real(name, *rest))
    result = cli("compare", "--framework", framework, "--out", out, expect=2)
    assert _error_line(result) == f"Error: Invalid value for `framework`: {message}"
    assert _files(out) == []


def test_a_config_files_framework_is_checked_too(cli, out, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('framework = "mxnet"\n')
    result = cli("compare", "--config", config, "--out", out, expect=2)
    assert _error_line(result).endswith("Received: framework='mxnet'")


def test_arrays_pass_through_json_bit_for_bit():
    array = np.array([[1 / 3, np.float32(2.5e-39)], [-0.0, 7.0]], np.float32)
    back = unpack(json.loads(json.dumps(pack(array))))
    assert back.dtype == np.float32 and back.tobytes() == array.tobytes()


def test_arrays_to_bytes_writes_what_read_arrays_reads(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {key: rng.normal(size=shape).astype(np.float32)
              for key, shape in WEIGHT_SHAPES.items()}
    path = tmp_path / "weights.h5"
    path.write_bytes(weights.arrays_to_bytes(arrays, {"rate": 0.5, "versions": {"x": "1"}}))
    back, attrs = weights.read_arrays(path, WEIGHT_SHAPES)
    assert all(np.array_equal(back[key], arrays[key]) for key in arrays)
    assert attrs["format"] == weights.FORMAT and json.loads(attrs["versions"]) == {"x": "1"}
