"""Click options from config fields, and the command of every registered kind.

``params(config_class)`` turns each declared field (``core.options``) into a
click option or argument: its flag, its type, its help with the default read
from the dataclass. A flag's click default is always None, so that "not
given" stays distinct from "given the default" (flags override the
``--config`` file, which overrides the dataclass).

``experiment_command(kind_name)`` decorates a function into the command of a
registered kind, with ``--config``, the config's options, ``--out``,
``--json`` and ``--quiet``; the function receives an ``Invocation`` (the
flags given, and how to resolve and run them). ``build(kind)`` makes the
command of a kind that needs nothing more: resolve, run, render.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dropout_lab.core import kinds, tracking
from dropout_lab.core.commands import (
    Output,
    config_option,
    data_dir_option,
    execute,
    lab_command,
    out_option,
    output_options,
    reject_combined,
    resolve_config,
)
from dropout_lab.core.options import (
    declared_fields,
    default_text,
    field_types,
    flag_of,
    option_of,
    scalar,
)

_CLICK_TYPES = {int: click.INT, float: click.FLOAT, str: click.STRING, bool: click.BOOL}
_PATHS = {"dir": click.Path(exists=True, file_okay=False),
          "file": click.Path(exists=True, dir_okay=False)}


def help_text(field: dataclasses.Field) -> str:
    """A field's help with its default, e.g. ``Drop probability. [default: 0.5]``."""
    declared = option_of(field)
    assert declared is not None, field.name
    if field.default is False and declared.flag is None:  # a plain on-switch: off unless given
        return declared.help
    return f"{declared.help} [default: {default_text(field)}]"


def params(config_class: type) -> list[click.Parameter]:
    """The click parameters of every declared field of ``config_class``, in field order."""
    hints = field_types(config_class)
    return [_param(field, hints[field.name]) for field in declared_fields(config_class)]


def _param(field: dataclasses.Field, hint: Any) -> click.Parameter:
    declared = option_of(field)
    assert declared is not None
    kind = scalar(hint)
    click_type = (_PATHS[declared.path] if declared.path
                  else click.STRING if declared.parse
                  else click.Choice(declared.choices) if declared.choices
                  else _CLICK_TYPES[kind])
    if declared.argument:
        metavar = declared.metavar or field.name.upper()
        required = field.default is dataclasses.MISSING
        return click.Argument([field.name], type=click_type, required=required,
                              metavar=metavar if required else f"[{metavar}]")
    flag = flag_of(field)
    decls = [flag, *declared.aliases, field.name]
    if kind is bool and not declared.parse:
        return click.Option(decls, is_flag=True, default=None,
                            help=help_text(field))
    return click.Option(decls, type=click_type, multiple=declared.multiple, default=None,
                        metavar=declared.metavar, help=help_text(field))


def flags_from(config_class: type, values: dict[str, Any]) -> dict[str, Any]:
    """The config fields given on the command line (None: not given), parsed.

    Takes the fields' entries out of ``values`` (click's keyword arguments).
    """
    flags = {}
    for field in declared_fields(config_class):
        declared = option_of(field)
        assert declared is not None  # declared_fields keeps the declared ones only
        value = values.pop(field.name, None)
        if declared.multiple:
            value = tuple(value) or None
        if value is not None and declared.parse:
            value = declared.parse(value)
        flags[field.name] = value
    return flags


