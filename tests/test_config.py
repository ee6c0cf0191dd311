"""Config resolution: defaults < file < flags; unknown keys and wrong types rejected."""

from __future__ import annotations

import dataclasses
import math

import pytest

from dropout_lab.core.config import load_toml, resolve, to_toml
from dropout_lab.core.errors import ConfigError
from dropout_lab.toy.config import CompareConfig, TrainConfig


def test_flags_override_file_and_file_overrides_defaults():
    config = resolve(TrainConfig, {"rate": 0.25, "epochs": 7}, {"epochs": 9, "seed": None})
    assert (config.rate, config.epochs, config.seed) == (0.25, 9, TrainConfig().seed)


def test_int_in_toml_is_accepted_for_a_float_field():
    assert resolve(TrainConfig, {"learning_rate": 1}).learning_rate == 1.0


@pytest.mark.parametrize("values, message", [
    ({"epoch": 5}, "Unknown key `epoch` in cfg.toml: accepted keys are rate, epochs, "
                   "learning_rate, seed, layer. Received: epoch=5"),
    ({"epochs": "1000"}, "Invalid value for `epochs` in cfg.toml: expected an integer. "
                         "Received: epochs='1000'"),
    ({"epochs": True}, "Invalid value for `epochs` in cfg.toml: expected an integer. "
                       "Received: epochs=True"),
    ({"rate": "0.5"}, "Invalid value for `rate` in cfg.toml: expected a number. "
                      "Received: rate='0.5'"),
    ({"layer": 3}, "Invalid value for `layer` in cfg.toml: expected a string. Received: layer=3"),
])
def test_bad_file_values_name_key_expectation_and_value(values, message):
    with pytest.raises(ConfigError) as info:
        resolve(TrainConfig, values, source="cfg.toml")
    assert str(info.value) == message


@pytest.mark.parametrize("field, value, expected", [
    ("rate", 1.0, "a drop probability below 1"),
    ("rate", math.nan, "a drop probability below 1"),
    ("epochs", 0, "an integer in [1, 2147483647] (a 32-bit count)"),
    ("learning_rate", -0.1, "a finite number > 0"),
    ("layer", "torch", "one of keras, keras.layers.Dropout, keras.random.dropout"),
])
def test_value_ranges(field, value, expected):
    with pytest.raises(ConfigError) as info:
        resolve(TrainConfig, None, {field: value})
    assert f"Invalid value for `{field}`: expected {expected}" in str(info.value)
    assert f"Received: {field}={value!r}" in str(info.value)


@pytest.mark.parametrize("field, value", [("runs", 0), ("mc_samples", -1), ("rtol", -1e-6),
                                          ("z", 0.0), ("rtol", math.nan)])
def test_compare_ranges(field, value):
    with pytest.raises(ConfigError, match=f"Invalid value for `{field}`"):
        resolve(CompareConfig, None, {field: value})


def test_toml_round_trip(tmp_path):
    config = TrainConfig(rate=0.125, epochs=3, learning_rate=1e-7, seed=42, layer="mod.sub:Cls")
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config, "header line"))
    assert resolve(TrainConfig, load_toml(path)) == config
    assert path.read_text().startswith("# header line\n")


def test_unreadable_and_invalid_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("rate = = 1\n")
    with pytest.raises(ConfigError, match=r"^Config file .*bad.toml is not valid TOML"):
        load_toml(bad)
    with pytest.raises(ConfigError) as info:
        load_toml(tmp_path / "missing.toml")
    assert str(info.value) == ("Invalid value for `--config`: expected a regular TOML file of "
                               f"at most 1 MiB. Received: {tmp_path / 'missing.toml'} does not "
                               "exist.")


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().rate = 0.1  # type: ignore[misc]  # the error under test


def _every_config():
    from dropout_lab.gradients.config import GradientsConfig
    from dropout_lab.mnist.config import McAverageConfig, MnistConfig
    from dropout_lab.numpy_demo.config import NumpyDemoConfig
    from dropout_lab.probe.config import NoiseShapeConfig, ProbeConfig
    from dropout_lab.toy.config import ReloadConfig

    return [TrainConfig(seed=3), ReloadConfig(run="results/train/x", rate=0.25),
            CompareConfig(z=5.0, seed=2), CompareConfig(run="results/train/x"),
            ProbeConfig(layers=("keras", "tf.nn.dropout"), rates=(0.3,)),
            NoiseShapeConfig(noise_shape="1,1,4"), GradientsConfig(learning_rate=0.5),
            NumpyDemoConfig(false_alarm=0.01), MnistConfig(setting="S001", train_subset=300),
            McAverageConfig(ks=(1, 3), confidence=0.9, run="results/mnist/x")]


