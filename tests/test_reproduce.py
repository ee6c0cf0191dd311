"""``reproduce``: the plan, the report (one self-contained file), resuming, hostile records."""

from __future__ import annotations

import base64
import dataclasses
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
from dropout_lab.reproduce.config import (
    FULL_ONLY,
    NEEDS_FULL,
    ReproduceConfig,
    needs_full,
    parse_claims,
    plan,
)

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_plan_runs_only_what_the_claims_need():
    assert [s.name for s in plan(ReproduceConfig(claims=("C1",)))] == ["compare"]
    assert [s.name for s in plan(ReproduceConfig(claims=("MC",)))] == ["mc-average"]
    assert [s.name for s in plan(ReproduceConfig(claims=("MC",), profile="full"))] == [
        "mnist-s003", "mc-average"]
    assert plan(ReproduceConfig(claims=("C9",))) == []  # the quick profile leaves it to full
    extra = ["frameworks"] if len(installed()) > 1 else []  # PyTorch or JAX installed
    extra += ["export"] if any(r.framework != "keras" or r.needs
                               for r in export_routes()) else []  # an extra's route
    full = plan(ReproduceConfig(profile="full"))
    assert [s.name for s in full] == ["compare", "probe", "noise-shape", "gradients",
                                      "numpy-demo", "mnist-s003", "mnist-s001", "mnist-speed",
                                      "mc-average", "sweep-rate", "sweep-width", "sweep-size",
                                      *extra]
    quick = plan(ReproduceConfig())
    assert [s.name for s in quick] == ["compare", "probe", "noise-shape", "gradients",
                                       "numpy-demo", "mnist-speed", "mc-average", *extra]
    owned = sorted(c for s in full for c in s.claims)  # each claim settled by exactly one step
    assert owned == sorted(ReproduceConfig(profile="full").wanted)
    quick_owned = sorted(c for s in quick for c in s.claims)
    assert sorted(quick_owned + list(NEEDS_FULL)) == owned  # quick: the rest needs full
    assert set(FULL_ONLY) <= set(NEEDS_FULL)  # the paper's studies among them
    assert needs_full(ReproduceConfig(profile="full")) == {}
    assert list(needs_full(ReproduceConfig(claims=("C9", "C1")))) == ["C9"]
    assert parse_claims("p2014-f9a,C1") == ("P2014-F9a", "C1")


def test_quick_measures_what_full_measures_where_it_decides():
    quick = {s.name: s.config for s in plan(ReproduceConfig(profile="quick"))}
    full = {s.name: s.config for s in plan(ReproduceConfig(profile="full"))}
    assert (full["mnist-s003"].seeds, full["mnist-s003"].steps) == (5, 4690)
    assert full["mnist-s001"].seeds == 20
    assert quick["probe"].size < full["probe"].size
    # C3's effect depends on the size of the pass: quick times S001's 1 000 000 samples too
    assert quick["numpy-demo"].samples == full["numpy-demo"].samples == 1_000_000
    assert quick["numpy-demo"].timing_seconds < full["numpy-demo"].timing_seconds
    assert quick["mnist-speed"].nets == full["mnist-speed"].nets == ("S003", "S001")
    # MC: quick trains the one model full's mnist-s003 trains for this seed, the same way, and
    # averages it as full does: the same computation
    model = quick["mc-average"].training_config()
    assert quick["mc-average"].run is None and model.arms == ("dropout",)
    assert model == dataclasses.replace(full["mnist-s003"], arms=("dropout",), seeds=1)
    assert dataclasses.replace(quick["mc-average"], run="RUN") == dataclasses.replace(
        full["mc-average"], run="RUN")
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
    # the figure sits in the card of the claim it bears on, not in a gallery at the end
    card = markdown[markdown.index("### C10"):markdown.index("## How to rerun")]
    assert "](figures/probe.png)" in card and "## Other figures" not in markdown
    html_card = html[html.index('<div class="claim" id="C10">'):]
    assert html_card.index("data:image/png") < html_card.index("</div>")
    assert "left **" not in markdown  # no claim was left to the full profile
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


def test_the_readme_verdicts_live_once_and_every_claim_has_one():
    from dropout_lab.core.verdict import CLAIMS, OUTCOMES

    readme = (ROOT / "README.md").read_text()
    for claim in CLAIMS.values():
        assert claim.reference in OUTCOMES
        row = next(line for line in readme.splitlines() if line.startswith(f"| **{claim.id}**"))
        assert f"| **{claim.reference}**" in row, claim.id  # the table says the same


def _verdict(claim, outcome):
    from dropout_lab.core.verdict import judge

    return judge(claim, outcome, "measured", "test")


