"""Resume reuses work only when it is the work asked for (issue 16, kind 2).

A finished MNIST unit is reused only when the config it records (seed, sizes,
layer set, optimizer...) and the versions that change its numbers equal the
resumed sweep's; otherwise resume is refused, naming what differs. A finished
reproduce step is reused only when its run's recorded config and versions are
the plan's; otherwise it runs again, and the report never states a seed its
evidence was not made with.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import partials
import pytest

from dropout_lab.core.atomic import sha256_file
from dropout_lab.mnist import units
from dropout_lab.mnist.config import MnistConfig
from dropout_lab.reproduce import reuse
from dropout_lab.toy.config import CompareConfig


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Interrupted sweeps: one as asked (lr 0.01, seed 0), one at lr 0.5, one at seed 7."""
    return {name: partials.mnist_partial(tmp_path_factory.mktemp(name), **config)
            for name, config in (("asked", {}), ("lr", {"learning_rate": 0.5}),
                                 ("seed", {"first_seed": 7}))}


@pytest.fixture
def copy(made, tmp_path):
    def copy(name: str) -> Path:
        target = tmp_path / name / "mnist" / made[name].name
        shutil.copytree(made[name], target)
        return target
    return copy


def test_a_unit_records_what_it_was_trained_with(copy):
    unit = json.loads((copy("asked") / "units" / "none_seed0" / "unit.json").read_text())
    made_with = unit["made_with"]
    assert made_with["arm"] == "none" and made_with["seed"] == 0
    assert made_with["config"]["learning_rate"] == 0.01
    assert made_with["config"]["hidden_units"] == [256, 128, 64, 32]
    assert set(made_with["config"]) == set(units.UNIT_FIELDS)
    assert set(made_with["versions"]) == {"tensorflow", "keras", "numpy"}


def test_a_unit_trained_at_another_learning_rate_is_not_reused(cli, copy):
    partial = copy("lr")
    _edit(partial / "resume.json", lambda m: m["config"].update(learning_rate=0.01))
    line = _error_line(cli("mnist", "--resume", partial, expect=1))
    assert line == (f"Error: Unit {partial / 'units' / 'none_seed0'} is not this sweep's work: "
                    "trained with learning_rate 0.5, not 0.01. Remove its folder and resume "
                    "again to train it with this sweep's config, or start a new sweep.")
    assert partial.exists()  # kept: nothing was deleted


def test_a_unit_of_another_seed_relabelled_is_not_reused(cli, copy):
    partial = copy("seed")
    _edit(partial / "resume.json", lambda m: (m["config"].update(first_seed=0),
                                              m.update(seed=0)))
    unit = partial / "units" / "none_seed7"
    _edit(unit / "unit.json", lambda u: u.update(seed=0))
    unit.rename(partial / "units" / "none_seed0")
    line = _error_line(cli("mnist", "--resume", partial, expect=1))
    assert "is not this sweep's work: trained with seed 7, not 0." in line


@pytest.mark.parametrize("change, says", [
    (lambda u: u.pop("made_with"), "its unit.json does not record what it was trained with "
                                   "(`made_with`; units of dropout-lab 0.2 and earlier do not)"),
    (lambda u: u["made_with"]["versions"].update(tensorflow="2.0.0"),
     "trained with tensorflow '2.0.0', not"),
    (lambda u: u["made_with"]["config"].update(hidden_units=[8]),
     "trained with hidden_units [8], not [256, 128, 64, 32]"),
    (lambda u: u["made_with"].update(config="x"), "trained with steps None, not 4"),
    (lambda u: u["made_with"].update(arm="dropout"), "trained with arm 'dropout', not 'none'"),
])
def test_a_unit_whose_record_differs_or_is_missing_is_refused(cli, copy, change, says):
    partial = copy("asked")
    _edit(partial / "units" / "none_seed0" / "unit.json", change)
    line = _error_line(cli("mnist", "--resume", partial, expect=1))
    assert "is not this sweep's work: " in line and says in line


def test_the_unit_asked_for_is_reused(cli, copy):
    partial = copy("asked")
    data = cli.json("mnist", "--resume", partial, "--quiet")
    assert [a["resumed"] for a in data["arms"]] == [True, False]
    assert data["config"]["first_seed"] == 0


def test_differences_name_what_a_step_run_recorded_otherwise():
    config = CompareConfig(seed=0)
    manifest = {"config": {**json.loads(json.dumps(dict(config.__dict__))), "seed": 5},
                "versions": {"numpy": "0.0.1"}}
    found = reuse.differences(manifest, config)
    assert found[0] == "seed 5, not 0" and found[1].startswith("numpy '0.0.1', not '")
    manifest["config"]["seed"] = 0
    manifest["versions"] = {}
    assert reuse.differences(manifest, config) == []
    assert reuse.differences({}, config)[0].startswith("rate None, not 0.5")


def test_a_reproduce_step_made_with_another_seed_runs_again(cli, out):
    partial = partials.reproduce_partial(out, seed=5)
    _edit(partial / "resume.json", lambda m: (m["config"].update(seed=0), m.update(seed=0)))
    (first,) = (out / "compare").iterdir()
    data = cli.json("reproduce", "--resume", partial, "--quiet")
    compare = Path(data["steps"][0]["run_dir"])
    assert compare != first and len(list((out / "compare").iterdir())) == 2
    manifest = json.loads((compare / "manifest.json").read_text())
    assert data["config"]["seed"] == 0 and manifest["config"]["seed"] == 0  # evidence = report
    report = (Path(data["run_dir"]) / "report.md").read_text()
    assert "seed 0" in report
    toml = (Path(data["run_dir"]) / "configs" / "compare.toml").read_text()
    assert "seed = 0" in toml


def test_a_reproduce_step_of_other_versions_runs_again(cli, out):
    partial = partials.reproduce_partial(out)
    (first,) = (out / "compare").iterdir()
    _edit(first / "manifest.json", lambda m: m["versions"].update(tensorflow="1.0.0"))
    data = cli.json("reproduce", "--resume", partial, "--quiet")
    assert Path(data["steps"][0]["run_dir"]) != first


def test_a_reused_steps_config_file_is_written_again_from_the_plan(cli, out):
    partial = partials.reproduce_partial(out)
    (first,) = (out / "compare").iterdir()
    (partial / "configs" / "compare.toml").write_text("seed = 123\nrate = 0.9\n")
    data = cli.json("reproduce", "--resume", partial, "--quiet")
    assert Path(data["steps"][0]["run_dir"]) == first  # the same work: reused
    toml = (Path(data["run_dir"]) / "configs" / "compare.toml").read_text()
    assert "seed = 0" in toml and "rate = 0.5" in toml and "123" not in toml
    manifest = json.loads((Path(data["run_dir"]) / "manifest.json").read_text())
    assert manifest["files"]["configs/compare.toml"] == sha256_file(
        Path(data["run_dir"]) / "configs" / "compare.toml")


def test_made_with_problems_is_none_for_the_same_work():
    config = MnistConfig(arms=("none",), seeds=1, steps=4, eval_every=2, train_subset=64)
    expected = {"arm": "none", "seed": 0,
                "config": json.loads(json.dumps({n: getattr(config, n) for n in
                                                 units.UNIT_FIELDS})),
                "versions": {"tensorflow": "x", "keras": "y", "numpy": "z"}}
    assert units.made_with_problems(json.loads(json.dumps(expected)), expected) is None
    changed = json.loads(json.dumps(expected))
    changed["config"]["batch_size"] = 64
    assert units.made_with_problems(changed, expected) == "trained with batch_size 64, not 128"
