"""``export``'s findings, pinned: what each real exporter and runtime does with dropout.

Each route runs for real (its exporter in the framework's worker process,
its artifact in a fresh runtime process), once per framework for the whole
module. Every test states one finding of the matrix and fails when a future
exporter or runtime changes it; a route that is not installed here is
skipped with the extra that brings it. Slow (a framework's worker processes
each): the fast twins of every classification are in tests/test_export.py;
the default suite runs the Keras SavedModel routes through the CLI.
"""

from __future__ import annotations

import pytest

from dropout_lab.core.runs import RunContext
from dropout_lab.export import experiment, matrix, routes
from dropout_lab.export.config import ExportConfig

#: route -> net -> (behaviour, dropout/random nodes in the artifact's graph).
EXPECTED = {
    "keras-savedmodel": dict.fromkeys(routes.NETS, ("off", [])),
    "keras-savedmodel-train": dict.fromkeys(routes.NETS, ("random", ["StatelessRandomUniformV2"])),
    "keras-onnx": dict.fromkeys(routes.NETS, ("off", [])),
    "keras-onnx-train": dict.fromkeys(routes.NETS, ("load_fails", [])),
    "keras-litert": dict.fromkeys(routes.NETS, ("off", [])),
    "keras-litert-train": dict.fromkeys(routes.NETS, ("export_fails", [])),
    "torch-onnx": dict.fromkeys(routes.NETS, ("off", [])),
    "torch-onnx-train": {"toy": ("off", ["Dropout (training_mode=True)"]),
                         "vanilla": ("random", ["RandomUniformLike"]),
                         "conv": ("random", ["RandomUniformLike"])},
    "torch-onnx-legacy-train": dict.fromkeys(routes.NETS, ("off", [])),
    "torch-export": {"toy": ("off", ["aten.dropout (p=0.3, train=False)"]),
                     "vanilla": ("off", []),
                     "conv": ("off", ["aten.feature_dropout (p=0.3, train=False)"])},
    "torch-export-train": {"toy": ("random", ["aten.dropout (p=0.3, train=True)"]),
                           "vanilla": ("random", ["aten.rand_like"]),
                           "conv": ("random", ["aten.feature_dropout (p=0.3, train=True)"])},
    "torchscript": {"toy": ("off", ["aten::dropout (p=0.3, train=False)"]),
                    "vanilla": ("off", []),
                    "conv": ("off", ["aten::feature_dropout (p=0.3, train=False)"])},
    "torchscript-train": {"toy": ("random", ["aten::dropout (p=0.3, train=True)"]),
                          "vanilla": ("random", ["aten::rand_like"]),
                          "conv": ("random", ["aten::feature_dropout (p=0.3, train=True)"])},
    "jax-export": dict.fromkeys(routes.NETS, ("off", [])),
    "jax-export-train": dict.fromkeys(routes.NETS, ("baked", ["threefry2x32 (key constant)"])),
}
_RUNS: dict[str, experiment.ExportResult] = {}


def _route(name: str) -> routes.Route:
    route = routes.BY_NAME[name]
    if routes.missing(route):
        pytest.skip(f"{name} needs {', '.join(routes.missing(route))}: "
                    f"{routes.install_hint(route)}")
    return route


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """route -> {net: Cell}, one experiment per framework (only its installed routes)."""
    def cells(name: str) -> dict[str, matrix.Cell]:
        route = _route(name)
        if route.framework not in _RUNS:
            chosen = tuple(r.name for r in routes.installed() if r.framework == route.framework)
            config = ExportConfig(routes=chosen, steps=5, calls=3, mean_calls=100)
            _RUNS[route.framework] = experiment.run(
                config, RunContext(out=tmp_path_factory.mktemp(route.framework)))
        row = next(r for r in _RUNS[route.framework].rows if r.route == name)
        return {c.net: c for c in row.cells}
    return cells


def test_every_route_has_its_expected_findings():
    assert set(EXPECTED) == set(routes.BY_NAME)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_route_does_what_the_matrix_says(measured, name):
    found = measured(name)
    for net, (behaviour, nodes) in EXPECTED[name].items():
        cell = found[net]
        assert (cell.behaviour, cell.nodes) == (behaviour, nodes), (net, cell)
        if behaviour == "off":
            assert cell.identical and cell.max_delta <= cell.bound
        if behaviour == "random":  # a correctly scaled draw left active: its mean is inference
            assert cell.mean_ok is True and cell.max_delta > 100 * cell.bound, (net, cell)
        if behaviour == "baked":  # the same wrong output every call: the export-time draw
            assert cell.identical and cell.max_delta > 100 * cell.bound


@pytest.mark.slow
def test_the_vanilla_layers_keep_survives_every_inference_export(measured):
    for route in routes.ROUTES:
        if route.mistake or routes.missing(route):
            continue
        cell = measured(route.name)["vanilla"]
        assert cell.behaviour == "off" and cell.keep_gap > 1000 * cell.bound, (route.name, cell)


@pytest.mark.slow
def test_torch_onnx_from_train_keeps_a_training_dropout_that_onnxruntime_removes(measured):
    toy = measured("torch-onnx-train")["toy"]
    assert (toy.active, toy.unoptimized, matrix.outcome(toy)) == (True, "random", "qualified")
    assert any("training mode" in h for h in toy.heard)  # the exporter warns


@pytest.mark.slow
def test_the_legacy_onnx_exporter_exports_eval_behaviour_from_train_silently(measured):
    cells = measured("torch-onnx-legacy-train")
    assert all(c.behaviour == "off" and not c.nodes for c in cells.values())
    heard = [h for c in cells.values() for h in c.heard]
    assert heard and all("Deprecation" in h for h in heard)  # only its own deprecation


@pytest.mark.slow
def test_tf2onnx_writes_a_training_graph_onnxruntime_refuses(measured):
    for cell in measured("keras-onnx-train").values():
        assert cell.unsupported == ["StatelessRandomUniformV2"]
        assert cell.error.startswith("InvalidGraph")
        assert any("StatelessRandomUniformV2" in h and "not supported" in h for h in cell.heard)


@pytest.mark.slow
def test_the_tflite_converter_refuses_a_training_mode_function(measured):
    for cell in measured("keras-litert-train").values():
        assert cell.error.startswith("ValueError") and "AssignVariableOp" in cell.error


@pytest.mark.slow
def test_jax_export_in_train_mode_repeats_one_draw(measured):
    for net, cell in measured("jax-export-train").items():
        assert cell.behaviour == "baked" and cell.heard == [], net  # and says nothing
