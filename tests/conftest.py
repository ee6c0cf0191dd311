"""Shared fixtures: a CLI runner and a results folder per test."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dropout_lab.cli import main


class Invoker:
    """Runs ``dropout-lab`` in-process; stdout and stderr are kept apart."""

    def __init__(self, out):
        self.out = out
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0):
        result = self.runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args: str, expect: int | None = 0) -> dict:
        """Run with --json; stdout must be exactly one strict JSON object and one newline."""
        result = self(*args, "--json", expect=expect)
        return parse_json_stdout(result.stdout)


def parse_json_stdout(stdout: str) -> dict:
    """The object on stdout, which must be exactly one strict JSON object and one newline."""
    def refuse(constant):
        raise AssertionError(f"stdout holds the non-standard JSON number {constant}")

    data = json.loads(stdout, parse_constant=refuse)
    assert isinstance(data, dict)
    # nothing before or after it: the exact text dropout-lab writes, and one newline
    assert stdout == json.dumps(data, indent=2, allow_nan=False) + "\n"
    return data


@pytest.fixture
def out(tmp_path):
    """An empty results folder."""
    path = tmp_path / "results"
    path.mkdir()
    return path


@pytest.fixture
def cli(out):
    """``cli("train", "--epochs", 5)`` runs the command and checks its exit code."""
    return Invoker(out)


MNIST = ("--train-subset", "200", "--steps", "20", "--eval-every", "10")


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """kind -> the --json object of one small run of each command."""
    out = tmp_path_factory.mktemp("schema")
    found = {}

    def run(*args):
        data = Invoker(None).json(*args, "--quiet")
        found[data["kind"]] = data
        return data

    trained = run("train", "--epochs", "5", "--out", out)
    run("reload", trained["run_dir"], "--runs", "2", "--out", out)
    run("compare", trained["run_dir"], "--runs", "2", "--mc-samples", "100", "--out", out)
    run("probe", "--size", "4096", "--out", out)  # every built-in, with the edge rates
    run("noise-shape", "--draws", "5", "--out", out)
    run("gradients", "--batch-size", "2", "--out", out)
    run("numpy-demo", "--samples", "500", "--repeats", "3", "--out", out)
    sweep = run("mnist", *MNIST, "--arms", "none,dropout", "--seeds", "1", "--out", out)
    run("mc-average", sweep["run_dir"], "--k", "1,2", "--repeats", "2", "--out", out)
    run("data", "mnist")
    from test_mnist_data import fake_arrays, write_idx_dir

    run("data", "idx", write_idx_dir(out / "idx", fake_arrays()))
    run("reproduce", "--claims", "C1,C10", "--out", out)
    run("frameworks", "--framework", "tensorflow", "--size", "4096", "--out", out)
    run("runs", "list", "--out", out)
    return found
