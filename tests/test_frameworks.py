"""``frameworks`` and other frameworks' implementations in ``probe``: measured facts, findings.

The matrix logic is tested on answers built in-process from the NumPy
references (no framework needed); the worker runs need the extras
(``dropout-lab[torch]``, ``dropout-lab[jax]``) and skip with the reason
when they are missing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from dropout_lab.core.errors import ExperimentError
from dropout_lab.dropouts import probing, registry, worker_probe
from dropout_lab.frameworks import config as fw_config
from dropout_lab.frameworks import matrix
from dropout_lab.workers import parent as workers

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_JAX = all(importlib.util.find_spec(m) for m in ("jax", "flax", "equinox"))
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="needs dropout-lab[torch]")
needs_jax = pytest.mark.skipif(not HAS_JAX, reason="needs dropout-lab[jax]")


def _answer(name: str, reference: str, edges: dict[str, str] | None = None,
            sha: str = "abc") -> dict:
    """A worker's answer for ``name``, its rows measured on a NumPy reference in-process."""
    impl = registry.BUILTIN[reference]
    rows = [probing.row_to_json(probing.measure_row(impl, rate, 8192, 3, 1e-5))
            for rate in (0.2, 0.8)]
    for row in rows:
        row["layer"] = name
    said = {"0": "returns the input unchanged; gradient is 1",
            "1": "returns zeros; gradient is zero", "-0.1": "raises ValueError: no",
            "1.5": "raises ValueError: no", "NaN": "raises ValueError: no", **(edges or {})}
    return {"name": name, "framework": "torch", "version": "9.9", "rows": rows,
            "edges": said, "warnings": [], "default_call": "active (draws noise)",
            "seeding": {"sha256": sha, "same_seed_same_draw": True, "two_calls_differ": True}}


def test_a_documented_inverted_dropout_agrees_with_its_documentation():
    row = matrix.summarise(_answer("torch.nn.Dropout", "numpy-inverted"), "abc", 4)
    assert (row.rate_means, row.scaling, row.test_time) == ("drop", "inverted", "identity")
    assert row.shared_axes == "none" and row.mismatches == [] and row.accepted_invalid == []
    assert row.new_process_same_mask is True and row.pointer == "/implementations/4"
    verdict = matrix.verdict(row, [0.2, 0.8], 1e-5)
    assert (verdict.claim, verdict.outcome, verdict.source) == ("docs:torch.nn.Dropout",
                                                                 "confirmed", None)


def test_a_layer_that_contradicts_its_documentation_is_refuted_with_each_difference():
    row = matrix.summarise(_answer("torch.nn.Dropout", "numpy-vanilla"), "other", 0)
    assert row.mismatches == ["scaling is vanilla, documented: inverted",
                              "test-time output is scaled_by_keep, documented: identity"]
    assert row.new_process_same_mask is False
    verdict = matrix.verdict(row, [0.2, 0.8], 1e-5)
    assert verdict.outcome == "refuted"
    assert verdict.evidence.endswith("differs from its documentation: scaling is vanilla, "
                                     "documented: inverted; test-time output is "
                                     "scaled_by_keep, documented: identity")


def test_silently_accepted_invalid_rates_are_findings():
    answer = _answer("flax.nnx.Dropout", "numpy-inverted",
                     {"-0.1": "returns x * 0.909091; gradient = out/in",
                      "NaN": "returns zeros; gradient is NaN"})
    row = matrix.summarise(answer, None, 0)
    assert row.accepted_invalid == ["-0.1", "NaN"] and row.new_process_same_mask is None
    from dropout_lab.frameworks import render

    result = type("R", (), {"rows": [row]})()
    lines = [t.plain for t in render.findings(result)[1:-1]]
    assert lines == ["- flax.nnx.Dropout (torch 9.9) silently accepts invalid rates: -0.1 -> "
                     "returns x * 0.909091; gradient = out/in; NaN -> returns zeros; gradient "
                     "is NaN"]
    cell = render._invalid(row).plain
    assert cell == ("NO, ACCEPTED without error:\n\N{BULLET} -0.1: returns x * 0.909091; "
                    "gradient = out/in\n\N{BULLET} NaN: returns zeros; gradient is NaN")
    clean = matrix.summarise(_answer("torch.nn.Dropout", "numpy-inverted"), None, 0)
    assert render._invalid(clean).plain == "yes: -0.1, 1.5, NaN rejected"
    # behaving as documented and validating the rate are counted apart: agreeing with the
    # documentation is not an endorsement of accepting rate -0.1
    assert render._docs(row).plain == "yes (its documentation says nothing of invalid rates)"
    verdicts = [matrix.verdict(r, [0.2, 0.8], 1e-5) for r in (row, clean)]
    both = type("R", (), {"rows": [row, clean], "verdicts": verdicts})()
    documented, validates = (t.plain for t in render.two_questions(both))
    assert documented == ("Behaves as documented (rate's meaning, scaling, test-time output, "
                          "at every measured rate): 2 of 2.")
    assert validates == ("Validates its rate (rejects -0.1, 1.5, NaN): 1 of 2; 1 accept an "
                         "invalid rate without an error: flax.nnx.Dropout (-0.1, NaN). Behaving "
                         "as documented is not validating input.")


