"""The one registry of run kinds and commands: each family registers what it adds, once.

A family is a package of ``dropout_lab`` whose ``__init__.py`` calls
``register(Kind(...))`` for every kind of run it writes (and
``register(Command(...))`` for a command that writes none, such as ``data``).
A kind names, as dotted strings, the modules that serve it, so the registry
stays light: nothing is imported until it is used.

- ``Kind.experiment``: a module with ``KIND``, ``Result`` and
  ``run(config, ctx) -> Result`` (``core.experiment.Experiment``);
- ``Kind.config``: the config dataclass (``module:Class``), whose fields
  declare the command's options (``core.options``);
- ``Kind.render``: ``render(result) -> list`` of rich renderables for people;
- ``Kind.command``: optional ``module:attr`` of a hand-built click command,
  for a command that needs more than its config's options; without it the
  command is generated from the config (``core.command``).

``runs show``, ``runs list``, ``reproduce``, the CLI and the tests read this
table; ``names()`` discovers the built-in families once (every subpackage of
``dropout_lab`` is imported; a family's ``__init__`` must stay light).
Adding a family takes one registration, one config dataclass and one
experiment module.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

import dropout_lab
from dropout_lab.core.errors import ConfigError


@dataclass(frozen=True)
class Kind:
    """A kind of run: its command, config, experiment and rendering, by dotted path.

    Attributes:
        name: the kind, also its command's name and its folder under ``--out``
            (``compare``, ``noise-shape``).
        experiment: dotted module implementing ``core.experiment.Experiment``.
        config: ``module:Class`` of the config dataclass.
        render: ``module:function`` turning a result into rich renderables.
        help: the command's help (first line: the summary); the generated
            command takes it, a hand-built one its own docstring.
        command: ``module:attr`` of a hand-built click command, or None to
            generate it from the config.
        legacy: names older versions of dropout-lab wrote for this kind.
        order: where the command is listed in ``dropout-lab --help``.
        first: the progress stage shown until the experiment first reports
            (None when nothing slow starts first).
        context: RunContext options the command takes (``data_dir``).
    """

    name: str
    experiment: str
    config: str
    render: str
    help: str = ""
    command: str | None = None
    legacy: tuple[str, ...] = ()
    order: int = 100
    first: str | None = "starting TensorFlow"
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    """A command that writes no run of its own kind (``data``, ``runs``): ``module:attr``."""

    name: str
    command: str
    order: int = 100


_KINDS: dict[str, Kind] = {}
_COMMANDS: dict[str, Kind | Command] = {}
_LEGACY: dict[str, str] = {}
_discovered = False


def register(entry: Kind | Command) -> Kind | Command:
    """Add a kind or a command; a name (or legacy name) already taken is an error.

    Raises:
        ValueError: the name is registered already (a programming error, not a user's).
    """
    names = [entry.name, *getattr(entry, "legacy", ())]
    taken = [n for n in names if n in _COMMANDS or n in _LEGACY]
    if taken:
        raise ValueError(f"{', '.join(taken)} is registered already")
    _COMMANDS[entry.name] = entry
    if isinstance(entry, Kind):
        _KINDS[entry.name] = entry
        _LEGACY.update(dict.fromkeys(entry.legacy, entry.name))
    return entry


def unregister(name: str) -> None:
    """Remove a registered kind or command (tests that register one of their own)."""
    entry = _COMMANDS.pop(name)
    _KINDS.pop(name, None)
    for old in getattr(entry, "legacy", ()):
        _LEGACY.pop(old, None)


def _discover() -> None:
    """Import every family package of dropout_lab once, so that each registers itself."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for info in pkgutil.iter_modules(dropout_lab.__path__, "dropout_lab."):
        if info.ispkg:
            importlib.import_module(info.name)


def kinds() -> list[Kind]:
    """Every registered kind, in listing order."""
    _discover()
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.name))


def names() -> list[str]:
    """The names of every registered kind, in listing order."""
    return [k.name for k in kinds()]


def commands() -> list[Kind | Command]:
    """Every registered kind and command, in the order ``--help`` lists them."""
    _discover()
    return sorted(_COMMANDS.values(), key=lambda c: (c.order, c.name))


def canonical(name: str) -> str:
    """Today's name of a kind, given its name or a legacy one (unknown names unchanged)."""
    _discover()
    return _LEGACY.get(name, name)


def legacy_names(name: str) -> tuple[str, ...]:
    """The older names of kind ``name`` (its folders under ``--out`` may carry them)."""
    return get(name).legacy


def get(name: str, param: str = "kind") -> Kind:
    """The kind called ``name`` (or a legacy name of it).

    Raises:
        ConfigError: no such kind; the message lists the registered ones.
    """
    _discover()
    kind = _KINDS.get(_LEGACY.get(name, name))
    if kind is None:
        raise ConfigError(f"Invalid value for `{param}`: expected a run kind, one of "
                          f"{', '.join(names())}. Received: {param}={name!r}", param=param)
    return kind


def load(dotted: str) -> Any:
    """The object a dotted path names: ``package.module`` or ``package.module:attr``."""
    module, _, attr = dotted.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attr) if attr else found


def experiment(name: str) -> Any:
    """The experiment module of kind ``name`` (imported now)."""
    return load(get(name).experiment)


def config_class(name: str) -> type:
    """The config dataclass of kind ``name`` (light: imports no framework)."""
    return load(get(name).config)


def renderer(name: str) -> Any:
    """The function that renders a result of kind ``name`` for people."""
    return load(get(name).render)
