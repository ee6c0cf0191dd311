"""The docs' generated parts: every command in the --help reference, every kind's schema, the
reference runs the transcripts show, and the generators' own rules (scripts/docgen*.py).

``python scripts/docgen.py check`` (in .ci/run) proves every generated text current; these
tests check what it cannot: that nothing is left out, and that the generators are right.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest

from dropout_lab.core import kinds, results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import docgen  # noqa: E402  (scripts/ is not a package)
import docgen_commands  # noqa: E402  (as above)
import docgen_facts  # noqa: E402  (as above)
import docgen_help  # noqa: E402  (as above)
import docgen_runs  # noqa: E402  (as above)
import docgen_schema  # noqa: E402  (as above)

CLI_MD = (ROOT / "docs" / "cli.md").read_text()
TRANSCRIPTS = (ROOT / "docs" / "transcripts.md").read_text()
PATHS = list(docgen_help.command_paths())


def test_the_reference_lists_the_nested_commands():
    assert {(), ("compare",), ("runs", "show"), ("data", "mnist")} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "dropout-lab" for p in PATHS])
def test_every_command_is_in_the_cli_reference_with_its_help(path):
    heading = f"## {' '.join(['dropout-lab', *path])}\n"
    assert heading in CLI_MD
    section = CLI_MD.split(heading, 1)[1].split("\n## ", 1)[0]
    assert docgen_help.help_of(path).rstrip() in section
    assert f"(#{docgen_help.anchor(path)})" in CLI_MD  # in the contents line


def test_help_reference_does_not_depend_on_the_terminal_or_the_extras(monkeypatch):
    first = docgen_help.help_of(("probe",))
    monkeypatch.setenv("COLUMNS", "200")
    assert docgen_help.help_of(("probe",)) == first
    assert "Frameworks installed: tensorflow, torch, jax" in docgen_help.help_of(())
    assert "not installed" not in docgen_help.help_of(())


def test_every_kind_has_a_current_schema_file_and_a_section():
    assert docgen_schema.stale_schemas() == []
    results_md = (ROOT / "docs" / "results.md").read_text()
    for kind in kinds.names():
        path = ROOT / "docs" / "schema" / f"{kind}.schema.json"
        assert json.loads(path.read_text()) == results.schema(kinds.experiment(kind).Result)
        assert f"### {kind}\n" in results_md and f"(schema/{kind}.schema.json)" in results_md


def test_schema_types_in_words():
    assert docgen_schema.type_text({"anyOf": [{"type": "number"}, {"type": "null"}]}) == (
        "number or null")
    assert docgen_schema.type_text({"type": "array", "items": {"$ref": "#/$defs/Verdict"}}) == (
        "list of Verdict")
    interval = {"type": "object", "properties": dict.fromkeys(docgen_schema.INTERVAL_KEYS, {})}
    assert docgen_schema.type_text(interval) == "interval"
    assert docgen_schema.type_text({"type": "object", "additionalProperties":
                                    {"type": "string"}}) == "object of string"


def test_a_field_is_described_by_its_comment_on_the_line_or_above():
    class Example:
        count: int  # how many
        # the first line
        # and the second
        name: str
        plain: float

    assert docgen_schema.field_comments(Example) == {
        "count": "how many", "name": "the first line and the second", "plain": ""}


def test_a_field_is_described_by_the_attributes_of_its_class_docstring():
    class Example:
        """A thing.

        Attributes:
            count: how many,
                over all draws.
            name: its name.

        More text.
        """

    assert docgen_schema.docstring_attributes(Example) == {
        "count": "how many, over all draws.", "name": "its name."}


# --- reference runs ---------------------------------------------------------------------------

STORED = sorted(set(re.findall(r'docgen\.transcript\("([^"]+)"', TRANSCRIPTS)))


def test_transcripts_show_every_reference_run_and_every_step_of_the_reproduction():
    names = {path.split("/")[0] for path in STORED}
    assert names == {r.name for r in docgen_runs.REFERENCES}
    steps = {path.split("/")[1] for path in STORED if "/" in path}
    assert steps == set(docgen_runs.steps(docgen_facts.REPRODUCE))


@pytest.mark.parametrize("path", STORED)
def test_a_stored_run_is_a_valid_result_made_by_its_command(path):
    data = docgen_runs.data(path)
    jsonschema.validate(data, results.schema(kinds.experiment(data["kind"]).Result))
    manifest = docgen_runs.manifest(path)
    assert manifest["config"] == data["config"] and manifest["kind"] == data["kind"]
    made = docgen_runs.made(path)
    assert re.fullmatch(r"[0-9a-f]{40}", made["commit"]) and made["wall_seconds"] > 0
    if "/" not in path:
        assert manifest["command"] == made["command"] == docgen_runs.reference(path).command
    assert not list(docgen_runs.folder(path).glob("*.h5"))  # no weights in the docs


def test_rendering_is_at_a_fixed_width_without_colour():
    shown = docgen_runs.rendered("compare-vanilla")
    assert "\x1b[" not in shown
    assert max(map(len, shown.splitlines())) <= docgen_runs.WIDTH
    assert docgen_runs.rendered("compare-vanilla", width=80) != shown


# --- equivalent commands and numbers ----------------------------------------------------------

def test_a_step_config_is_given_back_by_the_command_shown():
    overfit = docgen_commands.equivalent(
        "mnist", {**_defaults("mnist"), **_config_file("mnist_overfit.toml"), "seeds": 20})
    assert overfit == "dropout-lab mnist --config configs/mnist_overfit.toml --seeds 20"
    assert docgen_commands.equivalent("probe", _defaults("probe")) == "dropout-lab probe"
    assert docgen_commands.equivalent("probe", {**_defaults("probe"), "rates": [0.3, 0.7]}) == (
        "dropout-lab probe --rate 0.3 --rate 0.7")


def test_a_config_no_command_gives_has_no_equivalent():
    # mnist's learning_rate is a config-file key only: no flag sets it
    assert docgen_commands.equivalent("mnist", {**_defaults("mnist"),
                                                "learning_rate": 0.5}) is None


def _defaults(kind):
    from dropout_lab.core import config as cfg

    return cfg.to_dict(kinds.config_class(kind)())


def _config_file(name):
    from dropout_lab.core import config as cfg

    return cfg.load_toml(ROOT / "configs" / name)


def test_every_profile_step_has_a_command():
    assert "?" not in docgen_facts.profiles_table()


def test_the_seed_sentence_names_every_kind():
    sentence = " ".join(docgen_facts.seed_sentence().split())
    assert all(f"`{name}`" in sentence for name in kinds.names())
    assert "`reload` takes the seed recorded in its RUN" in sentence
    assert "`mnist` takes `--first-seed`" in sentence


def test_numbers_as_the_docs_write_them():
    assert docgen_facts.short(1e-4) == "1e-4" and docgen_facts.short(1 / 90000) == "1.11e-5"
    assert docgen_facts.short(0.2) == "0.2" and docgen_facts.count(131072) == "131 072"
    assert docgen_facts.pct(0.99980) == "99.98 %" and docgen_facts.sci(2.04e-5, 1) == "2 × 10⁻⁵"
    assert docgen_facts.fill("at least {numpy.min_rounds}, at most {numpy.repeats}") == \
        "at least 20, at most 400"


def test_c3s_rounds_are_enough_for_a_finite_interval_at_its_confidence():
    """methods.md's C3: at least min_rounds rounds, each interval at timing_confidence; the
    signed-rank interval is finite from min_rank_count values on, so the fewest rounds the
    docs state can decide."""
    from dropout_lab.core.stats import min_rank_count, signed_rank_interval
    from dropout_lab.numpy_demo.config import TIMING_CONFIDENCE

    found = docgen_facts.code().numpy
    assert found.timing_confidence == TIMING_CONFIDENCE == 0.999
    assert found.min_rounds >= min_rank_count(TIMING_CONFIDENCE)
    interval = signed_rank_interval([0.1] * found.min_rounds, TIMING_CONFIDENCE)
    assert interval.low > 0 and interval.confidence >= TIMING_CONFIDENCE


def test_docgen_files_are_the_ones_with_cog_markers():
    marked = {str(p.relative_to(ROOT)) for pattern in ("*.md", "docs/*.md", "tests/*.py")
              for p in ROOT.glob(pattern) if "[[[cog" in p.read_text()}
    marked.discard("tests/test_docs.py")
    assert marked == set(docgen.FILES)
