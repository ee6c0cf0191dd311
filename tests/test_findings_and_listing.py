"""What a user reads from ``frameworks`` (findings, cells, documentation checks) and from
``runs list`` (its sort orders): each finding printed exactly when it was measured to hold,
never when it was not measured; each sort order exactly as documented.

Matrix rows are built by hand or summarised from hand-built worker answers (no framework
imported); run folders are written with ``core.runs.new_run`` at chosen start times.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from dropout_lab.dropouts import probing
from dropout_lab.frameworks import matrix, render
from dropout_lab.frameworks.matrix import MatrixRow

# --- frameworks: findings only when measured ----------------------------------------------------


def _row(**changes) -> MatrixRow:
    """A well-behaved torch.nn.Dropout row; ``changes`` replace fields."""
    row = MatrixRow(
        name="torch.nn.Dropout", framework="torch", version="2.14.1", rate_means="drop",
        scaling="inverted", test_time="identity", switch="module.eval()",
        shared_argument="none", shared_axes="none", rate_one="returns zeros; gradient is zero",
        accepted_invalid=[], invalid={"-0.1": "raises ValueError: p", "1.5": "raises "
                                      "ValueError: p", "NaN": "raises ValueError: p"},
        new_process_same_mask=True, same_seed_same_mask=True, two_calls_differ=True,
        default_call="active (draws noise)", warnings=[], mismatches=[],
        pointer="/implementations/0")
    return dataclasses.replace(row, **changes)


def _findings(*rows) -> list[str]:
    shown = render.findings(SimpleNamespace(rows=list(rows)))
    return [t.plain for t in shown[1:-1]] if len(shown) > 1 else []


def test_a_row_that_behaves_as_documented_has_no_findings():
    assert _findings(_row()) == []
    assert render._seeding(_row()) == "new process: same; rebuilt: same; two calls: differ"


@pytest.mark.parametrize("field", ["new_process_same_mask", "same_seed_same_mask",
                                   "two_calls_differ"])
def test_seeding_not_measured_prints_no_finding_and_a_question_mark(field):
    row = _row(**{field: None})
    assert _findings(row) == []
    cell = render._seeding(row)
    assert cell.count("?") == 1 and "DIFFERENT" not in cell and "IDENTICAL" not in cell


def test_seeding_measured_against_its_documentation_is_a_finding():
    row = _row(same_seed_same_mask=False, two_calls_differ=False, new_process_same_mask=False)
    assert _findings(row) == [
        ("- torch.nn.Dropout (torch 2.14.1): the same seed gives a different mask when built "
        "again in the same process"),
        ("- torch.nn.Dropout (torch 2.14.1): two calls with the same key draw the same mask "
        "(split the key per step)")]
    assert render._seeding(row) == ("new process: DIFFERENT; rebuilt: DIFFERENT; two calls: "
                                    "IDENTICAL")


def test_warnings_and_documentation_differences_are_findings_each_on_its_line():
    row = _row(warnings=["UserWarning: 3D input"], mismatches=[("rate means keep, documented: "
                                                               "drop")])
    assert _findings(row) == [
        ("- torch.nn.Dropout (torch 2.14.1) differs from its documentation: rate means keep, "
        "documented: drop"),
        "- torch.nn.Dropout (torch 2.14.1) warns: UserWarning: 3D input"]


def _answer(seeding: dict, rows: list | None = None, name: str = "torch.nn.Dropout") -> dict:
    said = {"0": "returns the input unchanged", "1": "returns zeros; gradient is zero",
            "-0.1": "raises ValueError: p", "1.5": "raises ValueError: p",
            "NaN": "raises ValueError: p"}
    return {"name": name, "framework": "torch", "version": "2.14.1", "rows": rows or [],
            "edges": said, "warnings": [], "default_call": "active (draws noise)",
            "seeding": seeding}


@pytest.mark.parametrize("seeding, second, expected", [
    ({}, "abc", (None, None, None)),  # the worker measured no seeding
    ({"sha256": "abc"}, None, (None, None, None)),  # no second process answered
    ({"sha256": "abc", "same_seed_same_draw": True, "two_calls_differ": True}, "abc",
     (True, True, True)),
    ({"sha256": "abc", "same_seed_same_draw": False, "two_calls_differ": False}, "abd",
     (False, False, False))])
def test_a_summarised_row_says_not_measured_as_none(seeding, second, expected):
    row = matrix.summarise(_answer(seeding), second, 3)
    assert (row.new_process_same_mask, row.same_seed_same_mask, row.two_calls_differ) == \
        expected
    assert row.pointer == "/implementations/3"
    if expected[0] is None:
        assert _findings(row) == []


def test_a_row_not_measured_at_any_rate_reports_failures_not_documentation_differences():
    failed = probing.row_to_json(probing.ProbeRow(
        "torch.nn.Dropout", "torch", "2.14.1", 0.2, 0, [64, 16], "raises RuntimeError: no",
        None))
    row = matrix.summarise(_answer({}, [failed]), None, 0)
    assert (row.rate_means, row.scaling, row.test_time, row.shared_axes) == (
        "fails", "fails", "fails", "—")
    assert row.mismatches == ["rate 0.2: raises RuntimeError: no"]
    assert matrix.verdict(row, [0.2], 1e-5).outcome == "refuted"


@pytest.mark.parametrize("name, measured, mismatches", [
    ("torch.nn.Dropout", ("drop", "inverted", "identity"), []),
    ("torch.nn.Dropout", ("keep", "inverted", "identity"),
     ["rate means keep, documented: drop"]),
    ("torch.nn.Dropout", ("drop", "vanilla", "scaled_by_keep"),
     ["scaling is vanilla, documented: inverted",
      "test-time output is scaled_by_keep, documented: identity"]),
    ("torch.nn.functional.dropout", ("drop", "inverted", "n/a"), []),  # a function
    # GaussianDropout documents 1-centred multiplicative noise: measured as such, it agrees
    ("keras.layers.GaussianDropout",
     ("neither", "mean-preserving multiplicative noise", "identity"), []),
    ("keras.layers.GaussianDropout", ("neither", "inverted", "identity"),
     ["scaling is inverted, documented: mean-preserving multiplicative noise"]),
    # what the documentation does not state is not checked
    ("torch.nn.Dropout1d", ("drop", "other", "identity"), []),
    ("equinox.nn.Dropout", ("drop", "vanilla", "identity"), []),
    # measured to fail is reported apart, not as a documentation difference
    ("torch.nn.Dropout", ("fails", "fails", "fails"), [])])
def test_documentation_differences_only_for_documented_facts(name, measured, mismatches):
    from dropout_lab.frameworks import catalog

    assert matrix._mismatches(catalog.documented(name), *measured) == mismatches


def test_the_documentation_check_is_confirmed_only_without_differences():
    from dropout_lab.frameworks.catalog import DOCS

    good = matrix.verdict(_row(), [0.2, 0.8], 1.11e-5)
    assert (good.claim, good.source, good.outcome) == ("docs:torch.nn.Dropout", None,
                                                       "confirmed")
    assert good.statement == DOCS["torch.nn.Dropout"].quote
    assert good.evidence == ("torch.nn.Dropout (torch 2.14.1): rate means drop, scaling "
                             "inverted, test time identity, mask shared along none")
    assert good.test.startswith("at rates 0.2, 0.8: exact Clopper-Pearson interval of the "
                                "dropped fraction at level 1.11e-05 covers rate (drop)")
    bad = matrix.verdict(_row(mismatches=["a", "b"]), [0.2], 1e-5)
    assert bad.outcome == "refuted"
    assert bad.evidence.endswith("mask shared along none; differs from its documentation: a; b")


def test_mixed_and_varying_measurements_are_named_so():
    assert matrix._one_of({"inverted"}) == "inverted"
    assert matrix._one_of({"inverted", "vanilla"}) == "mixed"
    assert matrix._one_of(set()) == "fails"
    impl = SimpleNamespace(rank=3, layout="channels_last")

    def rows(*axes):
        return [SimpleNamespace(stats=SimpleNamespace(shared_axes=a)) for a in axes]

    assert matrix._axes(rows([1], [1]), impl) == "[1] (timesteps)"
    assert matrix._axes(rows([1], [2]), impl) == "varies with the rate"
    assert matrix._axes(rows([1], None), impl) == "[1] (timesteps)"  # undetermined at one rate
    assert matrix._axes(rows(None), impl) == "none"
    assert matrix._axes(rows([]), impl) == "none"
    assert matrix._axes([], impl) == "—"


def test_rate_one_groups_are_listed_largest_first():
    rows = [_row(name="a", rate_one="returns x"), _row(name="b", rate_one="returns zeros"),
            _row(name="c", rate_one="returns zeros"), _row(name="d", rate_one="raises")]
    table = render.rate_one_table(SimpleNamespace(rows=rows))
    assert list(table.columns[0].cells) == ["returns zeros", "returns x", "raises"]
    assert list(table.columns[1].cells) == ["b, c", "a", "d"]


def test_the_summary_line_counts_the_documentation_checks_that_hold(tmp_path):
    rows = [_row(), _row(name="torch.nn.Dropout1d", mismatches=[("rate means keep, "
                                                                 "documented: drop")])]
    result = SimpleNamespace(
        config=SimpleNamespace(rates=(0.2, 0.8), size=8192, seed=0, jobs=2), rows=rows,
        workers=[], skipped={}, verdicts=[matrix.verdict(r, [0.2, 0.8], 1e-5) for r in rows],
        run_dir=tmp_path, wall_seconds=1.0)
    text = [getattr(part, "plain", None) for part in render.frameworks(result)]
    assert ("Behaves as documented (rate's meaning, scaling, test-time output, at every "
            "measured rate): 1 of 2.") in text
    # validating the rate is counted apart (neither row accepted an invalid rate)
    assert any(t and t.startswith("Validates its rate (rejects ") and t.endswith(": 2 of 2.")
               for t in text)
    assert text[-1] == f"Run folder: {tmp_path}"


# --- runs list: sort orders ----------------------------------------------------------------------

def _write_runs(out: Path, monkeypatch) -> dict[str, str]:
    """Five folders: three complete runs, a resumable partial one, a damaged one; -> name: id."""
    from dropout_lab.core import runs
    from dropout_lab.core.resume import RESUME_FILE

    ids = {}
    # run ids ordered otherwise than start times (A's id is the earliest): a sort on the id
    # or the folder name instead of the start time gives another order
    for name, kind, when, run_id in (
            ("A", "probe", "2024-01-03T00:00:00+00:00", "20240101-000000-00000a"),
            ("B", "gradients", "2024-01-01T00:00:00+00:00", "20240102-000000-00000b"),
            ("C", "probe", "2024-01-02T00:00:00+00:00", "20240105-000000-00000c")):
        monkeypatch.setattr(runs, "utc_now", lambda when=when: when)
        monkeypatch.setattr(runs, "_new_run_id", lambda run_id=run_id: run_id)
        with runs.new_run(out, kind, {}, 0, f"dropout-lab {kind}") as folder:
            folder.write_json("results.json", {"verdicts": [  # a source's claim, and a check
                {"claim": "C10", "outcome": "confirmed"}, {"claim": name, "outcome": "refuted"}]})
        ids[name] = folder.run_id
    partial = out / "numpy-demo" / ".20240104-000000-aaaaaa.partial"
    partial.mkdir(parents=True)
    (partial / RESUME_FILE).write_text(json.dumps({"started_at": "2024-01-04T00:00:00+00:00",
                                                   "command": "dropout-lab numpy-demo"}))
    ids["D"] = "20240104-000000-aaaaaa"
    (out / "gradients" / "20231231-000000-bbbbbb").mkdir()  # no manifest: damaged
    ids["E"] = "20231231-000000-bbbbbb"
    return ids


def test_runs_list_sorts_by_when_newest_first_by_kind_and_by_status(tmp_path, monkeypatch):
    """A probe 01-03, B gradients 01-01, C probe 01-02, D numpy-demo partial 01-04, E a
    damaged gradients folder with no start time. when: newest first, no time last; kind and
    status: alphabetical, then oldest first within each."""
    from dropout_lab.index.listing import SORTS, index

    ids = _write_runs(tmp_path, monkeypatch)
    names = {run_id: name for name, run_id in ids.items()}

    def listed(sort, kind=None):
        return "".join(names[e.run_id] for e in index(tmp_path, kind, sort))

    assert SORTS == ("when", "kind", "status")
    assert listed("when") == "DACBE"
    assert listed("kind") == "EBDCA"
    assert listed("status") == "BCAED"
    assert listed("when", "probe") == "AC" and listed("kind", "gradients") == "EB"
    by_id = {e.run_id: e for e in index(tmp_path)}
    assert [by_id[ids[n]].status for n in "ABCDE"] == [
        "complete", "complete", "complete", "partial (resumable)", "damaged"]
    assert by_id[ids["A"]].verdicts == [("C10", "confirmed")]  # claims only, not checks
    assert by_id[ids["D"]].started_at == "2024-01-04T00:00:00+00:00"
    assert by_id[ids["A"]].command == "dropout-lab probe"
