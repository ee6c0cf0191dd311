"""Typed experiment configs: dataclass defaults < TOML file < command-line flags.

Every experiment has a frozen dataclass config. ``resolve`` builds one from a
TOML file and flag overrides, rejecting unknown keys and wrong types with one
clear line; value ranges are checked by each dataclass's ``__post_init__``
using the ``require_*`` helpers. Nothing here imports TensorFlow, so config
errors are reported in well under a second.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.options import field_types, scalar

C = TypeVar("C")
MAX_CONFIG_BYTES = 1 << 20  # a config is a few lines; a larger "config" is not one
INT32_MAX = 2**31 - 1  # step and sample counts run through TensorFlow's int32 loops
SEED_MAX = 2**32 - 1  # NumPy and Keras seeds are 32-bit

#: Bounds shared by many options (``core.options.option(..., **SEED)``).
SEED = dict(ge=0, le=SEED_MAX, why=" (NumPy and Keras seeds are 32-bit)")
COUNT = dict(ge=1, le=INT32_MAX, why=" (a 32-bit count)")
PROBABILITY = dict(gt=0, lt=1, expected="a probability in (0, 1)")
POSITIVE = dict(gt=0)

_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file into a dict.

    Raises:
        ConfigError: the file is not a regular file of at most ``MAX_CONFIG_BYTES``, is not
            UTF-8 text, or is not valid TOML.
    """
    try:
        text = read_bytes(path, MAX_CONFIG_BYTES).decode("utf-8")
    except UnsafeFile as exc:
        raise ConfigError(f"Invalid value for `--config`: expected a regular TOML file of at "
                          f"most {MAX_CONFIG_BYTES >> 20} MiB. Received: {exc}.",
                          param="config") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Config file {path} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.reason}); expected a TOML file.", param="config") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}.",
                          param="config") from None
    except RecursionError:
        raise ConfigError(f"Config file {path} is not valid TOML: its arrays or tables nest "
                          "too deeply.", param="config") from None


def resolve(cls: type[C], file_values: dict[str, Any] | None = None,
            flags: dict[str, Any] | None = None, source: str = "config") -> C:
    """Build a config: dataclass defaults, then file values, then flags.

    Args:
        cls: a frozen dataclass whose fields are int, float, str, bool,
            tuples of those, or ``X | None``.
        file_values: keys and values read from a TOML file (may be None).
        flags: command-line overrides; entries whose value is None are unset.
        source: how to name ``file_values`` in messages (usually the path).

    Returns:
        An instance of ``cls`` (its ``__post_init__`` checks value ranges).

    Raises:
        ConfigError: unknown key, wrong type, or value out of range.
    """
    values: dict[str, Any] = {}
    for origin, given in ((source, file_values or {}), ("flags", flags or {})):
        for key, value in given.items():
            if value is None and origin == "flags":
                continue
            values[key] = coerce(cls, key, value, origin)
    return cls(**values)


def coerce(cls: type, key: str, value: Any, origin: str) -> Any:
    """Check ``value`` against the type of field ``key`` of ``cls``; return it normalised.

    The type check is pydantic's, in strict JSON mode: TOML's integers are
    accepted for a float field, lists for a tuple field, and nothing is
    converted from a string (``"0.5"`` for a float is an error, as is ``true``
    for an integer).
    """
    hints = field_types(cls)
    if key not in hints:
        raise ConfigError(
            f"Unknown key `{key}` in {origin}: accepted keys are {', '.join(hints)}. "
            f"Received: {key}={value!r}", param=key)
    from pydantic import ValidationError

    try:
        return _adapter(hints[key]).validate_json(json.dumps(value), strict=True)
    except (ValidationError, TypeError, ValueError):  # TypeError: a TOML date, a set...
        raise _wrong_type(key, _words(hints[key]), value, origin) from None


@functools.cache
def _adapter(hint: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(hint)


def _words(hint: Any) -> str:
    """A type in words for messages: ``a number``, ``a list of integers``."""
    inner = scalar(hint)
    if typing.get_origin(_without_none(hint)) is tuple:
        return f"a list of {_TYPE_WORDS[inner].split(' ', 1)[1]}s"
    return _TYPE_WORDS[inner]


def _without_none(hint: Any) -> Any:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _wrong_type(key: str, expected: str, value: Any, origin: str) -> ConfigError:
    where = "" if origin == "flags" else f" in {origin}"
    return ConfigError(
        f"Invalid value for `{key}`{where}: expected {expected}. Received: {key}={value!r}",
        param=key)


def to_dict(config: Any) -> dict[str, Any]:
    """A config as a plain dict (tuples become lists), ready for JSON or TOML."""
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(config).items()}


def to_toml(config: Any, header: str = "") -> str:
    """A config as TOML text (by tomli-w) that ``resolve`` reads back unchanged.

    Keys whose value is None are left out: TOML has no null, and an absent key
    means the default.
    """
    import tomli_w

    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + tomli_w.dumps({k: v for k, v in to_dict(config).items() if v is not None})


def require_positive_int(name: str, value: int, high: int = INT32_MAX,
                         why: str = " (a 32-bit count)") -> None:
    """Raise ConfigError unless ``1 <= value <= high`` (default: a count TensorFlow can loop)."""
    if value < 1:
        raise invalid_value(name, "an integer >= 1", value)
    if value > high:
        raise invalid_value(name, f"an integer <= {high}{why}", value)


def require_seed(name: str, value: int | None) -> None:
    """Raise ConfigError unless ``value`` is None or a 32-bit seed, in [0, 2**32 - 1]."""
    if value is not None and not 0 <= value <= SEED_MAX:
        raise invalid_value(name, f"an integer in [0, {SEED_MAX}] (NumPy and Keras seeds are "
                                  "32-bit)", value)


def require_finite(name: str, value: float, expected: str = "a finite number") -> None:
    """Raise ConfigError when ``value`` is NaN or infinite."""
    if not math.isfinite(value):
        raise invalid_value(name, expected, value)


def require_int_range(name: str, value: int, low: int, high: int, why: str = "") -> None:
    """Raise ConfigError unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise invalid_value(name, f"an integer in [{low}, {high}]{why}", value)


def require_positive(name: str, value: float, when: str = "") -> None:
    """Raise ConfigError unless ``value`` is finite and > 0."""
    if not (math.isfinite(value) and value > 0):
        raise invalid_value(name, f"a finite number > 0{when}", value)


def require_probability(name: str, value: float) -> None:
    """Raise ConfigError unless ``0 < value < 1`` (a confidence, a false-alarm rate)."""
    if not 0 < value < 1:
        raise invalid_value(name, "a probability in (0, 1)", value)


def require_drop_rate(name: str, value: float) -> None:
    """A drop probability usable in the experiments: finite and < 1 (keep > 0).

    Values below 0 are left to the layer under test, whose own range applies.
    """
    expected = "a drop probability below 1 (rate 1 keeps nothing, so keep = 1 - rate = 0)"
    if not math.isfinite(value) or value >= 1:
        raise invalid_value(name, expected, value)


def require_choice(name: str, value: str, choices: typing.Iterable[str]) -> None:
    """Raise ConfigError unless ``value`` is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise invalid_value(name, "one of " + ", ".join(choices), value)