def test_a_worker_that_fails_is_one_error_line():
    with pytest.raises(ExperimentError, match=r"^The tensorflow worker failed: ValueError: "
                                              r"unknown task 'no such task'; expected "
                                              r"'dropout_lab.<module>:<function>'$"):
        workers.call("tensorflow", {"task": "no such task"})


def test_a_worker_past_its_time_is_killed():
    with pytest.raises(ExperimentError, match=r"^The tensorflow worker did not finish within "
                                              r"0.2 s; smaller sizes"):
        workers.call("tensorflow", {"task": worker_probe.TASK, "names": ["keras"],
                                    "rates": [0.2], "size": 4096, "seed": 0, "alpha": 1e-5},
                     timeout=0.2)
    assert set() == workers._LIVE


@pytest.mark.parametrize("args, message", [
    (["frameworks", "--framework", "mxnet"], "Invalid value for '--framework': 'mxnet' is not "
                                             "one of 'tensorflow', 'torch', 'jax', 'keras-jax',"
                                             " 'keras-torch'."),
    (["frameworks", "--rate", "1"], "Invalid value for `rate`: expected a number in (0, 1)"),
    (["frameworks", "--size", "10"], "Invalid value for `size`: expected an integer in [4096, "
                                     "1048576]. Received: size=10"),
    (["frameworks", "--jobs", "0"], "Invalid value for `jobs`: expected an integer in [1, 8]"),
])
def test_bad_options_are_usage_errors(cli, out, args, message):
    result = cli(*args, "--out", out, expect=2)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_missing_framework_names_the_extra_to_install(cli, out, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    result = cli("frameworks", "--framework", "torch", "--out", out, expect=2)
    assert ("Invalid value for `framework`: torch needs torch, which is not installed; install "
            "it with: pip install 'dropout-lab[torch]'. Received: framework='torch'"
            in result.stderr)
    result = cli("probe", "--layer", "torch.nn.Dropout", "--out", out, expect=2)
    assert ("Invalid value for `layer`: torch.nn.Dropout needs torch, which is not installed; "
            "install it with: pip install 'dropout-lab[torch]'. Received: "
            "layer='torch.nn.Dropout'" in result.stderr)
    assert "keras-torch" not in fw_config.installed()
    help_text = cli("frameworks", "--help").stdout
    assert "torch        not installed (pip install 'dropout-lab[torch]')" in help_text
    assert not any(out.iterdir())


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """One frameworks run over the installed extras' workers (torch, jax)."""
    from click.testing import CliRunner

    from dropout_lab.cli import main

    chosen = [w for w, ok in (("torch", HAS_TORCH), ("jax", HAS_JAX)) if ok]
    if not chosen:
        pytest.skip("needs dropout-lab[torch] or dropout-lab[jax]")
    out = tmp_path_factory.mktemp("frameworks")
    args = ["frameworks", "--size", "8192", "--out", str(out), "--json", "--quiet"]
    for worker in chosen:
        args += ["--framework", worker]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return data, {row["name"]: row for row in data["matrix"]}


@needs_torch
def test_pytorch_dropouts_are_what_pytorch_documents(measured):
    _, rows = measured
    for name in ("torch.nn.Dropout", "torch.nn.functional.dropout", "torch.nn.Dropout1d",
                 "torch.nn.Dropout2d", "torch.nn.Dropout3d", "torch.nn.Dropout2d-on-3d"):
        row = rows[name]
        assert (row["rate_means"], row["scaling"], row["mismatches"]) == ("drop", "inverted",
                                                                          []), name
        assert row["accepted_invalid"] == [] and row["new_process_same_mask"] is True, name
        assert row["default_call"] == "active (draws noise)", name  # training mode by default
    assert rows["torch.nn.functional.dropout"]["test_time"] == "n/a"
    assert rows["torch.nn.Dropout1d"]["shared_axes"] == "[2] (length)"
    assert rows["torch.nn.Dropout2d"]["shared_axes"] == "[2, 3] (height, width)"
    assert rows["torch.nn.Dropout3d"]["shared_axes"] == "[2, 3, 4] (depth, height, width)"
    on_3d = rows["torch.nn.Dropout2d-on-3d"]
    assert on_3d["shared_axes"] == "[2] (length)"
    assert any("3D input to dropout2d" in w for w in on_3d["warnings"])
    assert rows["torch.nn.AlphaDropout"]["scaling"] == "affine"


@needs_jax
def test_jax_dropouts_are_what_flax_and_equinox_document_and_what_they_accept(measured):
    data, rows = measured
    for name in ("flax.nnx.Dropout", "flax.nnx.Dropout[broadcast_dims=(1,)]",
                 "flax.linen.Dropout", "equinox.nn.Dropout"):
        row = rows[name]
        assert (row["rate_means"], row["scaling"], row["test_time"]) == ("drop", "inverted",
                                                                          "identity"), name
        assert row["new_process_same_mask"] is True, name
    assert rows["flax.nnx.Dropout"]["shared_axes"] == "none"
    assert rows["flax.nnx.Dropout[broadcast_dims=(1,)]"]["shared_axes"] == "[1] (timesteps)"
    # a key passed twice gives the same mask (Linen, Equinox); NNX's Rngs stream advances
    assert rows["flax.linen.Dropout"]["two_calls_differ"] is False
    assert rows["equinox.nn.Dropout"]["two_calls_differ"] is False
    assert rows["flax.nnx.Dropout"]["two_calls_differ"] is True
    assert rows["flax.linen.Dropout"]["default_call"].startswith("raises ValueError")
    assert rows["equinox.nn.Dropout"]["default_call"].startswith("raises RuntimeError")
    # findings of flax 0.12 / equinox 0.13: invalid rates taken silently
    assert "-0.1" in rows["flax.nnx.Dropout"]["accepted_invalid"]
    assert rows["flax.nnx.Dropout"]["invalid"]["-0.1"].startswith("returns x * 0.909091")
    raw = data["implementations"][int(rows["equinox.nn.Dropout"]["pointer"].split("/")[-1])]
    assert raw["name"] == "equinox.nn.Dropout" and len(raw["rows"]) == 2


def test_every_documented_row_is_in_the_registry():
    from dropout_lab.frameworks.catalog import MATRIX, documented

    for name in MATRIX:
        impl = registry.builtin(name)
        assert impl is not None and documented(name).switch, name
    assert len(MATRIX) == len(set(MATRIX)) == 30


@needs_torch
def test_probe_takes_another_frameworks_layer_by_name(cli, out):
    data = cli.json("probe", "--layer", "torch.nn.Dropout", "--rate", "0.2", "--rate", "0.8",
                    "--size", "8192", "--out", out, "--quiet")
    assert [(r["layer"], r["rate"], r["rate_means"], r["scaling"]) for r in data["rows"]] == [
        ("torch.nn.Dropout", 0.2, "drop", "inverted"), ("torch.nn.Dropout", 0.8, "drop",
                                                        "inverted")]
    assert data["edges"]["torch.nn.Dropout"]["-0.1"].startswith("raises ValueError")
    assert Path(data["run_dir"]).is_dir()


def test_warnings_heard_are_kept_whole_or_cut_at_a_word_and_marked():
    import warnings

    from dropout_lab.dropouts import worker_probe as measure

    long = "Received a 3D input " + "word " * 200
    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        warnings.warn("short one\nsecond line", UserWarning, stacklevel=1)
        warnings.warn(long, UserWarning, stacklevel=1)
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
    short, cut = measure._heard(heard)
    assert short == "UserWarning: short one"
    assert cut.endswith(" word \N{HORIZONTAL ELLIPSIS}") and len(cut) <= len("UserWarning: ") + 502
    assert cut.startswith("UserWarning: Received a 3D input word word")


def test_the_shared_axes_cell_names_the_argument_only_when_there_is_one():
    from dropout_lab.frameworks import render

    row = matrix.summarise(_answer("torch.nn.Dropout", "numpy-inverted"), None, 0)
    assert render._shared(row) == "none (no argument for it)"
    import dataclasses

    row = dataclasses.replace(row, shared_argument="broadcast_dims=(1,)",
                              shared_axes="[1] (timesteps)")
    assert render._shared(row) == "broadcast_dims=(1,): [1] (timesteps)"
