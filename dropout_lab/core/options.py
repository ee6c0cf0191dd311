"""Options declared once: a config field carries its help, its flag and its bounds.

A config is a frozen dataclass deriving from ``Config``; each field is made
with ``option(default, help, ...)``::

    @dataclass(frozen=True)
    class TrainConfig(Config):
        rate: float = option(0.5, "Drop probability of the dropout layer.", ge=0, lt=1)
        epochs: int = option(1000, "Full-batch SGD steps.", ge=1, le=INT32_MAX)

From that one declaration come the command's click option (``--rate``, its
help with ``[default: 0.5]`` read from the field, its type),
the TOML key (``rate``), and the bounds check that every construction of the
config runs (``check_fields``), with the error in Keras's pattern. Checks
that involve several fields go in the config's ``check`` method.

Light: no click, no NumPy, no pydantic (config modules import this).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dropout_lab.core.errors import invalid_value

OPTION = "option"  # the key of a field's metadata that holds its Option


@dataclass(frozen=True)
class Option:
    """How a config field is offered and checked (see ``option``)."""

    help: str
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    argument: bool = False
    multiple: bool = False
    parse: Callable[[str], Any] | None = None
    cli: bool = True
    default_text: str | None = None
    metavar: str | None = None
    path: str | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] | None = None
    expected: str | None = None
    why: str = ""
    label: str | None = None


def option(default: Any = dataclasses.MISSING,
           help: str = "",  # noqa: A002  (click's name for it; the builtin is not used here)
           **how: Any) -> Any:
    """A dataclass field declared as a command option.

    Args:
        default: the field's default (also shown in ``--help``).
        help: one or two sentences for ``--help`` (the default is appended).
        how: ``Option`` settings: ``flag`` (default ``--field-name``),
            ``aliases`` (more flags), ``argument`` (positional, e.g. RUN),
            ``multiple`` (a repeatable option collecting a tuple), ``parse``
            (text -> value, e.g. a comma-separated list), ``cli=False`` (a
            config-file key only), ``default_text`` (shown instead of the
            default), ``metavar``, ``path`` (``"dir"``/``"file"``: must exist);
            bounds ``ge``/``gt``/``le``/``lt`` for numbers (each item of a tuple),
            ``choices`` for strings;
            ``expected`` (the accepted values in words, replacing the
            generated ones), ``why`` (appended to them), ``label`` (the
            name errors use, default the flag's).
    """
    return dataclasses.field(default=default, metadata={OPTION: Option(help, **how)})


def option_of(field: dataclasses.Field) -> Option | None:
    """The Option a field was declared with, or None for a plain field."""
    return field.metadata.get(OPTION)


def flag_of(field: dataclasses.Field) -> str:
    """The field's main flag: ``--first-seed`` for ``first_seed`` unless declared otherwise."""
    declared = option_of(field)
    return (declared and declared.flag) or "--" + field.name.replace("_", "-")


def label_of(field: dataclasses.Field) -> str:
    """The name errors about the field use: its label, else its flag's name (``rate`` for
    ``--rate`` on the field ``rates``)."""
    declared = option_of(field)
    if declared and declared.label:
        return declared.label
    if declared and declared.flag:
        return declared.flag.lstrip("-").replace("-", "_")
    return field.name


class Config:
    """Base of every config dataclass: field bounds checked, then ``check``.

    Subclasses are ``@dataclass(frozen=True)`` and override ``normalise``
    (old spellings mapped to today's, before any check) and ``check``
    (checks across fields); ``__post_init__`` runs both around the fields' own
    bounds (``check_fields``).
    """

    def __post_init__(self) -> None:
        self.normalise()
        check_fields(self)
        self.check()

    def normalise(self) -> None:
        """Map old spellings to today's (frozen: use ``object.__setattr__``)."""

    def check(self) -> None:
        """Checks across fields (ConfigError); the fields' own bounds are already checked."""


def check_fields(config: Any) -> None:
    """Check every declared field of ``config`` against its bounds and choices.

    Raises:
        ConfigError: the first field outside its bounds, in Keras's pattern:
            ``Invalid value for `rate`: expected a number in [0, 1). Received: rate=1.5``.
    """
    # a class is hashable, but mypy checks a type[X] against Hashable by X's unbound __hash__
    hints = field_types(type(config))  # type: ignore[arg-type]
    for field in dataclasses.fields(config):
        declared = option_of(field)
        value = getattr(config, field.name)
        if declared is None or value is None:
            continue
        for item in value if isinstance(value, tuple) else (value,):
            if not _allowed(declared, item):
                expected = expected_text(field, scalar(hints[field.name]))
                raise invalid_value(label_of(field), expected, item)


def _allowed(declared: Option, item: Any) -> bool:
    if declared.choices is not None:
        return item in declared.choices
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        return True
    if isinstance(item, float) and not math.isfinite(item):
        return False  # NaN meets no bound, and no option takes an infinity
    return ((declared.ge is None or item >= declared.ge)
            and (declared.gt is None or item > declared.gt)
            and (declared.le is None or item <= declared.le)
            and (declared.lt is None or item < declared.lt))


def expected_text(field: dataclasses.Field, scalar_type: type) -> str:
    """What a field accepts, in words: ``a number in [0, 1)``, ``an integer >= 1``,
    ``one of adam, sgd``."""
    declared = option_of(field)
    assert declared is not None, field.name
    if declared.expected:
        return declared.expected + declared.why
    if declared.choices is not None:
        return "one of " + ", ".join(declared.choices) + declared.why
    integer = scalar_type is int
    low = ("[", declared.ge) if declared.ge is not None else \
        ("(", declared.gt) if declared.gt is not None else None
    high = ("]", declared.le) if declared.le is not None else \
        (")", declared.lt) if declared.lt is not None else None
    if low and high:
        noun = "an integer" if integer else "a number"
        return f"{noun} in {low[0]}{_shown(low[1])}, {_shown(high[1])}{high[0]}{declared.why}"
    noun = "an integer" if integer else "a finite number"
    if low:
        return f"{noun} {'>=' if low[0] == '[' else '>'} {_shown(low[1])}{declared.why}"
    if high:
        return f"{noun} {'<=' if high[0] == ']' else '<'} {_shown(high[1])}{declared.why}"
    return noun + declared.why


def _shown(bound: float) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


@functools.cache
def field_types(config_class: type) -> dict[str, Any]:
    """The resolved annotations of a config class (``from __future__ import annotations``)."""
    return typing.get_type_hints(config_class)


def scalar(hint: Any) -> Any:
    """The scalar type inside a hint: ``float`` for ``float``, ``tuple[float, ...]`` and
    ``float | None``."""
    while True:
        args = typing.get_args(hint)
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            hint = next(a for a in args if a is not type(None))
        elif typing.get_origin(hint) is tuple:
            hint = args[0]
        else:
            return hint


def declared_fields(config_class: type) -> list[dataclasses.Field]:
    """The fields of a config class that are offered as command options, in order."""
    return [f for f in dataclasses.fields(config_class)
            if (o := option_of(f)) is not None and o.cli]


def default_text(field: dataclasses.Field) -> str:
    """The default as ``--help`` shows it, read from the field (never typed twice)."""
    declared = option_of(field)
    if declared and declared.default_text is not None:
        return declared.default_text
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
