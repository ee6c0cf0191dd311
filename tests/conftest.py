"""Shared fixtures: a CLI runner, a results folder per test, and the data MNIST tests train on.

MNIST in the tests. Every test that trains on "MNIST" (sweeps, mc-average, the
schema outputs below, the fuzzed mnist and mc-average cases) runs on a small
generated stand-in (tests/mock_mnist.py: 600 training and 100 test images, 28 x
28, ten learnable classes), through the real loading code. At the start of the
session ``generated_mnist`` writes it as idx files and loads them once with
``load_mnist`` (idx parsing, checks, sha256 verification, caching), with two
environment variables set for the whole session, and so for every subprocess a
test starts:

- ``DROPOUT_LAB_DATA``: a fresh temporary data home; the user's cache is never
  read or written;
- ``DROPOUT_LAB_TEST_MNIST_SHA256``: the stand-in's sha256, which ``load_mnist``
  then accepts instead of MNIST's, from the cache or --data-dir only: with it
  set, the URL and npm are never tried (dropout_lab/core/data/mnist.py), so no
  test fetches anything.

A test that truly needs the real MNIST (its numbers, its size) is marked
``@pytest.mark.needs_mnist``. It runs on the verified cache in the data home
the session started with (``$DROPOUT_LAB_DATA`` or the user cache), with
``DROPOUT_LAB_TEST_MNIST_SHA256`` set to MNIST's own digest (the real data,
still cache-only). When that cache does not hold the verified MNIST (checked
once, never downloaded), the test is skipped with the reason and the command
that fetches it: ``dropout-lab data mnist``. A needs_mnist test must take its
data from no module- or session-scoped fixture: those run on the stand-in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dropout_lab.cli import main
from dropout_lab.core.data import mnist as mnist_data
from dropout_lab.core.data import sources

#: The data home when pytest started: the real MNIST of ``needs_mnist`` tests is read from it.
REAL_DATA_HOME = mnist_data.data_home()
FETCH_COMMAND = "dropout-lab data mnist"


def real_mnist_problem() -> str | None:
    """Why the verified MNIST is not in the real data home's cache; None when it is.

    Reads and verifies the cache file only: nothing is downloaded.
    """
    path = mnist_data.cache_path(REAL_DATA_HOME)
    try:
        mnist_data.verified(sources.read_npz(path, missing=f"no cache file at {path}"),
                            mnist_data.MNIST_SHA256)
    except sources.SourceFailed as exc:
        return str(exc)
    return None


def pytest_collection_modifyitems(config, items):
    """Skip the ``needs_mnist`` tests, saying why, when the real MNIST is not cached."""
    marked = [item for item in items if item.get_closest_marker("needs_mnist")]
    problem = real_mnist_problem() if marked else None
    if problem:
        skip = pytest.mark.skip(reason=f"needs the real MNIST, which is not cached ({problem}); "
                                       f"fetch it with `{FETCH_COMMAND}`")
        for item in marked:
            item.add_marker(skip)


@dataclass(frozen=True)
class GeneratedMnist:
    """The stand-in the session's MNIST loads return.

    Attributes:
        arrays: role -> array, as generated.
        sha256: their digest (``$DROPOUT_LAB_TEST_MNIST_SHA256``).
        idx_dir: the idx files they were loaded from.
        cache: the cache file ``load_mnist`` wrote (in ``$DROPOUT_LAB_DATA``).
    """

    arrays: dict[str, np.ndarray]
    sha256: str
    idx_dir: Path
    cache: Path


@pytest.fixture(scope="session", autouse=True)
def generated_mnist(tmp_path_factory):
    """The generated stand-in for MNIST, loaded and cached by the real loader (see above)."""
    import mock_mnist
    from test_mnist_data import write_idx_dir

    root = tmp_path_factory.mktemp("generated-mnist")
    arrays = mock_mnist.arrays()
    digest = mock_mnist.sha256_of(arrays)
    idx_dir = write_idx_dir(root / "idx", arrays)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DROPOUT_LAB_DATA", str(root / "data-home"))
        patch.setenv(mnist_data.TEST_SHA256_VAR, digest)
        loaded = mnist_data.load_mnist(idx_dir)
        assert (loaded.source, loaded.is_mnist) == ("data-dir", False)
        assert loaded.path is not None and loaded.path.parent == root / "data-home"
        yield GeneratedMnist(arrays, digest, idx_dir, loaded.path)


@pytest.fixture(autouse=True)
def _real_mnist_when_marked(request, monkeypatch):
    """A ``needs_mnist`` test loads the real MNIST from the user's cache (never fetched)."""
    if request.node.get_closest_marker("needs_mnist"):
        monkeypatch.setenv("DROPOUT_LAB_DATA", str(REAL_DATA_HOME))
        monkeypatch.setenv(mnist_data.TEST_SHA256_VAR, mnist_data.MNIST_SHA256)


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
    run("mnist-speed", "--nets", "S001", "--rounds", "3", "--seconds", "0.1", "--out", out)
    run("sweep", "rate", "--keep-probs", "0.5,1", "--seeds", "1", "--steps", "10",
        "--train-subset", "300", "--out", out)
    run("data", "mnist")
    from test_mnist_data import fake_arrays, write_idx_dir

    run("data", "idx", write_idx_dir(out / "idx", fake_arrays()))
    run("reproduce", "--claims", "C1,C10", "--out", out)
    run("frameworks", "--framework", "tensorflow", "--size", "4096", "--out", out)
    run("export", "--route", "keras-savedmodel", "--route", "keras-savedmodel-train", "--net",
        "toy", "--steps", "2", "--mean-calls", "50", "--out", out)  # TensorFlow alone
    run("runs", "list", "--out", out)
    return found
