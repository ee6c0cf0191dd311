"""``export``: the matrix's logic on built answers, the CLI's hostile options, the loaders.

The classification of a cell (``matrix``) is tested on answers built here,
with no framework; the ONNX loader on a graph built here with ``onnx``
(skipped, naming the extra, without dropout-lab[export]). What each real
exporter does is pinned in tests/test_export_routes.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from rendering import rendered

from dropout_lab.core import results
from dropout_lab.core.errors import ConfigError
from dropout_lab.export import matrix, routes, running
from dropout_lab.export.config import ATOL, RTOL, ExportConfig
from dropout_lab.workers import parent

HAS_ONNX = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="needs dropout-lab[export]")

REFERENCE = [1.0, -2.0, 0.5, 4.0]  # an inference output, (batch,)
TOLERANCE = matrix.bound("torch", np.asarray(REFERENCE))


def _measured(first, identical=True, mean=None, sd=None, draws=200) -> dict:
    found = {"first": list(first), "identical": identical}
    if not identical:
        found.update(mean=list(mean), sd=list(sd), draws=draws)
    return found


def test_the_bound_is_atol_plus_rtol_times_the_largest_output():
    assert pytest.approx(ATOL + RTOL["torch"] * 4.0) == TOLERANCE
    assert matrix.bound("onnxruntime", np.asarray(REFERENCE)) == pytest.approx(1e-6 + 4e-4)


def test_an_artifact_within_the_bound_and_deterministic_is_off():
    nudged = np.asarray(REFERENCE) + 0.9 * TOLERANCE
    said = matrix.behaviour(_measured(nudged), {"inference": REFERENCE}, None, TOLERANCE, 5.0)
    assert said[0] == "off" and said[1] == pytest.approx(0.9 * TOLERANCE)


def test_just_past_the_bound_is_not_off():
    nudged = np.asarray(REFERENCE) + np.array([0, 0, 0, 1.1 * TOLERANCE])
    said = matrix.behaviour(_measured(nudged), {"inference": REFERENCE}, None, TOLERANCE, 5.0)
    assert said[0] == "wrong" and said[1] == pytest.approx(1.1 * TOLERANCE)


def test_calls_that_differ_are_random_and_their_mean_is_tested_against_inference():
    sd = [0.5] * 4  # se = 0.5 / sqrt(200) = 0.0354; z * se = 0.177 at z = 5
    inside = np.asarray(REFERENCE) + 0.17
    said = matrix.behaviour(_measured(REFERENCE, False, inside, sd), {"inference": REFERENCE},
                            None, TOLERANCE, 5.0)
    assert said[0] == "random" and said[2] is True
    assert said[3] == pytest.approx(0.17 / (0.5 / np.sqrt(200)))
    outside = np.asarray(REFERENCE) * 0.7  # the mean of an unscaled (not inverted) draw
    said = matrix.behaviour(_measured(REFERENCE, False, outside, sd), {"inference": REFERENCE},
                            None, TOLERANCE, 5.0)
    assert said[0] == "random" and said[2] is False


def test_a_lost_keep_and_a_baked_draw_are_named_by_the_alternative_they_match():
    unscaled = [v / 0.7 for v in REFERENCE]
    refs = {"inference": REFERENCE, "unscaled": unscaled}
    assert matrix.behaviour(_measured(unscaled), refs, None, TOLERANCE, 5.0)[0] == "keep_lost"
    draw = [3.0, 1.0, -1.0, 0.0]
    assert matrix.behaviour(_measured(draw), refs, draw, TOLERANCE, 5.0)[0] == "baked"
    assert matrix.behaviour(_measured(draw), refs, None, TOLERANCE, 5.0)[0] == "wrong"


def _exported(artifact: dict | None = None, net: str = "toy") -> dict:
    return {"nets": {net: {"inference": REFERENCE, "layer": "Dropout", "losses": [1.0, 0.5]}},
            "artifacts": {"torch-onnx-train": {net: {"path": "torch-onnx-train/toy.onnx",
                                                     "error": None, "heard": [],
                                                     **(artifact or {})}}}}


def _answer(**given) -> dict:
    return {"route": "torch-onnx-train", "net": "toy", "runtime": "onnxruntime 9", "error": None,
            "nodes": [], "active": False, "unsupported": [], "served": _measured(REFERENCE),
            **given}


ROUTE = routes.BY_NAME["torch-onnx-train"]


def test_off_with_nothing_active_is_confirmed():
    found = matrix.cell(ROUTE, "toy", _exported(), _answer(), 5.0, "/measurements/0")
    assert (found.behaviour, matrix.outcome(found)) == ("off", "confirmed")
    verdict = matrix.verdict(ROUTE, found, "the test")
    assert verdict.claim == "export:torch-onnx-train/toy" and verdict.source is None
    assert verdict.numbers["max_abs_delta"] == 0.0


def test_off_as_served_but_drawing_without_graph_rewrites_is_qualified():
    drawing = _measured(REFERENCE, False, REFERENCE, [0.3] * 4)
    found = matrix.cell(ROUTE, "toy", _exported(), _answer(
        nodes=["Dropout (training_mode=True)"], active=True, unoptimized=drawing), 5.0, "/m/0")
    assert (found.behaviour, found.unoptimized, matrix.outcome(found)) == ("off", "random",
                                                                           "qualified")
    assert "with no graph optimizations: RANDOM each call" in matrix.evidence(ROUTE, found)


def test_a_refusing_exporter_or_runtime_is_not_measured_and_says_why():
    refused = matrix.cell(ROUTE, "toy", _exported({"path": None, "error": "ValueError: no"}),
                          None, 5.0, "/m/0")
    assert (refused.behaviour, refused.error, matrix.outcome(refused)) == (
        "export_fails", "ValueError: no", "not measured")
    failed = matrix.cell(ROUTE, "toy", _exported(), _answer(
        error="InvalidGraph: bad", stage="load", unsupported=["StatelessRandomUniformV2"]),
        5.0, "/m/0")
    assert (failed.behaviour, failed.unsupported) == ("load_fails", ["StatelessRandomUniformV2"])
    assert matrix.verdict(ROUTE, failed, "t").evidence.endswith(
        "runtime refuses it: InvalidGraph: bad")


def test_random_outputs_are_refuted():
    drawing = _measured([0.0, 0.0, 0.0, 9.0], False, REFERENCE, [0.3] * 4)
    found = matrix.cell(ROUTE, "toy", _exported(), _answer(served=drawing, active=True,
                                                           nodes=["RandomUniformLike"]), 5.0, "")
    assert (found.behaviour, found.mean_ok, matrix.outcome(found)) == ("random", True, "refuted")
    assert found.max_delta == pytest.approx(5.0)


def test_measure_calls_until_it_knows_and_keeps_outputs_bit_for_bit():
    x = np.zeros((3, 2), np.float32)
    fixed = running.measure(lambda _: np.array([0.1, 0.2, 0.3], np.float32).astype(np.float64),
                            x, 4, 50)
    assert fixed == {"first": [np.float32(0.1).item(), np.float32(0.2).item(),
                               np.float32(0.3).item()], "identical": True}
    draw = np.random.RandomState(0)
    drawn = running.measure(lambda _: draw.standard_normal(3), x, 4, 400)
    assert drawn["identical"] is False and drawn["draws"] == 400
    assert np.all(np.abs(drawn["mean"]) < 5 / np.sqrt(400))  # z = 5 on N(0, 1) draws
    assert np.allclose(drawn["sd"], 1, atol=0.2)


@pytest.mark.parametrize("changes, message", [
    ({"drop_rate": 1.5}, "Invalid value for `drop_rate`: expected a number in (0, 1). "
                         "Received: drop_rate=1.5"),
    ({"drop_rate": float("nan")}, "Received: drop_rate=nan"),
    ({"routes": ("onnx",)}, "Invalid value for `route`: expected one of keras-savedmodel, "),
    ({"nets": ()}, "Invalid value for `nets`: expected at least one of toy, vanilla, conv. "
                   "Received: nets=[]"),
    ({"nets": ("resnet",)}, "Invalid value for `net`: expected one of toy, vanilla, conv. "
                            "Received: net='resnet'"),
    ({"calls": 1}, "Invalid value for `calls`: expected an integer in [2, 1000]. Received: "
                   "calls=1"),
    ({"mean_calls": 9}, "Invalid value for `mean_calls`: expected an integer in [10, 100000]"),
    ({"batch": 0}, "Invalid value for `batch`: expected an integer in [1, 256]"),
    ({"steps": -1}, "Invalid value for `steps`: expected an integer in [0, 10000]"),
    ({"false_alarm": 1.0}, "Invalid value for `false_alarm`: expected a probability in (0, 1)"),
    ({"timeout": 0.0}, "Invalid value for `timeout`: expected a finite number > 0"),
    ({"jobs": 9}, "Invalid value for `jobs`: expected an integer in [1, 8]"),
    ({"seed": -1}, "Invalid value for `seed`: expected an integer in [0, 4294967295]"),
])
def test_bad_config_values_are_refused_with_one_line(changes, message):
    with pytest.raises(ConfigError) as caught:
        ExportConfig(**changes)
    assert message in str(caught.value)


@pytest.mark.parametrize("args, message", [
    (("--route", "onnx"), "Invalid value for '--route': 'onnx' is not one of"),
    (("--net", "resnet"), "Invalid value for '--net': 'resnet' is not one of 'toy', 'vanilla', "
                          "'conv'."),
    (("--drop-rate", "1"), "Invalid value for `drop_rate`: expected a number in (0, 1). "
                           "Received: drop_rate=1.0"),
    (("--drop-rate", "inf"), "Received: drop_rate=inf"),
    (("--calls", "1"), "Invalid value for `calls`: expected an integer in [2, 1000]."),
    (("--mean-calls", "x"), "Invalid value for '--mean-calls': 'x' is not a valid integer."),
    (("--jobs", "0"), "Invalid value for `jobs`: expected an integer in [1, 8]."),
    (("--timeout", "nan"), "Invalid value for `timeout`: expected a finite number > 0"),
])
def test_hostile_options_exit_2_with_one_line_and_write_nothing(cli, out, args, message):
    result = cli("export", *args, "--out", out, expect=2)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_a_route_not_installed_names_its_extra(monkeypatch):
    monkeypatch.setattr(routes.importlib.util, "find_spec",
                        lambda name: None if name == "onnxruntime" else object())
    with pytest.raises(ConfigError) as caught:
        ExportConfig(routes=("torch-onnx",)).require_installed()
    assert str(caught.value) == (
        "Invalid value for `route`: torch-onnx needs onnxruntime, which is not installed; "
        "install it with: pip install 'dropout-lab[export,torch]'. Received: route='torch-onnx'")
    assert routes.BY_NAME["torch-onnx"] not in routes.installed()
    assert routes.BY_NAME["torch-export"] in routes.installed()


def test_extras_of_each_route():
    assert routes.extras(routes.BY_NAME["keras-savedmodel"]) == []
    assert routes.extras(routes.BY_NAME["keras-litert"]) == []  # TF's converter; tf.lite runs it
    assert routes.extras(routes.BY_NAME["keras-onnx"]) == ["export"]
    assert routes.extras(routes.BY_NAME["torch-onnx-train"]) == ["export", "torch"]
    assert routes.extras(routes.BY_NAME["jax-export-train"]) == ["jax"]
    assert [r.name for r in routes.ROUTES if r.mistake] == [
        "keras-savedmodel-train", "keras-onnx-train", "keras-litert-train", "torch-onnx-train",
        "torch-onnx-legacy-train", "torch-export-train", "torchscript-train",
        "jax-export-train"]


def test_runtime_processes_start_without_a_framework_environment():
    assert parent.RUNTIMES == {"onnxruntime": {}, "litert": {}}
    assert not set(parent.RUNTIMES) & set(parent.WORKERS)  # frameworks offers WORKERS only


def test_help_lists_every_route_with_what_brings_it(cli):
    text = cli("export", "--help").stdout
    for route in routes.ROUTES:
        assert route.name in text
    assert "dropout-lab export --route torch-onnx-train --net toy --json" in text


def _row(behaviours: dict[str, str]):
    from dropout_lab.export.experiment import RouteRow

    cells = [matrix.Cell(net=net, layer="Dropout", behaviour=said, max_delta=0.0, bound=1e-5,
                         identical=True, mean_ok=None, mean_z=None,
                         nodes=["aten.feature_dropout (p=0.3, train=False)"], active=False,
                         unsupported=[], unoptimized=None, error=None, heard=[],
                         runtime="torch 9", keep_gap=0.5 if net == "vanilla" else None,
                         pointer=f"/measurements/{i}")
             for i, (net, said) in enumerate(behaviours.items())]
    return RouteRow("torch-export", "torch", routes.BY_NAME["torch-export"].exporter, "torch",
                    False, cells)


def _result(tmp_path):
    from dropout_lab.export.experiment import ExportResult, ProcessRecord

    rows = [_row({"toy": "off", "vanilla": "off", "conv": "off"}),
            _row({"toy": "not_installed", "vanilla": "not_installed",
                  "conv": "not_installed"})]
    for cell in rows[1].cells:
        object.__setattr__(cell, "error", "pip install 'dropout-lab[export,torch]'")
    config = ExportConfig(routes=("torch-export",))
    verdicts = [matrix.verdict(routes.BY_NAME["torch-export"], c, "t")
                for row in rows for c in row.cells]
    return ExportResult(config=config, z=5.1, rows=rows, measurements=[{"route": "x"}],
                        processes=[ProcessRecord("torch: train and export (torch)",
                                                 {"torch": "9"}, 1.5, 4.0)],
                        skipped={"torch-onnx": "pip install 'dropout-lab[export,torch]'"},
                        verdicts=verdicts, run_dir=tmp_path, wall_seconds=9.5)


def test_the_matrix_is_a_table_at_120_columns_and_cards_at_80(tmp_path):
    from dropout_lab.export import render

    result = _result(tmp_path)
    wide = rendered(render.export(result), 120)
    assert "┃ route (exporter → runtime)" in wide and max(map(len, wide.splitlines())) <= 120
    narrow = rendered(render.export(result), 80)
    assert "┃ route" not in narrow and max(map(len, narrow.splitlines())) <= 80
    assert "extras: export, torch" in wide
    assert ("- The vanilla layer's x keep (x 0.7) survives 1 inference export(s): each artifact "
            "= the inference output, while the same net without x keep differs from it by at "
            "least 0.5; lost on none") in " ".join(narrow.split())


def test_results_json_reads_back_into_the_same_result(tmp_path):
    from dropout_lab.export import experiment

    data = results.to_json(_result(tmp_path))
    assert list(data)[:5] == list(results.HEAD) and data["kind"] == "export"
    assert [row["route"] for row in data["matrix"]] == ["torch-export", "torch-export"]
    assert results.to_json(results.from_json(experiment.Result, data)) == data


@needs_onnx
def test_onnxruntime_removes_a_training_mode_dropout_node_unless_told_not_to_rewrite(tmp_path):
    """Pinned: ONNX Runtime's default graph optimizations drop a Dropout node inside a graph
    even when its training_mode input is True; with ORT_DISABLE_ALL the same graph draws a new
    mask per call."""
    import onnx
    from onnx import TensorProto, helper

    from dropout_lab.export import loaders

    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w", "b"], ["hidden"]),  # as in the exported nets
         helper.make_node("Dropout", ["hidden", "ratio", "training"], ["dropped"]),
         helper.make_node("Relu", ["dropped"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64])],
        [helper.make_tensor("w", TensorProto.FLOAT, [64, 64], np.eye(64).ravel().tolist()),
         helper.make_tensor("b", TensorProto.FLOAT, [64], [0.0] * 64),
         helper.make_tensor("ratio", TensorProto.FLOAT, [], [0.3]),
         helper.make_tensor("training", TensorProto.BOOL, [], [True])])
    path = tmp_path / "dropout.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    loaded = loaders.load_onnx(path, 0)
    assert (loaded.nodes, loaded.active) == (["Dropout (training_mode=True)"], True)
    x = np.ones((4, 64), np.float32)
    served = running.measure(loaded.call, x, 3, 20)
    assert served["identical"] and served["first"] == [1.0] * 4  # the node was removed
    plain = running.measure(loaded.unoptimized, x, 3, 20)
    assert not plain["identical"]  # the graph as written draws a new mask each call
    assert set(np.round(plain["first"], 4)) <= {0.0, round(1 / 0.7, 4)}


def test_the_reproduce_report_shows_the_export_matrix(outputs):
    from dropout_lab.export import experiment
    from dropout_lab.reproduce import experiment as reproduce
    from dropout_lab.reproduce import report

    exported = results.from_json(experiment.Result, outputs["export"])
    reproduced = results.from_json(reproduce.Result, outputs["reproduce"])
    values = report.context(reproduced, dict.fromkeys(reproduced.figures, b""), None, exported)
    templates = report._environment()
    markdown = templates.get_template("report.md.j2").render(**values)
    html = templates.get_template("report.html.j2").render(**values)
    assert "## After export" in markdown and '<h2 id="export">After export</h2>' in html
    # report.md escapes HTML as report.html does (issue 16): the quotes are entities
    assert ("| keras model.export format=&#39;tf_saved_model&#39; → tensorflow "
            "| off (= inference) |") in markdown
    assert ("| keras ExportArchive endpoint model(x, training=True) → tensorflow | **random** "
            "each call (StatelessRandomUniformV2) |") in markdown
    assert "format=&#39;tf_saved_model&#39; &rarr; tensorflow" in html  # escaped


def test_the_cli_run_measures_the_keras_savedmodel_routes(outputs):
    """Smoke (the base install): SavedModel from inference is off; the training=True
    endpoint draws anew each call, its mean the inference output."""
    data = outputs["export"]
    cells = {row["route"]: row["cells"][0] for row in data["matrix"]}
    assert cells["keras-savedmodel"]["behaviour"] == "off"
    assert cells["keras-savedmodel"]["max_delta"] <= cells["keras-savedmodel"]["bound"]
    drawn = cells["keras-savedmodel-train"]
    assert (drawn["behaviour"], drawn["mean_ok"], drawn["nodes"]) == (
        "random", True, ["StatelessRandomUniformV2"])
    assert [v["outcome"] for v in data["verdicts"]] == ["confirmed", "refuted"]
    run = Path(data["run_dir"])
    assert (run / "artifacts" / "keras-savedmodel" / "toy" / "saved_model.pb").is_file()
    assert data["measurements"][0]["artifact"]["path"] == "artifacts/keras-savedmodel/toy"


def test_litert_runs_on_tf_lite_when_ai_edge_litert_is_missing(outputs, monkeypatch, tmp_path):
    """The LiteRT routes need no extra: without ai-edge-litert, TensorFlow's (deprecated)
    tf.lite interpreter runs the artifact, to the same output bit for bit here."""
    from dropout_lab.core.tfenv import import_tf
    from dropout_lab.export import inputs, loaders

    tf = import_tf()
    saved = Path(outputs["export"]["run_dir"]) / "artifacts" / "keras-savedmodel" / "toy"
    path = tmp_path / "toy.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_saved_model(str(saved)).convert())
    x = inputs.probe_inputs("toy", 8, 0)
    found = []
    if importlib.util.find_spec("ai_edge_litert"):
        found.append(loaders.load_tflite(path, 0))
    monkeypatch.setitem(__import__("sys").modules, "ai_edge_litert", None)  # import fails
    fallback = loaders.load_tflite(path, 0)
    assert fallback.runtime.startswith("tf.lite ") and "deprecated" in fallback.runtime
    assert (fallback.nodes, fallback.active) == ([], False)
    reference = outputs["export"]["measurements"][0]["reference"]["inference"]
    assert np.abs(fallback.call(x) - reference).max() <= matrix.bound("litert",
                                                                      np.asarray(reference))
    for other in found:
        assert other.runtime.startswith("ai-edge-litert ")
        assert np.array_equal(other.call(x), fallback.call(x))


def test_a_run_lists_the_routes_it_could_not_run_with_what_installs_them(monkeypatch, out):
    """The whole run() on canned worker answers: one route here, every other one missing."""
    from dropout_lab.core.runs import RunContext
    from dropout_lab.export import experiment

    here = routes.BY_NAME["keras-savedmodel"]
    monkeypatch.setattr(routes, "missing", lambda r: [] if r is here else ["onnxruntime"])

    def canned(chosen, config, folder, ctx):
        assert chosen == [here]
        exported = {"nets": {n: {"inference": REFERENCE, "layer": "Dropout"} for n in config.nets},
                    "artifacts": {here.name: {n: {"path": f"{here.name}/{n}", "error": None,
                                                  "heard": []} for n in config.nets}}}
        ran = {(here.name, n): {**_answer(route=here.name, net=n), "runtime": "tensorflow 9"}
               for n in config.nets}
        return {"keras": exported}, ran, []

    monkeypatch.setattr(experiment, "_run_workers", canned)
    result = experiment.run(ExportConfig(), RunContext(out=out))
    assert [row.route for row in result.rows] == [r.name for r in routes.ROUTES]
    assert [c.behaviour for c in result.rows[0].cells] == ["off"] * 3
    assert result.skipped["torch-onnx"] == "pip install 'dropout-lab[export,torch]'"
    assert result.skipped["keras-litert"] == "pip install dropout-lab"  # the base install
    missing = [c for row in result.rows[1:] for c in row.cells]
    assert {c.behaviour for c in missing} == {"not_installed"}
    assert [v.outcome for v in result.verdicts].count("confirmed") == 3
    assert (result.run_dir / "results.json").is_file()


def test_an_artifact_its_runtime_did_not_answer_for_is_not_measured():
    found = matrix.cell(ROUTE, "toy", _exported(), None, 5.0, "/m/0")
    assert (found.behaviour, found.error, matrix.outcome(found)) == (
        "load_fails", "the runtime process gave no answer for this artifact", "not measured")
