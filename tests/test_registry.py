"""The registry of kinds: a new family costs one registration, and nothing drifts from it."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path

import click
import pytest

from dropout_lab.cli import main
from dropout_lab.core import kinds
from dropout_lab.core.errors import ConfigError
from dropout_lab.core.options import declared_fields, default_text, flag_of

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def toy_family():
    """A family built from tests/family_fixture.py: one registration, nothing else."""
    kind = kinds.register(kinds.Kind(
        name="toy-demo", experiment="family_fixture", config="family_fixture:ToyDemoConfig",
        render="family_fixture:render", first=None, order=999,
        help="Draw a mask and count what it drops.\n\n\b\nExample:\n  dropout-lab toy-demo"))
    yield kind
    kinds.unregister("toy-demo")


def test_a_new_family_is_one_registration_away(cli, out, toy_family):
    help_text = cli("toy-demo", "--help").stdout
    assert "--rate FLOAT" in help_text and "[default: 0.5]" in help_text
    assert "toy-demo" in cli("--help").stdout
    data = cli.json("toy-demo", "--rate", "0.2", "--size", "5000", "--out", out)
    assert data["kind"] == "toy-demo" and data["config"] == {"rate": 0.2, "size": 5000,
                                                             "seed": 0}
    assert abs(data["dropped_fraction"] - 0.2) < 0.03  # 5000 draws: sd 0.0057, > 5 sd off
    run_dir = Path(data["run_dir"])
    assert run_dir.parent == out / "toy-demo"
    assert cli.json("runs", "show", run_dir) == data
    assert "dropped 0.2" in cli("runs", "show", run_dir).stdout
    listed = cli.json("runs", "list", "--out", out, "--kind", "toy-demo")["runs"]
    assert [(e["kind"], e["status"]) for e in listed] == [("toy-demo", "complete")]
    bad = cli("toy-demo", "--rate", "1", "--out", out, expect=2)
    assert "Invalid value for `rate`: expected a number in [0, 1). Received: rate=1.0" in bad.stderr


def test_a_name_is_registered_once(toy_family):
    with pytest.raises(ValueError, match="toy-demo is registered already"):
        kinds.register(toy_family)
    with pytest.raises(ValueError, match="noise_shape is registered already"):
        kinds.register(dataclasses.replace(toy_family, name="x", legacy=("noise_shape",)))


def test_an_unknown_kind_is_one_error_listing_the_known_ones(cli, out):
    with pytest.raises(ConfigError, match=r"^Invalid value for `kind`: expected a run kind, one "
                                          r"of train, reload, compare, .*Received: kind='nope'$"):
        kinds.get("nope")
    result = cli("runs", "list", "--kind", "nope", "--out", out, expect=2)
    assert "expected a run kind, one of train, reload" in result.stderr


def test_legacy_names_read_as_todays():
    assert kinds.canonical("toy") == "train" and kinds.canonical("noise_shape") == "noise-shape"
    assert kinds.get("numpy_demo").name == "numpy-demo"


def _command(name: str) -> click.Command:
    return main.get_command(click.Context(main), name)


@pytest.mark.parametrize("name", kinds.names())
def test_every_option_shows_the_default_its_field_declares(name):
    """The help's default is read from the dataclass: a drifted default cannot be typed in."""
    config_class = kinds.config_class(name)
    options = {p.name: p for p in _command(name).params}
    for field in declared_fields(config_class):
        param = options[field.name]
        if isinstance(param, click.Option):
            assert param.default is None  # "not given", so the config file is not overridden
            assert flag_of(field) in param.opts or flag_of(field).split("/")[0] in param.opts
            shown = re.search(r"\[default: (.*)\]$", param.help)
            if shown is None:  # a plain on-switch: off unless given
                assert field.default is False and param.is_flag
            else:
                assert shown.group(1) == default_text(field)


@pytest.mark.parametrize("name", kinds.names())
def test_every_config_key_is_a_field_and_resolves_from_toml(name, tmp_path):
    from dropout_lab.core.config import load_toml, resolve, to_toml

    config_class = kinds.config_class(name)
    defaults = {f.name: f.default for f in dataclasses.fields(config_class)
                if f.default is not dataclasses.MISSING}
    if len(defaults) < len(dataclasses.fields(config_class)):
        pytest.skip(f"{name} has a required field (RUN)")
    config = config_class()
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert resolve(config_class, load_toml(path)) == config


def test_every_kind_module_follows_the_protocol():
    for kind in kinds.kinds():
        module = kinds.experiment(kind.name)
        assert module.KIND == kind.name == module.Result.KIND
        assert callable(module.run)
        json.dumps(kinds.config_class(kind.name).__doc__)  # light: imported without TF