@pytest.mark.parametrize("config", _every_config(), ids=lambda c: type(c).__name__)
def test_every_config_field_is_reachable_from_toml(config, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config))
    assert resolve(type(config), load_toml(path)) == config
    names = {f.name for f in dataclasses.fields(config)}
    written = {line.split(" = ")[0] for line in path.read_text().splitlines() if " = " in line}
    assert written == {n for n in names if getattr(config, n) is not None}


@dataclasses.dataclass(frozen=True)
class _Optional:
    steps: int | None = None
    name: str = "x"


def test_a_wrong_type_in_an_optional_field_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('steps = "many"\n')
    with pytest.raises(ConfigError) as error:
        resolve(_Optional, load_toml(str(path)), source=str(path))
    assert str(error.value) == (f"Invalid value for `steps` in {path}: expected an integer. "
                                "Received: steps='many'")
    with pytest.raises(ConfigError) as error:
        resolve(_Optional, None, {"steps": "many"})
    assert str(error.value) == ("Invalid value for `steps`: expected an integer. "
                                "Received: steps='many'")  # a flag: no "in flags"


def test_strings_with_backslashes_and_quotes_survive_a_toml_round_trip(tmp_path):
    config = _Optional(steps=3, name='C:\\runs\\"a"\\b')
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert resolve(_Optional, load_toml(str(path))) == config


def test_a_count_past_32_bits_says_why():
    from dropout_lab.core.config import INT32_MAX, require_positive_int

    with pytest.raises(ConfigError) as error:
        require_positive_int("steps", INT32_MAX + 1)
    assert str(error.value) == (f"Invalid value for `steps`: expected an integer <= {INT32_MAX} "
                                f"(a 32-bit count). Received: steps={INT32_MAX + 1}")


def test_file_values_without_a_source_are_called_config():
    with pytest.raises(ConfigError) as info:
        resolve(TrainConfig, {"epochz": 3})
    assert str(info.value).startswith("Unknown key `epochz` in config: accepted keys are ")


def test_every_32_bit_seed_is_accepted_and_none_beyond():
    from dropout_lab.core.config import SEED_MAX, require_seed

    assert SEED_MAX == 2**32 - 1
    for seed in (None, 0, SEED_MAX):
        require_seed("seed", seed)
    for seed in (-1, SEED_MAX + 1):
        with pytest.raises(ConfigError) as info:
            require_seed("seed", seed)
        assert str(info.value) == ("Invalid value for `seed`: expected an integer in "
                                   "[0, 4294967295] (NumPy and Keras seeds are 32-bit). "
                                   f"Received: seed={seed}")


def test_to_dict_gives_lists_for_tuples_as_json_loads_them_back():
    from dropout_lab.core.config import to_dict
    from dropout_lab.probe.config import ProbeConfig

    plain = to_dict(ProbeConfig(rates=(0.2, 0.8)))
    assert plain["rates"] == [0.2, 0.8] and type(plain["rates"]) is list


def test_every_unreadable_config_file_is_an_error_about_the_config_option(tmp_path):
    cases = {"bad.toml": b"rate = = 1\n", "binary.toml": b"\xff\xfe\x00rate",
             "deep.toml": b"x = " + b"[" * 200_000}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ConfigError) as info:
            load_toml(tmp_path / name)
        assert info.value.param == "config", name


def test_range_helpers_say_what_they_accept():
    from dropout_lab.core.config import require_finite, require_probability

    with pytest.raises(ConfigError) as info:
        require_finite("x", math.nan)
    assert str(info.value) == "Invalid value for `x`: expected a finite number. Received: x=nan"
    for value in (0.0, 1.0, -0.5):
        with pytest.raises(ConfigError) as info:
            require_probability("confidence", value)
        assert str(info.value) == ("Invalid value for `confidence`: expected a probability in "
                                   f"(0, 1). Received: confidence={value}")
    require_probability("confidence", 1e-9)
