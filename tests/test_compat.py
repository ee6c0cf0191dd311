"""Run folders written by dropout-lab 0.2 are still read: listed, shown, their results rebuilt.

tests/data/runs-0.2/ holds one small run of every kind, made by dropout-lab
0.2.0 (commit 18e2414) with the commands in its folder's manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropout_lab.core import kinds, results

OLD = Path(__file__).parent / "data" / "runs-0.2"
RUNS = sorted(p for p in OLD.glob("*/2*") if p.is_dir())
#: Kinds dropout-lab 0.2 did not have: no 0.2 run of theirs exists.
NEW_SINCE_0_2 = {"sweep", "export", "mnist-speed"}


def test_every_kind_of_0_2_has_a_sample():
    assert {run.parent.name for run in RUNS} == set(kinds.names()) - NEW_SINCE_0_2


@pytest.mark.parametrize("run", RUNS, ids=[f"{r.parent.name}" for r in RUNS])
def test_a_0_2_run_is_shown_and_its_result_rebuilt(cli, run):
    stored = json.loads((run / "results.json").read_text())
    assert cli.json("runs", "show", run) == stored
    shown = cli("runs", "show", run)
    assert shown.stdout.strip() and shown.stderr == ""
    result = results.from_json(kinds.experiment(run.parent.name).Result, stored)
    again = results.to_json(result)
    # what 0.3 writes of an old result: every key 0.2 wrote, at every depth, with the same
    # values (fields added since, like numpy-demo's timing clock, may be added beside them)
    assert _written_again(stored, again) == stored


def _written_again(stored, again):
    """``again`` restricted to the keys of ``stored``, at every depth of nested objects."""
    if isinstance(stored, dict) and isinstance(again, dict):
        return {k: _written_again(v, again[k]) if k in again else KeyError(k)
                for k, v in stored.items()}
    if isinstance(stored, list) and isinstance(again, list) and len(stored) == len(again):
        return [_written_again(s, a) for s, a in zip(stored, again, strict=True)]
    return again


def test_0_2_runs_are_listed_complete(cli):
    listed = cli.json("runs", "list", "--out", OLD)["runs"]
    assert len(listed) == len(RUNS)
    assert {e["status"] for e in listed} == {"complete"}
