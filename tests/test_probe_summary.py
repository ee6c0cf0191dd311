"""probe prints one line per implementation and rate by default, every table on --detail."""

from __future__ import annotations

import re

import pytest
from rendering import rendered

from dropout_lab.core import kinds, results
from dropout_lab.core.console import broken_name
from dropout_lab.probe import render, summary


@pytest.fixture(scope="module")
def probed(outputs):
    """The probe run of the shared outputs: every built-in at 0.2, 0.5, 0.8, with edge rates."""
    return results.from_json(kinds.experiment("probe").Result, outputs["probe"])


def _table_rows(text: str) -> list[list[str]]:
    """The body rows of the first table (cells stripped), a row per line."""
    start = text.index("┡")
    end = text.index("└", start)
    return [[c.strip() for c in line.strip("│").split("│")]
            for line in text[start:end].splitlines()[1:] if line.startswith("│")]


@pytest.mark.parametrize("width", [80, 120])
def test_summary_is_one_line_per_implementation_and_rate(probed, width):
    text = rendered(render.probe(probed), width)
    assert max(len(line) for line in text.splitlines()) <= width
    rows = _table_rows(text)
    rates = [(r[1], r[2], r[3], r[4]) for r in rows if r[1]]
    assert rates == [(f"{row.rate:g}", f"{row.stats.drop_fraction.estimate:.3f}",
                      row.stats.rate_means,
                      summary.SHORT_SCALING.get(row.stats.scaling, row.stats.scaling))
                     for row in probed.rows]
    assert "× noise" in {r[3] for r in rates}  # GaussianDropout's, said short
    named = [re.sub(r"\s", "", r[0]) for r in rows if r[0]]
    layers = list(dict.fromkeys(row.layer for row in probed.rows))
    # a name on its first row (on more lines at 80 columns, broken only after a dot)
    assert "".join(named) == "".join(layers)
    assert "Var ratio" not in text and "Edge and invalid rates" not in text
    assert "C10 refuted" in text and f"runs show {probed.run_dir.name} --detail" in \
        " ".join(text.split())
    mask = {r[0]: r[5] for r in rows if r[0]}
    assert mask["keras.layers.Dropout"] == "per entry"


def test_long_names_are_broken_after_a_dot_only_when_narrow(probed):
    assert broken_name("tf.nn.experimental.stateless_dropout", 20) == \
        "tf.nn.experimental.\nstateless_dropout"
    assert broken_name("keras.layers.Dropout", 20) == "keras.layers.Dropout"
    assert broken_name("keras.layers.SpatialDropout1D", None) == "keras.layers.SpatialDropout1D"
    assert broken_name("keras.layers.SpatialDropout1D@torch", 20) == \
        "keras.layers.\nSpatialDropout1D\n@torch"
    assert broken_name("keras.layers.Dropout[noise_shape=(None,1,64)]", 26) == \
        "keras.layers.Dropout\n[noise_shape=(None,1,64)]"  # a piece too long stays whole
    assert "│ tf.nn.experimental.stateless_dropout │" in rendered(render.probe(probed), 120)
    narrow = rendered(render.probe(probed), 80)
    assert "│ tf.nn.experimental. " in narrow and "│ stateless_dropout " in narrow


def test_detail_prints_every_table(probed):
    summary_lines = len(rendered(render.probe(probed), 80).splitlines())
    detail = rendered(render.probe(probed, detail=True), 80)
    assert "Edge and invalid rates" in detail and "Var ratio" in detail
    assert len(detail.splitlines()) > 2 * summary_lines


def test_the_command_and_runs_show_take_detail(cli, out):
    args = ("probe", "--layer", "tf.nn.dropout", "--rate", "0.3", "--size", "4096",
            "--no-edges", "--out", out)
    short = cli(*args).stdout
    assert "Var ratio" not in short and "rate means" in short
    long = cli(*args, "--detail").stdout
    assert "Var ratio" in long
    (first, second) = sorted((out / "probe").iterdir())
    assert "Var ratio" in cli("runs", "show", first.name, "--out", out,
                                     "--detail").stdout
    assert "Var ratio" not in cli("runs", "show", second.name, "--out", out).stdout
    # --detail asks nothing of a kind without a detail view
    trained = cli.json("train", "--epochs", 2, "--out", out, "--quiet")["run_dir"]
    assert cli("runs", "show", trained, "--detail").stdout == cli("runs", "show",
                                                                  trained).stdout