@dataclasses.dataclass
class Invocation:
    """One call of a kind's command: the flags given and how to run them.

    Attributes:
        kind: the registered kind.
        flags: the config fields given as flags (None where not given).
        config_path: ``--config``, or None.
        out: ``--out``.
        output: where people's and machines' output goes.
        context: RunContext options given (``data_dir``).
        mlflow: ``--mlflow``/``--no-mlflow``; None: log when ``MLFLOW_TRACKING_URI`` is set.
    """

    kind: kinds.Kind
    flags: dict[str, Any]
    config_path: str | None
    out: str
    output: Output
    context: dict[str, Any]
    mlflow: bool | None = None

    def resolve(self, **overrides: Any) -> Any:
        """The config: dataclass defaults < ``--config`` < flags (< ``overrides``)."""
        flags = {**self.flags, **overrides}
        return resolve_config(kinds.config_class(self.kind.name), self.config_path, flags)

    def reject_with(self, what: str, why: str, *names: str) -> None:
        """Usage error when ``--config`` or any of the flags ``names`` comes with ``what``."""
        reject_combined({n: self.flags.get(n) for n in names}, self.config_path, what, why)

    def execute(self, config: Any, render: Callable | None = None, **context: Any) -> Any:
        """Run the kind's experiment on ``config``, show it (with ``render``, default the
        kind's) and emit its JSON; then log the complete run to MLflow when asked
        (``core.tracking``; TrackingError: exit 1)."""
        result = execute(self.output, self.out, kinds.experiment(self.kind.name), config,
                         render or kinds.renderer(self.kind.name), self.kind.first,
                         **{**self.context, **context})
        if tracking.wanted(self.mlflow):
            with self.output.progress("logging to MLflow"):
                logged = tracking.log_run(result, Path(self.out))
            self.output.show(f"Logged to MLflow at {logged['uri']}: experiment "
                             f"'{logged['experiment']}', run {logged['run_id']}.")
        return result


def experiment_command(kind_name: str, *extra: Callable,
                       cls: type[click.Command] = click.Command) -> Callable:
    """Decorate ``func(invocation, **extra_options)`` into the click command of a kind.

    Args:
        kind_name: a registered kind.
        extra: click decorators of options that are not config fields (``--expect``).
        cls: the click command class (e.g. one whose help ends with an epilog).

    The command's help is ``func``'s docstring, else the kind's ``help``.
    """
    kind = kinds.get(kind_name)
    config_class = kinds.config_class(kind_name)

    def decorate(func: Callable) -> click.Command:
        @functools.wraps(func)
        def callback(config_path, out, as_json, quiet, mlflow, **values):
            flags = flags_from(config_class, values)
            context = {name: values.pop(name) for name in kind.context}
            invocation = Invocation(kind, flags, config_path, out, Output(as_json, quiet),
                                    context, mlflow)
            return func(invocation, **values)

        wrapped = lab_command(callback)
        decorators: list[Callable[[Callable], Callable]] = [
            *(_field_decorator(p) for p in params(config_class)), *extra,
            *_context_options(kind), config_option(), out_option, mlflow_option,
            output_options]
        for decorator in reversed(decorators):
            wrapped = decorator(wrapped)
        return click.command(kind.name, cls=cls, help=func.__doc__ or kind.help)(wrapped)

    return decorate


#: ``--mlflow/--no-mlflow``, on every kind's command (``core.tracking``).
mlflow_option = click.option(
    "--mlflow/--no-mlflow", default=None,
    help=f"Log the finished run to MLflow: to ${tracking.ENV} when set, else to a SQLite "
         f"database under --out. [default: on when ${tracking.ENV} is set]")


def _field_decorator(param: click.Parameter) -> Callable:
    def attach(func: Any) -> Any:  # a callback: click reads its __click_params__
        func.__click_params__ = [*getattr(func, "__click_params__", []), param]
        return func
    return attach


def _context_options(kind: kinds.Kind) -> list[Callable]:
    return [data_dir_option] if "data_dir" in kind.context else []


def build(kind: kinds.Kind) -> click.Command:
    """The command of a kind: the hand-built one it names, else resolve, run and render."""
    if kind.command is not None:
        return kinds.load(kind.command)

    def run(invocation: Invocation) -> None:
        invocation.execute(invocation.resolve())

    run.__doc__ = kind.help
    return experiment_command(kind.name)(run)


def as_path(value: str | None) -> Path | None:
    """``--resume`` and the like as a Path (None stays None)."""
    return None if value is None else Path(value)