def test_what_differs_from_the_readme_is_named_with_why_and_the_settling_command():
    from dropout_lab.reproduce.summary import against_readme

    config = ReproduceConfig(seed=2)
    found = against_readme(config, [
        _verdict("C1", "confirmed"), _verdict("C3", "inconclusive"),
        _verdict("C9", "not measured"), _verdict("C10", "confirmed"),
        _verdict("C4", "refuted"), _verdict("MC", "confirmed")])
    by = {a.claim: a for a in found}
    assert list(by) == ["C3", "C9", "C10", "C4", "MC"]  # C1 is the README's
    assert (by["C3"].undecided, by["C3"].why) == (
        True, "the test could not decide at the quick profile's size")
    assert by["C9"].why == ("needs --profile full (about 5 min): 2 seeds fit in 3 minutes, 5 "
                            "are needed")
    assert by["C9"].settle == "dropout-lab reproduce --profile full --claims C9 --seed 2"
    assert by["C10"].opposite and not by["C10"].undecided  # README: refuted
    assert not by["C4"].opposite and not by["C4"].undecided  # README: inconclusive
    assert not by["MC"].opposite  # confirmed vs qualified: both say it holds


def test_the_quick_profile_says_why_it_leaves_a_claim_to_full():
    from dropout_lab.reproduce.summary import deferred, sized

    verdict = deferred("C9", ReproduceConfig(seed=3))
    assert verdict.outcome == "not measured" and verdict.claim == "C9"
    assert verdict.evidence.startswith("needs --profile full (about 5 min): dropout+l2 - l2 = "
                                       "-0.012 (sd 0.006 per seed)")
    assert verdict.evidence.endswith("Settle it with: dropout-lab reproduce --profile full "
                                     "--claims C9 --seed 3")
    late = sized(_verdict("C3", "inconclusive"), ReproduceConfig())
    assert late.evidence == ("measured; inconclusive at the quick profile's size: settle it "
                             "with dropout-lab reproduce --profile full --claims C3 --seed 0")
    assert sized(_verdict("C3", "confirmed"), ReproduceConfig()).evidence == "measured"
    assert sized(_verdict("C3", "inconclusive"), ReproduceConfig(profile="full")).evidence == \
        "measured"


def test_the_terminal_and_the_reports_say_what_is_undecided_and_what_differs(cli, out,
                                                                              monkeypatch):
    from dropout_lab.core import verdict as catalogue

    monkeypatch.setitem(catalogue.CLAIMS, "C10", dataclasses.replace(
        catalogue.CLAIMS["C10"], reference="confirmed"))  # as if the README said confirmed
    shown = cli("reproduce", "--claims", "C9,C10", "--out", out)
    text = " ".join(shown.stdout.split())
    assert ("Undecided at the quick profile's size (1): C9 not measured (README: confirmed): "
            "needs --profile full (about 5 min): 2 seeds fit in 3 minutes, 5 are needed. "
            "Settle it with: dropout-lab reproduce --profile full --claims C9 --seed 0") in text
    assert ("DIFFERS FROM THE README'S TABLE (1): C10 REFUTED here, README: confirmed (the "
            "OPPOSITE verdict); rerun: dropout-lab reproduce --profile full --claims C10 "
            "--seed 0") in text
    (run_dir,) = (out / "reproduce").iterdir()
    markdown = (run_dir / "report.md").read_text()
    assert "**Undecided at the quick profile's size (1):**" in markdown
    assert ("The quick profile left **1 of 2 claims** to `--profile full` (not measured at "
            "this size): C9.") in markdown
    assert "| **not measured** | — | none |" in markdown and "[]()" not in markdown
    assert "- **Run:** none: not run at this profile's size" in markdown
    assert "> - **C10 refuted** here, README: confirmed (**the opposite verdict**)" in markdown
    html = (run_dir / "report.html").read_text()
    assert '<div class="differs" id="differs">' in html and "(the opposite verdict)" in html
    assert "left <strong>1 of\n2 claims</strong> to <code>--profile full</code>" in html
    data = json.loads((run_dir / "results.json").read_text())
    assert [a["claim"] for a in data["against_readme"]] == ["C9", "C10"]


def test_the_quick_sizes_are_planned_by_power_and_the_table_is_in_the_methods():
    from dropout_lab.core.verdict import CLAIMS
    from dropout_lab.reproduce import power

    rows = {row.claim: row for row in power.rows()}
    assert list(rows) == list(CLAIMS)
    for claim, row in rows.items():
        if claim in NEEDS_FULL:  # no quick size decides it: the plan runs nothing for it
            assert row.quick_power is None and row.quick.startswith("needs full")
            if claim in FULL_ONLY:  # the paper's studies: no quick size at all
                assert row.quick == "needs full: 30 units do not fit 3 min"
                continue
            assert float(row.quick.rsplit("power ", 1)[1].rstrip(")")) < 0.5
        else:
            assert row.quick_power >= power.PLANNED, claim
    methods = (ROOT / "docs" / "methods.md").read_text()
    assert power.table() in methods  # cog keeps it current (scripts/docgen.py)
