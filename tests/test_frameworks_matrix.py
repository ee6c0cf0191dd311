"""frameworks as one matrix of codes (legend and findings below); cards when narrower or asked."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from rendering import rendered

from dropout_lab.core import kinds, results
from dropout_lab.core.console import Fitting, broken_name
from dropout_lab.frameworks import compact, render

#: The reference run of every installed framework (30 implementations, 5 worker processes).
REFERENCE = Path(__file__).resolve().parents[1] / "docs/runs/reproduce-full/frameworks"


@pytest.fixture(scope="module")
def reference():
    data = json.loads((REFERENCE / "results.json").read_text())
    return results.from_json(kinds.experiment("frameworks").Result, data)


def _matrix_lines(text: str) -> list[str]:
    start = text.index("┡")
    return text[start:text.index("└", start)].splitlines()[1:]


def test_the_matrix_fits_120_columns_one_line_per_implementation(reference):
    text = rendered(render.frameworks(reference), 120)
    assert max(len(line) for line in text.splitlines()) <= 120
    lines = _matrix_lines(text)
    # no cell wraps: each implementation is exactly one line, all its codes on it
    assert len(lines) == len(reference.rows) == 30
    for line, row in zip(lines, reference.rows, strict=True):
        cells = [c.strip() for c in line.strip("│").split("│")]
        assert cells == [row.name, *compact.cells(row)]
    for header, _ in compact.COLUMNS:  # the legend names every column
        assert f"\n{header}: " in "\n" + text
    assert "Findings" in text and "card per implementation" in " ".join(text.split())
    # the matrix is far shorter than the cards it replaces
    assert len(text.splitlines()) < 0.5 * len(rendered(render.frameworks(reference, cards=True),
                                                     120).splitlines())


def test_cards_only_where_the_matrix_does_not_fit(reference):
    whole = Fitting(compact.table(reference)).needed()
    broken = Fitting(compact.table(reference, compact.NAME_WIDTH)).needed()
    assert (broken, whole) == (99, 118)  # the matrix is a matrix from 99 to 160 columns and on
    expected = sum(broken_name(r.name, compact.NAME_WIDTH).count("\n") + 1
                   for r in reference.rows)
    for width, shown in ((80, "cards"), (broken - 1, "cards"), (broken, "broken"),
                         (whole - 1, "broken"), (whole, "whole"), (160, "whole")):
        text = rendered(render.frameworks(reference), width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert ("rate means: drop\n" in text) is (shown == "cards"), width  # a card's line
        assert ("Dropout across frameworks (measured; codes below)" in text) is \
            (shown != "cards")
        if shown != "cards":  # long names on two lines below ``whole`` columns, else one
            assert len(_matrix_lines(text)) == (expected if shown == "broken" else 30)
            assert ("│ keras.layers.   " in text) is (shown == "broken")


def test_cards_on_request_at_any_width(reference):
    text = rendered(render.frameworks(reference, cards=True), 160)
    assert "codes below" not in text and "keras.layers.Dropout keras 3.15.1" in text
    assert rendered(render.frameworks(reference, detail=True), 160) == text


def _row(reference, name):
    return next(r for r in reference.rows if r.name == name)


def test_each_code_says_what_was_measured(reference):
    assert compact.cells(_row(reference, "keras.layers.Dropout")) == [
        "drop", "inv", "same", "—", "0/∅", "yes", "yes", "off", "yes"]
    assert compact.cells(_row(reference, "tf.nn.dropout")) == [
        "drop", "inv", "fn", "—", "error", "no", "B", "on", "yes"]
    assert compact.cells(_row(reference, "torch.nn.Dropout3d"))[3] == "2,3,4"
    assert compact.cells(_row(reference, "equinox.nn.Dropout")) == [
        "drop", "inv", "same", "—", "0/NaN", "no", "C", "error", "yes"]
    assert compact.cells(_row(reference, "keras.layers.AlphaDropout"))[1] == "aff"
    assert compact.cells(_row(reference, "keras.layers.GaussianDropout"))[0] == "none"
    row = _row(reference, "torch.nn.Dropout")
    odd = dataclasses.replace(row, rate_means="undecidable", scaling="vanilla",
                              test_time="scaled_by_keep", new_process_same_mask=None,
                              same_seed_same_mask=False, two_calls_differ=False,
                              rate_one="returns the input unchanged; gradient is 1",
                              default_call="something new", mismatches=["scaling is vanilla"])
    assert compact.cells(odd) == ["?", "van", "×keep", "—", "x/1", "yes", "BC", "?", "no"]
    assert compact.cells(dataclasses.replace(row, new_process_same_mask=None))[6] == "?"
    assert all(len(code) <= 5 for r in reference.rows for code in compact.cells(r))


def test_switches_are_grouped_below(reference):
    text = rendered([compact.switches(reference)], 120)
    assert "module.eval()" in text and "deterministic=True" in text


def test_the_command_takes_cards(cli):
    assert "--cards" in cli("frameworks", "--help").stdout
