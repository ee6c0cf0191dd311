"""``reproduce``: the plan, the report (one self-contained file), resuming, hostile records."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path

import pytest
from markupsafe import escape

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.runs import RunContext
from dropout_lab.export.routes import installed as export_routes
from dropout_lab.frameworks.config import installed
from dropout_lab.mnist.config import S001_OVERFIT
from dropout_lab.reproduce import experiment
from dropout_lab.reproduce.config import FULL_ONLY, ReproduceConfig, parse_claims, plan

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_plan_runs_only_what_the_claims_need():
    assert [s.name for s in plan(ReproduceConfig(claims=("C1",)))] == ["compare"]
    assert [s.name for s in plan(ReproduceConfig(claims=("MC",)))] == ["mnist-s003",
                                                                       "mc-average"]
    every = plan(ReproduceConfig())
    extra = ["frameworks"] if len(installed()) > 1 else []  # PyTorch or JAX installed
    extra += ["export"] if any(r.framework != "keras" or r.needs
                               for r in export_routes()) else []  # an extra's route
    assert [s.name for s in every] == ["compare", "probe", "noise-shape", "gradients",
                                       "numpy-demo", "mnist-s003", "mnist-s001", "mc-average",
                                       *extra]
    owned = sorted(c for s in every for c in s.claims)
    assert owned == sorted(c for c in ReproduceConfig().wanted if c not in FULL_ONLY)
    full = plan(ReproduceConfig(profile="full"))
    assert [s.name for s in full if s.command == "sweep"] == ["sweep-rate", "sweep-width",
                                                               "sweep-size"]
    owned = sorted(c for s in full for c in s.claims)  # each claim settled by exactly one step
    assert owned == sorted(ReproduceConfig(profile="full").wanted)
    assert parse_claims("p2014-f9a,C1") == ("P2014-F9a", "C1")


def test_quick_is_smaller_than_full_and_full_is_the_published_size():
    quick = {s.name: s.config for s in plan(ReproduceConfig(profile="quick"))}
    full = {s.name: s.config for s in plan(ReproduceConfig(profile="full"))}
    assert (full["mnist-s003"].seeds, full["mnist-s003"].steps) == (5, 4690)
    assert full["mnist-s001"].seeds == 20 and quick["mnist-s001"].seeds == 3
    assert quick["probe"].size < full["probe"].size
    assert all(s.config.seed == 7 for s in plan(ReproduceConfig(seed=7, claims=("C1", "C10"))))


def test_the_overfit_config_file_is_the_s001_plan():
    with open(ROOT / "configs" / "mnist_overfit.toml", "rb") as handle:
        stored = tomllib.load(handle)
    for key, value in S001_OVERFIT.items():
        assert stored[key] == (list(value) if isinstance(value, tuple) else value), key


def test_claims_are_parsed_and_checked():
    assert parse_claims(" c10, C1,c10 ") == ("C10", "C1")
    with pytest.raises(Exception, match=r"Invalid value for `claims`: expected claim ids from "
                                        r"C1, .*MC, P2014-F9a, P2014-F9b, P2014-F10\. "
                                        r"Received: claims='C13'"):
        parse_claims("C13")
    with pytest.raises(Exception, match="Received: claims=','"):
        parse_claims(",")


@pytest.mark.parametrize("args, message", [
    (["--claims", "C99"], "Invalid value for `claims`: expected claim ids from C1"),
    (["--profile", "huge"], "Invalid value for '--profile': 'huge' is not one of 'quick', "
                            "'full'."),
    (["--seed", "-1"], "Invalid value for `seed`: expected an integer in [0, 4294967276] "
                       "(S001's sweep uses seeds seed ... seed + 19, and seeds are 32-bit). "
                       "Received: seed=-1"),
    (["--seed", "4294967277"], "Received: seed=4294967277"),
    (["--resume", "nowhere", "--seed", "3"], "--seed cannot be combined with --resume"),
])
def test_bad_options_are_one_line_usage_errors(cli, out, args, message):
    result = cli("reproduce", *args, "--out", out, expect=2)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not any(out.iterdir())  # nothing started


def test_the_report_is_one_self_contained_file(outputs):
    data = outputs["reproduce"]
    assert [(v["claim"], v["outcome"]) for v in data["verdicts"]] == [("C1", "confirmed"),
                                                                      ("C10", "refuted")]
    run_dir = Path(data["run_dir"])
    html = (run_dir / "report.html").read_text()
    assert "<script" not in html.lower() and not re.search(r"(src|href)=\"(https?:)?//", html)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(data["figures"]) == 1  # probe.png (compare draws none)
    assert base64.b64decode(images[0]).startswith(PNG)
    markdown = (run_dir / "report.md").read_text()
    for verdict in data["verdicts"]:  # escaped as in the HTML (markdown renders raw HTML)
        for text in (verdict["evidence"], verdict["test"]):
            assert str(escape(text)) in markdown and str(escape(text)) in html
    for step in data["steps"]:  # every link leads to the step's run folder
        assert (run_dir / step["link"]).resolve() == Path(step["run_dir"]).resolve()
        assert f"]({step['link']})" in markdown and f'href="{step["link"]}"' in html


def test_every_step_reruns_alone_from_its_recorded_config(outputs, cli):
    step = next(s for s in outputs["reproduce"]["steps"] if s["name"] == "probe")
    config = Path(outputs["reproduce"]["run_dir"]) / "configs" / "probe.toml"
    assert f"--config {config}" in step["rerun"]
    again = cli.json("probe", "--config", config, "--out", cli.out, "--quiet")
    first = json.loads((Path(step["run_dir"]) / "results.json").read_text())
    assert again["verdicts"] == first["verdicts"] and again["config"] == first["config"]


def test_user_text_is_escaped_in_the_html(cli, tmp_path):
    out = tmp_path / "<b>x&y</b>"
    data = cli.json("reproduce", "--claims", "C1", "--out", out, "--quiet")
    html = (Path(data["run_dir"]) / "report.html").read_text()
    assert "<b>x&y</b>" not in html and "&lt;b&gt;x&amp;y&lt;/b&gt;" in html


class Interrupting:
    """The experiment modules, but ``probe`` is interrupted as by Ctrl-C."""

    def __init__(self, real):
        self.real = real

    def __call__(self, command):
        if command == "probe":
            raise KeyboardInterrupt
        return self.real(command)


def test_an_interrupted_reproduction_resumes_without_rerunning_finished_steps(
        cli, out, monkeypatch):
    config = ReproduceConfig(claims=("C1", "C10"))
    with monkeypatch.context() as patch:
        patch.setattr(experiment, "_module", Interrupting(experiment._module))
        with pytest.raises(ExperimentError) as stopped:
            experiment.run(config, RunContext(out=out))
    partial = next((out / "reproduce").glob(".*.partial"))
    assert str(stopped.value) == (
        f"Interrupted in step probe: 1 of 2 experiments are complete in {partial}. "
        f"Continue with: dropout-lab reproduce --resume {partial}")
    assert [p.name for p in (partial / "steps").iterdir()] == ["compare.json"]
    compare_run = next((out / "compare").iterdir())
    data = cli.json("reproduce", "--resume", partial, "--out", out, "--quiet")
    assert [s["run_dir"] for s in data["steps"]][0] == str(compare_run)
    assert len(list((out / "compare").iterdir())) == 1  # compare was not run again
    assert [v["outcome"] for v in data["verdicts"]] == ["confirmed", "refuted"]
    assert not partial.exists() and Path(data["run_dir"]).is_dir()


@pytest.mark.parametrize("record", [
    {"run_dir": "/etc"}, {"run_dir": "../../../../etc"}, {"run_dir": "x/../../"},
    {"command": "probe"}, "not an object", {"name": 5},
])
def test_a_hostile_step_record_is_not_followed_the_step_runs_again(cli, out, monkeypatch,
                                                                    record):
    config = ReproduceConfig(claims=("C1",))
    with monkeypatch.context() as patch:
        patch.setattr(experiment, "_module", Interrupting(experiment._module))
        config = ReproduceConfig(claims=("C1", "C10"))
        with pytest.raises(ExperimentError):
            experiment.run(config, RunContext(out=out))
    partial = next((out / "reproduce").glob(".*.partial"))
    path = partial / "steps" / "compare.json"
    good = json.loads(path.read_text())
    path.write_text(json.dumps({**good, **record} if isinstance(record, dict) else record))
    data = cli.json("reproduce", "--resume", partial, "--out", out, "--quiet")
    assert len(list((out / "compare").iterdir())) == 2  # the record was not trusted
    compare = data["steps"][0]["run_dir"]
    assert Path(compare).parent == out / "compare" and compare != good["run_dir"]
