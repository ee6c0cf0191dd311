"""Exact numbers and messages that kill the survivors of issue 21's mutation sample (seed 2026).

Each test names the module whose surviving mutant it kills; docs/mutation.md lists the mutants.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from rich.text import Text

from dropout_lab.core import timing
from dropout_lab.core.errors import ConfigError
from dropout_lab.mnist.mc_average import open_source


def test_timing_ratio_interval_works_in_float64_whatever_the_ratios_come_in():
    # core/timing.py: ratios handed over as float32 are logged in float64, so the interval
    # is the one of the same values in float64 to the last bit (float32 logs differ at 1e-8)
    ratios = np.array([1.1, 1.23, 0.97, 1.31, 1.05, 1.18, 1.22, 0.99, 1.4, 1.12, 1.07],
                      dtype=np.float32)
    assert timing.ratio_interval(ratios, 0.95) == timing.ratio_interval(
        ratios.astype(np.float64), 0.95)


def _speed_pair(net, base, arm, low, high):
    from dropout_lab.core.interval import Interval
    from dropout_lab.mnist.speed import PairTiming

    level = 1 - 0.001 / 3
    return PairTiming(net=net, base=base, arm=arm, block_steps=20, rounds=30, stopped="precise",
                      seconds=4.0, speed_ratio=Interval(math.sqrt(low * high), low, high, level),
                      wall_speed_ratio=Interval(1.0, 0.5, 2.0, level),
                      ms_per_step={base: {"cpu": 2.0, "wall": 4.0},
                                   arm: {"cpu": 2.5, "wall": 5.0}},
                      blocks_ms={"cpu": {}, "wall": {}},
                      load={"before": 3.0, "after": 3.5, "cpus": 2})


def test_mnist_speed_qualified_lists_every_faster_and_slower_pair_comma_separated():
    # mnist/speed.py: two pairs faster, two slower; the lists are joined by ", "
    from dropout_lab.mnist.speed import verdict_c11

    fast, slow = (1.1, 1.2), (0.7, 0.8)
    pairs = [_speed_pair("S003", "none", "dropout", *fast),
             _speed_pair("S003", "l2", "dropout+l2", *fast),
             _speed_pair("S001", "none", "dropout", *slow),
             _speed_pair("S002", "none", "dropout", *slow)]
    verdict = verdict_c11(pairs, 1 - 0.001 / 4)
    assert verdict.outcome == "qualified"
    assert verdict.evidence.endswith(
        "; faster with dropout: S003 dropout / none, S003 dropout+l2 / l2; "
        "slower: S001 dropout / none, S002 dropout / none")


def test_mnist_speed_without_pairs_is_inconclusive_and_says_no_load_was_read():
    # mnist/speed.py: no pair timed (nothing to read a load average from): nan, nan, 0 CPUs
    from dropout_lab.mnist.speed import verdict_c11

    verdict = verdict_c11([], 0.999)
    assert verdict.outcome == "inconclusive" and verdict.numbers == {}
    assert ("Slower with dropout in 0 of 0 pairs, faster in 0; 1-minute load average nan "
            "before, nan after, on 0 CPUs.") in verdict.evidence


def test_mc_average_names_the_runs_manifest_when_its_config_is_refused(tmp_path):
    # mnist/mc_average.py: a run whose recorded config has a key MnistConfig does not know
    # is refused with the manifest's path as the origin of the value
    manifest = {"kind": "mnist", "config": {"arms": ["none", "dropout"], "rate_of_doom": 1},
                "files": {}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError) as caught:
        open_source(tmp_path, None)
    assert str(caught.value).startswith(f"Unknown key `rate_of_doom` in {tmp_path}/manifest.json:")


def _sweep_units(errors: dict[float, float]) -> list:
    from dropout_lab.sweep.units import Unit

    jitter = (0.0, 0.0004, -0.0004)  # rotated per point: paired differences have a spread
    return [Unit(point={"keep_prob": k}, seed=s, widths=[8], keeps=[1.0, 0.5], train_images=100,
                 threads=1, steps=[10], curves={"train/loss": [0.1], "train/error": [0.0],
                                                "test/error": [e + jitter[(s + i) % 3]]},
                 final_test_error=e + jitter[(s + i) % 3], final_train_error=0.0,
                 train_seconds=1.0, eval_seconds=0.1, trace_seconds=0.1, wall_seconds=1.2)
            for i, (k, e) in enumerate(errors.items()) for s in range(3)]


F9B_SHAPE = {0.1: 0.05, 0.3: 0.025, 0.5: 0.0205, 0.6: 0.020, 0.7: 0.0205, 0.9: 0.022, 1.0: 0.023}


def test_sweep_f9b_states_its_test_whole():
    # sweep/verdicts.py: P2014-F9b's test, at the configured confidence
    from dropout_lab.sweep.config import resolve_profile
    from dropout_lab.sweep.verdicts import analyse

    config = resolve_profile("width", "quick",
                             flags=dict(seeds=3, keep_probs=tuple(F9B_SHAPE), confidence=0.9))
    verdict = analyse(config, _sweep_units(F9B_SHAPE)).verdicts[0]
    assert (verdict.claim, verdict.outcome) == ("P2014-F9b", "confirmed")
    assert verdict.test == (
        "90% paired intervals; refuted if a point outside 0.4-0.8 is significantly better than "
        "the best in 0.5-0.7; confirmed if the lowest mean lies in 0.5-0.7, no point is "
        "significantly better and the smallest keep_prob significantly worse; qualified if the "
        "lowest mean lies elsewhere in 0.4-0.8 and none is significantly better")


def test_sweep_a_point_with_no_unit_at_all_is_missing_at_every_seed():
    # sweep/verdicts.py: keep 0.6 never ran (no seed of it): all three seeds named, no summary
    from dropout_lab.sweep.config import resolve_profile
    from dropout_lab.sweep.verdicts import analyse

    config = resolve_profile("width", "quick", flags=dict(seeds=3, keep_probs=tuple(F9B_SHAPE)))
    units = [u for u in _sweep_units(F9B_SHAPE) if u.point["keep_prob"] != 0.6]
    analysis = analyse(config, units)
    assert analysis.missing == ["keep 0.60 (seeds 0, 1, 2)"]
    assert [p.point["keep_prob"] for p in analysis.points] == [0.1, 0.3, 0.5, 0.7, 0.9, 1.0]


@pytest.fixture(scope="module")
def frameworks_reference():
    from pathlib import Path

    from dropout_lab.core import kinds, results

    folder = Path(__file__).resolve().parents[1] / "docs/runs/reproduce-full/frameworks"
    data = json.loads((folder / "results.json").read_text())
    return results.from_json(kinds.experiment("frameworks").Result, data)


def test_frameworks_tables_titles_styles_and_the_run_folder_line(frameworks_reference):
    # frameworks/render.py and compact.py: the words and styles a reader sees
    from rich.text import Span

    from dropout_lab.frameworks import compact, render

    result = frameworks_reference
    table = render.matrix_table(result)
    assert table.title == "Dropout across frameworks (measured)"
    first = result.rows[0]
    label = table.columns[0]._cells[0]
    assert isinstance(label, Text)
    assert label.plain == f"{first.name}\n{first.framework} {first.version}\n#{first.pointer}"
    assert label.style == "bold" and label.spans == [Span(len(first.name), len(label.plain),
                                                          "dim")]
    assert [c.overflow for c in render.rate_one_table(result).columns] == ["fold", "fold"]
    assert render.frameworks(result)[-1].plain == f"Run folder: {result.run_dir}"
    versions = ", ".join(dict.fromkeys(f"{r.framework} {r.version}" for r in result.rows))
    assert compact.legend(result).plain.endswith(
        f".\nMeasured with {versions}. Each row's numbers: results.json at "
        "/implementations/<row index>; --cards shows one card per implementation.")


def test_export_findings_name_a_deprecated_exporter_and_its_tables_headers(tmp_path):
    # export/render.py: the exporter's deprecation warnings (any case) become one finding;
    # every net's column folds, a route's runtime line is dim, the processes table's headers
    from rich.text import Span
    from test_export import _result

    from dropout_lab.export import render

    result = _result(tmp_path)
    for cell in result.rows[0].cells:
        object.__setattr__(cell, "heard", ["torch.onnx.export is DEPRECATED since 2.9",
                                           "a note"])
    lines = [line.plain for line in render.findings(result)]
    exporter = result.rows[0].exporter  # torch.export.export from eval()
    assert lines[2] == f"- {exporter} is deprecated: torch.onnx.export is DEPRECATED since 2.9"
    table = render.matrix_table(result)
    assert [c.overflow for c in table.columns] == ["fold"] * (1 + len(result.config.nets))
    label = table.columns[0]._cells[0]
    assert isinstance(label, Text)
    assert label.spans == [Span(len(exporter), len(label.plain), "dim")]
    headers = [c.header for c in render.processes_table(result).columns]
    assert headers == ["process", "versions", "import [s]", "total [s]", "CPU [s]"]


def test_reproduce_against_readme_leaves_out_claims_without_a_readme_row(monkeypatch):
    # reproduce/summary.py: an unknown claim and a claim the README has no row for (reference
    # None) are not compared; a differing catalogued claim is
    import dataclasses

    from dropout_lab.core import verdict as catalogue
    from dropout_lab.core.verdict import Verdict
    from dropout_lab.reproduce.config import ReproduceConfig
    from dropout_lab.reproduce.summary import against_readme

    monkeypatch.setitem(catalogue.CLAIMS, "P2014-F9b", dataclasses.replace(
        catalogue.CLAIMS["P2014-F9b"], reference=None))  # as before its reference run
    verdicts = [Verdict(claim, None, "s", outcome, "e", "t")
                for claim, outcome in (("Z9", "refuted"), ("P2014-F9b", "refuted"),
                                       ("C1", "refuted"))]
    found = against_readme(ReproduceConfig(), verdicts)
    assert [(a.claim, a.outcome, a.undecided, a.why) for a in found] == [
        ("C1", "refuted", False, "measured refuted: see its evidence")]


def test_reproduce_against_readme_says_why_a_claim_is_undecided():
    # reproduce/summary.py: not measured and inconclusive (C1: not left to the full profile)
    from dropout_lab.core.verdict import Verdict
    from dropout_lab.reproduce.config import ReproduceConfig
    from dropout_lab.reproduce.summary import against_readme

    found = against_readme(ReproduceConfig(), [Verdict("C1", None, "s", "not measured", "e", "t"),
                                               Verdict("C2", None, "s", "inconclusive", "e", "t")])
    assert [(a.claim, a.undecided, a.opposite, a.why) for a in found] == [
        ("C1", True, False, "this run did not measure it"),
        ("C2", True, False, "the test could not decide at the quick profile's size")]


def test_reproduce_a_figure_without_a_caption_gets_an_empty_one():
    # reproduce/report.py: a figure CAPTIONS does not know is shown with caption "", not None
    from types import SimpleNamespace

    from dropout_lab.reproduce import report

    result = SimpleNamespace(steps=[], verdicts=[], figures=["unknown.png"], against_readme=None,
                             environment={})
    values = report.context(result, {"unknown.png": b"\x89PNG"})
    assert values["figures"] == [{"name": "unknown.png", "path": "figures/unknown.png",
                                  "caption": "", "data": "iVBORw=="}]
    assert values["loose_figures"] == values["figures"]


@pytest.mark.parametrize("profile, seconds", [("quick", 10.0), ("full", 30.0)])
def test_reproduce_times_each_c11_pair_for_its_profiles_cap_at_the_reports_seed(profile, seconds):
    # reproduce/config.py: mnist-speed's time cap is the profile's (quick: QUICK_TIMING_SECONDS)
    from dropout_lab.reproduce.config import QUICK_TIMING_SECONDS, ReproduceConfig, plan

    assert QUICK_TIMING_SECONDS == 10.0
    steps = plan(ReproduceConfig(claims=("C11",), profile=profile, seed=7))
    assert [s.name for s in steps] == ["mnist-speed"]
    assert (steps[0].config.seconds, steps[0].config.seed) == (seconds, 7)


def test_listing_sorts_within_a_kind_by_start_and_reads_catalogued_verdicts(tmp_path,
                                                                            monkeypatch):
    # index/listing.py: by kind, the oldest first within a kind (the run ids ordered neither
    # way by start); a catalogued claim's verdict is listed and written as {"claim", "outcome"};
    # a partial run's start time and command come from its resume file
    from dropout_lab.core import runs
    from dropout_lab.core.resume import RESUME_FILE
    from dropout_lab.index.listing import index

    for claim, when, run_id in (("C1", "2024-01-03T00:00:00+00:00", "20240101-000000-00000a"),
                                ("C2", "2024-01-02T00:00:00+00:00", "20240105-000000-00000c"),
                                ("C3", "2024-01-05T00:00:00+00:00", "20240103-000000-00000b")):
        monkeypatch.setattr(runs, "utc_now", lambda when=when: when)
        monkeypatch.setattr(runs, "_new_run_id", lambda run_id=run_id: run_id)
        with runs.new_run(tmp_path, "probe", {}, 0, "dropout-lab probe") as folder:
            folder.write_json("results.json", {"verdicts": [{"claim": claim,
                                                             "outcome": "confirmed"}]})
    partial = tmp_path / "numpy-demo" / ".20240104-000000-aaaaaa.partial"
    partial.mkdir(parents=True)
    (partial / RESUME_FILE).write_text(json.dumps({"started_at": "2024-01-04T00:00:00+00:00",
                                                   "command": "dropout-lab numpy-demo"}))
    listed = index(tmp_path, sort="kind")
    # neither the ids' order nor its reverse is the start times' (C2, C1, C3)
    assert [e.run_id for e in listed] == ["20240104-000000-aaaaaa", "20240105-000000-00000c",
                                          "20240101-000000-00000a", "20240103-000000-00000b"]
    assert [e.verdicts for e in listed] == [[], [("C2", "confirmed")], [("C1", "confirmed")],
                                            [("C3", "confirmed")]]
    assert listed[1].to_json()["verdicts"] == [{"claim": "C2", "outcome": "confirmed"}]
    assert (listed[0].started_at, listed[0].command) == ("2024-01-04T00:00:00+00:00",
                                                         "dropout-lab numpy-demo")


def test_registry_refuses_a_foreign_layer_for_the_toy_net_and_names_a_missing_framework(
        monkeypatch):
    # dropouts/registry.py: torch.nn.Dropout cannot be the toy net's layer (said why); a foreign
    # layer whose framework is missing is refused as `layer`; MODULE:CLASS passes as is
    from dropout_lab.dropouts import registry

    with pytest.raises(ConfigError) as caught:
        registry.check_name("torch.nn.Dropout", registry.TOY)
    assert caught.value.param == "layer"
    assert str(caught.value).endswith(
        "Received: layer='torch.nn.Dropout' (torch.nn.Dropout cannot be the toy net's dropout "
        "layer: it is not a Keras layer on TensorFlow; compare --framework trains the toy net "
        "in PyTorch or JAX)")
    monkeypatch.setattr(registry, "missing_framework", lambda impl: "torch is not installed")
    with pytest.raises(ConfigError) as caught:
        registry.check_name("torch.nn.Dropout")
    assert (str(caught.value), caught.value.param) == (
        "Invalid value for `layer`: torch is not installed. Received: layer='torch.nn.Dropout'",
        "layer")
    assert registry.check_name("my_pkg.layers:MyDropout", registry.TOY) == \
        "my_pkg.layers:MyDropout"
    assert registry.is_module_class("my_pkg.layers:MyDropout")
    assert not registry.is_module_class("my_pkg.layers.MyDropout")


def test_registry_a_framework_is_missing_only_when_one_of_its_modules_is(monkeypatch):
    # dropouts/registry.py: every module importable -> None; one absent -> named with its extra
    import dataclasses
    import importlib.util

    from dropout_lab.dropouts import registry

    impl = registry.FOREIGN["torch.nn.Dropout"]
    assert impl.worker is not None
    extra, modules = registry.EXTRAS[impl.worker]
    found = {m: object() for m in modules}
    monkeypatch.setattr(importlib.util, "find_spec", lambda m: found.get(m))
    assert registry.missing_framework(impl) is None
    found.pop(modules[0])
    assert registry.missing_framework(impl) == (
        f"torch.nn.Dropout needs {modules[0]}, which is not installed; install it with: "
        f"pip install 'dropout-lab[{extra}]'")
    assert registry.missing_framework(dataclasses.replace(impl, worker=None)) is None
