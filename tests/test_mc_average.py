"""``dropout-lab mc-average``: Monte-Carlo averaging vs the deterministic net.

On the generated stand-in for MNIST (100 test images; see conftest.py).
"""

from __future__ import annotations

import json

import mock_mnist
import numpy as np
import pytest
from conftest import Invoker

from dropout_lab.core.reading import open_run
from dropout_lab.core.stats import PROPORTION, mean_interval
from dropout_lab.mnist.config import PAPER_K, McAverageConfig

TRAIN = ["--train-subset", "400", "--steps", "60", "--eval-every", "30"]


invoke = Invoker(None)  # the conftest runner, usable in module-scoped fixtures


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    """A tiny mnist run with dropout units for seeds 3 and 4, and a none-only run."""
    out = tmp_path_factory.mktemp("mc")
    with_dropout = json.loads(invoke("mnist", *TRAIN, "--arms", "none,dropout", "--seeds", 2,
                                     "--first-seed", 3, "--out", out, "--json", "--quiet").stdout)
    no_dropout = json.loads(invoke("mnist", *TRAIN, "--arms", "none", "--seeds", 1,
                                   "--out", out, "--json", "--quiet").stdout)
    return with_dropout, no_dropout["run_dir"], out


def test_mc_average_of_a_run(mnist_run):
    sweep, _, out = mnist_run
    data = json.loads(invoke("mc-average", sweep["run_dir"], "--k", "1,3,10", "--repeats", 4,
                             "--seed", 4, "--confidence", 0.9, "--out", out, "--json",
                             "--quiet").stdout)
    unit = next(a for a in sweep["arms"] if (a["arm"], a["seed"]) == ("dropout", 4))
    # the reloaded inference-mode net is the trained one: same test error, exactly
    assert data["deterministic_error"] == pytest.approx(1 - unit["final_test_accuracy"],
                                                        abs=1e-12)
    errors = np.array(data["errors"])
    assert errors.shape == (4, 3) and data["ks"] == [1, 3, 10] and data["paper_k"] == PAPER_K
    counts = errors * mock_mnist.TEST_IMAGES  # errors are counts over the test images
    assert np.allclose(counts, np.round(counts), rtol=0, atol=1e-9)
    assert len({tuple(row) for row in errors}) == 4  # repeats draw fresh masks
    for k, row, column in zip(data["ks"], data["mc_error"], errors.T, strict=True):
        # at --confidence 0.9, clipped to [0, 1] (an error rate)
        expected = mean_interval(column, 0.9, PROPORTION)
        assert (row["k"], row["estimate"], row["low"], row["high"], row["confidence"]) == (
            k, expected.estimate, expected.low, expected.high, 0.9)
    reached = [row["k"] for row in data["mc_error"] if row["low"] <= data["deterministic_error"]]
    assert data["reached_k"] == (reached[0] if reached else None)
    run = open_run(data["run_dir"], ("mc-average",))
    assert run.verified("mc_average.png").read_bytes()[:4] == b"\x89PNG"
    assert run.manifest["source_run"] == sweep["run_dir"]


def test_mc_average_trains_a_model_without_run(tmp_path):
    result = invoke("mc-average", "--k", "1,2", "--repeats", 2, "--steps", 30,
                    "--train-subset", 300, "--out", tmp_path)
    text = " ".join(result.stdout.split())
    assert "Smallest k whose 95% interval reaches it" in text
    assert "k ≈ 50" in text and "trained here (30 steps, 300 images)" in text
    (run_dir,) = (tmp_path / "mc-average").iterdir()
    open_run(run_dir, ("mc-average",)).verified("units/dropout_seed0/weights.h5")


BAD_K = [("1,0,5", "Invalid value for `k`: expected a comma-separated list of integers in "
                   "[1, 2147483647]. Received: k='1,0,5'"),
         ("1,2.5", "Received: k='1,2.5'"), ("two", "Received: k='two'"), ("", "Received: k=''"),
         ("1,99999999999", "Received: k='1,99999999999'"), ("1,²", "Received: k='1,²'")]


@pytest.mark.parametrize("ks, message", BAD_K)
def test_bad_k_exits_2_and_writes_nothing(tmp_path, ks, message):
    result = invoke("mc-average", "--k", ks, "--out", tmp_path / "r", expect=2)
    assert message in result.stderr and not (tmp_path / "r").exists()


def test_bad_runs_and_options_exit_2_and_write_nothing(mnist_run, tmp_path):
    sweep, none_only, _ = mnist_run
    out = tmp_path / "r"
    cases = [
        ([str(tmp_path)], "Invalid value for `RUN`: expected a mnist run folder. Received: RUN="),
        ([none_only], "expected a mnist run with a dropout arm"),
        ([sweep["run_dir"], "--seed", "0"], "Invalid value for `seed`: expected a seed of "
                                            "RUN's units (3..4). Received: seed=0"),
        ([sweep["run_dir"], "--steps", "10"], "--steps and --train-subset train a model"),
        (["--repeats", "1"], "Invalid value for `repeats`: expected an integer in [2, 100000]"),
        (["--train-subset", "0"], "Invalid value for `train_subset`"),
    ]
    for args, message in cases:
        result = invoke("mc-average", *args, "--out", out, expect=2)
        assert message in " ".join(result.stderr.split()), args
        assert not out.exists()


def test_default_ks_are_the_papers_and_sorted():
    config = McAverageConfig(ks=(50, 1, 5, 5))
    assert config.sorted_ks == [1, 5, 50]
    assert McAverageConfig().ks == (1, 2, 5, 10, 20, 50, 100)
