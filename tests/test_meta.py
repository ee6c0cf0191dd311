"""Every command has help with an example and is documented in the README;
``--help`` and ``--version`` never import TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from dropout_lab import __version__
from dropout_lab.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands(group: click.Group, prefix: str = ""):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path + " ")
        else:
            yield path, command


COMMANDS = sorted(_commands(main))


def test_there_are_commands():
    names = [name for name, _ in COMMANDS]
    assert {"train", "reload", "compare"} <= set(names)


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_help_has_an_example_and_readme_section(cli, name, command):
    result = cli(*name.split(), "--help")
    assert "Example" in result.stdout and f"dropout-lab {name}" in result.stdout
    assert f"dropout-lab {name}" in README
    for option in command.params:
        if isinstance(option, click.Option):
            assert option.help, f"{name} {option.opts} has no help text"


EXPERIMENTS = [c for c in COMMANDS if not c[0].startswith(("data ", "runs "))]


@pytest.mark.parametrize("name, command", EXPERIMENTS, ids=[n for n, _ in EXPERIMENTS])
def test_every_experiment_takes_a_config_file_and_out(name, command):
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {"--config", "--out", "--json", "--quiet"} <= options


def test_readme_is_a_short_guide_linking_the_docs():
    assert len(README.splitlines()) <= 250
    docs = Path(__file__).resolve().parents[1] / "docs"
    for page in ("methods.md", "transcripts.md", "results.md", "benchmarks.md", "sources.md"):
        assert f"](docs/{page})" in README and (docs / page).is_file()


def test_readme_starts_with_the_two_commands():
    blocks = README.split("```")
    assert "dropout-lab compare --runs 10" in blocks[1]
    assert "pytest" in blocks[3] and "[all,test]" in blocks[3]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    test_command = blocks[3].strip().splitlines()[-1]
    assert test_command in ci


@pytest.mark.parametrize("flag", ["--help", "--version", "-h"])
def test_help_and_version_do_not_import_tensorflow(flag):
    code = ("import sys; from dropout_lab.cli import main\n"
            f"try: main([{flag!r}])\nexcept SystemExit: pass\n"
            "assert 'tensorflow' not in sys.modules and 'numpy' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    if flag == "--version":
        assert done.stdout.strip() == f"dropout-lab, version {__version__}"


def test_config_errors_do_not_import_tensorflow(tmp_path):
    code = ("import sys; from dropout_lab.cli import main\n"
            f"try: main(['train', '--rate', '1.5', '--out', {str(tmp_path)!r}])\n"
            "except SystemExit as exc: assert exc.code == 2\n"
            "assert 'tensorflow' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Invalid value for `rate`" in done.stderr
