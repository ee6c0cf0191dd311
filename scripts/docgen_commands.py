"""The shortest command line that gives a recorded config, checked by resolving it again.

A reproduce step runs its experiment from a config, not from a command line;
its transcript shows the command a user would type for the same config:
``dropout-lab mnist --config configs/mnist_overfit.toml --seeds 20``. The
candidates start from the defaults or from one of configs/*.toml, add a flag
for each field that differs, and count only when resolving their flags (as
the CLI does: click's type, then the field's parser) gives the recorded
config back exactly.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core import kinds
from dropout_lab.core.errors import ConfigError
from dropout_lab.core.flags import params
from dropout_lab.core.options import declared_fields, flag_of, option_of

ROOT = Path(__file__).resolve().parents[1]


def equivalent(kind: str, recorded: dict[str, Any]) -> str | None:
    """``dropout-lab KIND ...`` whose resolved config is ``recorded``; None when none is found.

    A sweep's defaults are its study's profile (``sweep STUDY --profile P``), not the
    dataclass's: each profile is tried as the starting point.
    """
    cls = kinds.config_class(kind)
    found = []
    for base in [None, *sorted((ROOT / "configs").glob("*.toml"))]:
        tokens = _tokens(cls, base, recorded)
        if tokens is not None:
            found.append(tokens)
    if kind == "sweep":
        found += _sweep_tokens(cls, recorded)
    if not found:
        return None
    return shlex.join(["dropout-lab", kind, *min(found, key=len)])


def _sweep_tokens(cls: type, recorded: dict[str, Any]) -> list[list[str]]:
    """``STUDY --profile P ...`` for each profile from which ``recorded`` is reached."""
    from dropout_lab.sweep.config import PROFILES, resolve_profile

    found = []
    for profile in PROFILES:
        start = cfg.to_dict(resolve_profile(recorded["study"], profile))
        rest = {k: v for k, v in recorded.items() if start.get(k) != v}
        by_name = {p.name: p for p in params(cls)}
        tokens = [recorded["study"], "--profile", profile]
        for field in declared_fields(cls):
            if field.name in rest and field.name != "study":
                given = _given(field, by_name[field.name], rest[field.name])
                if given is None:
                    break
                tokens += given[0]
        else:
            found.append(tokens)
    return found


def _tokens(cls: type, base: Path | None, recorded: dict[str, Any]) -> list[str] | None:
    """The arguments from ``base`` (None: the defaults) to ``recorded``, or None."""
    try:
        values = cfg.load_toml(base) if base else {}
        start = cfg.to_dict(cfg.resolve(cls, values, {}))
    except ConfigError:  # a config file of another kind
        return None
    tokens = [] if base is None else ["--config", base.relative_to(ROOT).as_posix()]
    flags: dict[str, Any] = {}
    by_name = {p.name: p for p in params(cls)}
    for field in declared_fields(cls):
        # a field the run did not record was added since: it takes its default
        if field.name not in recorded or start.get(field.name) == recorded[field.name]:
            continue
        given = _given(field, by_name[field.name], recorded[field.name])
        if given is None:
            return None
        tokens += given[0]
        flags[field.name] = given[1]
    try:
        again = cfg.to_dict(cfg.resolve(cls, values, flags))
    except ConfigError:
        return None
    return tokens if again == {**start, **recorded} else None


def _given(field, param, value: Any) -> tuple[list[str], Any] | None:
    """The tokens that set ``field`` to ``value``, and the value the CLI reads from them."""
    declared = option_of(field)
    if value is None or (isinstance(value, bool) and not value):
        return None  # no flag sets a field back to None or a switch off
    if isinstance(value, bool):
        return [flag_of(field)], True
    items = value if declared.multiple else [value]
    texts = [",".join(map(str, v)) if isinstance(v, list) else str(v) for v in items]
    read = [t if declared.path else param.type.convert(t, param, None) for t in texts]
    if declared.parse:
        read = [declared.parse(r) for r in read]
    read_value = tuple(read) if declared.multiple else read[0]
    if declared.argument:
        return texts, read_value
    return [token for text in texts for token in (flag_of(field), text)], read_value
