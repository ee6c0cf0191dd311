"""Every run can be shown again from its results.json, and every table reads at 80 columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rendering import rendered

from dropout_lab.core import kinds, results
from dropout_lab.core.atomic import dumps

SHOWN = kinds.names()
#: Words that must come out whole at any width: names a reader looks for.
WHOLE = ("keras.layers.Dropout", "tf.nn.dropout", "numpy-inverted", "confirmed", "refuted",
         "inverted", "rate means", "dropout+l2")


def _result(kind: str, data: dict):
    return results.from_json(kinds.experiment(kind).Result, data)


@pytest.mark.parametrize("kind", SHOWN)
def test_results_json_gives_the_result_back(outputs, kind):
    data = outputs[kind]
    assert json.loads(dumps(results.to_json(_result(kind, data)))) == data


@pytest.mark.parametrize("width", [80, 132])
@pytest.mark.parametrize("kind", SHOWN)
def test_tables_read_at_80_columns_and_use_more_when_there_is_more(outputs, kind, width):
    text = rendered(kinds.renderer(kind)(_result(kind, outputs[kind])), width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text, [line for line in lines if "…" in line]
    flat = re.sub(r"\s+", "", text)  # a word wrapped at a cell edge comes back whole here
    for word in WHOLE:
        if word.replace(" ", "") in flat:
            assert any(word in line for line in lines), (word, kind)


def test_runs_show_prints_the_stored_tables_and_json(cli, outputs):
    run_dir = outputs["compare"]["run_dir"]
    shown = cli("runs", "show", run_dir)
    assert "Classification: inverted" in shown.stdout or "Classification:" in shown.stdout
    assert cli.json("runs", "show", run_dir) == outputs["compare"]


def test_runs_list_indexes_every_run(outputs):
    entries = outputs["runs list"]["runs"]
    kinds = {entry["kind"] for entry in entries}
    assert set(SHOWN) <= kinds
    assert all(entry["status"] == "complete" for entry in entries)
    compare = next(e for e in entries if e["kind"] == "compare")
    assert compare["verdicts"] == [{"claim": "C1", "outcome": "confirmed"}]
    assert compare["command"].startswith("dropout-lab compare")


def test_runs_list_lists_claims_not_internal_checks(outputs):
    from dropout_lab.core.verdict import CLAIMS

    by_kind = {e["kind"]: e for e in outputs["runs list"]["runs"]}
    # numpy-demo's own checks (expectation, mask-mean, gradient), gradients' order, the
    # frameworks' docs:... checks are in their results, but not in the index's claims
    assert [v["claim"] for v in outputs["numpy-demo"]["verdicts"]] == [
        "expectation", "mask-mean", "C2", "gradient", "C3"]
    assert [v["claim"] for v in by_kind["numpy-demo"]["verdicts"]] == ["C2", "C3"]
    assert [v["claim"] for v in by_kind["gradients"]["verdicts"]] == ["C5", "C6", "C7"]
    assert by_kind["frameworks"]["verdicts"] == []
    listed = {v["claim"] for e in outputs["runs list"]["runs"] for v in e["verdicts"]}
    assert listed <= set(CLAIMS) and {"C1", "C10", "C11"} <= listed


def test_runs_list_names_damaged_and_partial_folders(cli, out):
    trained = Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])
    (trained / "results.json").write_text("{}")
    partial = out / "mnist" / ".20260101-000000-abcdef.partial"
    partial.mkdir(parents=True)
    data = cli.json("runs", "list", "--out", out)
    by_status = {e["status"]: e for e in data["runs"]}
    problem = by_status["damaged"]["problem"]  # sha256 of "{}" is 44136fa355b3...
    assert "results.json was changed after the run wrote it: sha256 44136fa355b3… does not " \
           "match" in problem and problem.endswith("recorded in manifest.json.")
    assert by_status["partial"]["run_id"] == "20260101-000000-abcdef"
    line = [x for x in cli("runs", "show", trained, expect=1).stderr.splitlines()
            if x.startswith("Error:")]
    assert len(line) == 1 and "was changed after the run wrote it" in line[0]


def test_runs_show_takes_what_runs_list_prints(cli, outputs):
    """The run id alone, or kind/run-id, looked up under --out (as `runs list` shows them)."""
    run_dir = Path(outputs["compare"]["run_dir"])
    out = run_dir.parents[1]
    listed = next(e for e in outputs["runs list"]["runs"] if e["path"] == str(run_dir))
    for given in (listed["run_id"], f"{listed['kind']}/{listed['run_id']}"):
        assert cli.json("runs", "show", given, "--out", out) == outputs["compare"]
    assert "Classification:" in cli("runs", "show", listed["run_id"], "--out", out).stdout
    # a training run under the legacy folder name of its kind is found too
    legacy = out / "toy"
    trained = Path(outputs["train"]["run_dir"])
    legacy.mkdir(exist_ok=True)
    (legacy / "20200101-000000-abcdef").symlink_to(trained)  # a link is never followed
    line = cli("runs", "show", "20200101-000000-abcdef", "--out", out, expect=2).stderr
    assert "(no run 20200101-000000-abcdef under" in line


@pytest.mark.parametrize("given, why", [
    ("20260101-000000-abcdef", "no run 20260101-000000-abcdef under {out}"),
    ("compare/20260101-000000-abcdef", "no run 20260101-000000-abcdef under {out}"),
    ("nokind/20260101-000000-abcdef", "no folder nokind/20260101-000000-abcdef"),
    ("results/compare/20260101", "no folder results/compare/20260101"),
    ("compare/..", "not a folder, a run id or kind/run-id"),
    ("..x", "not a folder, a run id or kind/run-id"),
    (".hidden", "not a folder, a run id or kind/run-id"),
])
def test_runs_show_names_what_it_could_not_find(cli, out, given, why):
    (out / "compare").mkdir()
    (out / "compare" / ".hidden").mkdir()
    result = cli("runs", "show", given, "--out", out, expect=2)
    (line,) = [x for x in result.stderr.splitlines() if "Invalid value" in x]
    assert line.endswith("Invalid value for `RUN`: expected a run folder, or a run id or "
                         "kind/run-id as `dropout-lab runs list` prints them. Received: "
                         f"RUN={given!r} ({why.format(out=out)}).")


def test_runs_show_asks_for_the_kind_when_an_id_is_in_two(cli, out):
    trained = Path(cli.json("train", "--epochs", "2", "--out", out, "--quiet")["run_dir"])
    copy = out / "reload" / trained.name
    copy.parent.mkdir()
    copy.mkdir()
    line = cli("runs", "show", trained.name, "--out", out, expect=2).stderr
    assert f"(a run id in train/ and reload/; give kind/{trained.name})." in \
        " ".join(line.split())
    assert cli.json("runs", "show", f"train/{trained.name}", "--out", out)["kind"] == "train"
