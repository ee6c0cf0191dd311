"""Every command's ``--json`` follows the one result schema and equals the results.json it
writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from test_meta import COMMANDS

from dropout_lab.core import kinds, results
from dropout_lab.core.verdict import CLAIMS, SOURCES

#: ``runs show`` prints the stored result of another command (tests/test_show.py).
RESULTS = [name for name, _ in COMMANDS if name != "runs show"]


def test_every_command_is_covered(outputs):
    assert set(outputs) == set(RESULTS), "add the new command to the outputs fixture"


@pytest.mark.parametrize("name", RESULTS)
def test_json_follows_the_schema(outputs, name):
    data = outputs[name]
    assert list(data)[:len(results.HEAD)] == list(results.HEAD)
    if name in kinds.names():  # a run's result: its JSON Schema, generated from its class
        schema = results.schema(kinds.experiment(name).Result)
        jsonschema.validate(data, schema)
        assert set(data) <= set(schema["properties"]), "a key the schema does not document"
    assert data["kind"] == name
    for verdict in data["verdicts"]:
        if verdict["source"] is not None:
            claim = CLAIMS[verdict["claim"]]
            assert (verdict["source"], verdict["statement"]) == (claim.source, claim.statement)
            assert verdict["source"] in SOURCES
            assert claim.command == name or name == "reproduce"  # it collects the owners'


@pytest.mark.parametrize("name", RESULTS)
def test_json_equals_the_results_json_it_writes(outputs, name):
    data = outputs[name]
    if data["run_dir"] is None:
        assert name.startswith(("data ", "runs "))  # these commands write no run folder
        return
    run_dir = Path(data["run_dir"])
    assert run_dir.parent.name == name  # the folder is named by the command
    assert json.loads((run_dir / "results.json").read_text()) == data
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["kind"] == name and manifest["config"] == data["config"]


def test_each_claim_has_one_owner_and_owners_judge_their_claims(outputs):
    judged = {v["claim"]: kind for kind, data in outputs.items() for v in data["verdicts"]
              if v["source"] is not None and kind != "reproduce"}
    for claim, kind in judged.items():
        assert CLAIMS[claim].command == kind
    owners = {claim.command for claim in CLAIMS.values()}
    assert owners <= set(outputs)


def test_the_key_number_is_the_first_number_with_its_name():
    from dropout_lab.core.stats import Interval
    from dropout_lab.core.verdict import judge

    def key(numbers):
        return judge("C10", "refuted", "", "", numbers).key_number()

    assert key({"drop_fraction": Interval(0.79712, 0.78291, 0.81064, 0.999),
                "other": 1.0}) == "drop fraction 0.7971 [0.7829, 0.8106]"
    assert key({"max_abs_diff": 0.0}) == "max abs diff 0"
    assert (key({"noise shapes": "(2, 1, 4) and (5, 1, 4)"})
            == "noise shapes (2, 1, 4) and (5, 1, 4)")
    assert key({"shared_axes": [1]}) == "shared axes [1]"
    assert key({"x": None}) == key({}) == "\N{EM DASH}"
