"""The one result schema: what every command's ``--json`` prints and its ``results.json`` holds.

Every result is one JSON object whose first keys are always:

- ``kind``: the command's name (``compare``, ``noise-shape``, ``data mnist``...),
  also the folder the run lives in: ``OUT/<kind>/<run-id>/``;
- ``run_dir``: this run's own folder (null for commands that write none);
- ``source_run``: the run this one builds on (a training run for compare and
  reload, a mnist sweep for mc-average), else null;
- ``config``: the resolved config, exactly as the manifest records it;
- ``verdicts``: a list of ``Verdict.to_json()`` objects (may be empty);

followed by the command's own measurements, under stable, namespaced keys.
Every interval anywhere in a result is one object
``{"estimate", "low", "high", "confidence"}``. docs/results.md documents the
schema; ``problems`` checks an object against it.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any

from dropout_lab.core.interval import Interval
from dropout_lab.core.verdict import OUTCOMES, Verdict

HEAD = ("kind", "run_dir", "source_run", "config", "verdicts")
VERDICT_KEYS = ("claim", "source", "statement", "outcome", "evidence", "test", "numbers")
INTERVAL_KEYS = {"estimate", "low", "high", "confidence"}


def result(kind: str, run_dir, config: dict[str, Any], verdicts: list, source_run=None,
           **fields: Any) -> dict[str, Any]:
    """A result object in the common schema (verdicts given as Verdict objects)."""
    return {"kind": kind, "run_dir": None if run_dir is None else str(run_dir),
            "source_run": None if source_run is None else str(source_run), "config": config,
            "verdicts": [v.to_json() for v in verdicts], **fields}


def problems(obj: Any) -> list[str]:
    """What keeps ``obj`` from following the schema (empty when it does)."""
    if not isinstance(obj, dict):
        return [f"a result is a JSON object, not {type(obj).__name__}"]
    found = []
    if list(obj)[:len(HEAD)] != list(HEAD):
        found.append(f"the first keys must be {list(HEAD)}, not {list(obj)[:len(HEAD)]}")
    if not isinstance(obj.get("kind"), str):
        found.append("`kind` must be a string")
    for key in ("run_dir", "source_run"):
        if obj.get(key) is not None and not isinstance(obj.get(key), str):
            found.append(f"`{key}` must be a string or null")
    if not isinstance(obj.get("config"), dict):
        found.append("`config` must be an object")
    verdicts = obj.get("verdicts")
    if not isinstance(verdicts, list):
        return found + ["`verdicts` must be a list"]
    for verdict in verdicts:
        found += _verdict_problems(verdict)
    return found + _interval_problems(obj, "")


def _verdict_problems(verdict: Any) -> list[str]:
    if not isinstance(verdict, dict) or list(verdict) != list(VERDICT_KEYS):
        return [f"a verdict must have exactly the keys {list(VERDICT_KEYS)}"]
    found = []
    if verdict["outcome"] not in OUTCOMES:
        found.append(f"verdict {verdict['claim']!r}: outcome {verdict['outcome']!r} is not one "
                     f"of {OUTCOMES}")
    if not isinstance(verdict["numbers"], dict):
        found.append(f"verdict {verdict['claim']!r}: `numbers` must be an object")
    return found


def _interval_problems(value: Any, where: str) -> list[str]:
    """Intervals must be complete objects; a key ending in _ci or _interval must hold one."""
    found = []
    if isinstance(value, dict):
        if INTERVAL_KEYS & set(value) and not INTERVAL_KEYS <= set(value) and \
                {"low", "high"} <= set(value):
            found.append(f"{where or 'the result'}: an interval needs {sorted(INTERVAL_KEYS)}")
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            if key.endswith(("_ci", "_interval")) and not (
                    isinstance(item, dict) and INTERVAL_KEYS <= set(item)):
                found.append(f"{path}: an interval must be an object with "
                             f"{sorted(INTERVAL_KEYS)}")
            found += _interval_problems(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _interval_problems(item, f"{where}[{index}]")
    return found


def verdict_from_json(data: dict[str, Any]) -> Verdict:
    """A Verdict from its JSON form (intervals among its numbers rebuilt)."""
    numbers = {k: Interval.from_json(v) if isinstance(v, dict) and INTERVAL_KEYS <= set(v) else v
               for k, v in data["numbers"].items()}
    return Verdict(data["claim"], data["source"], data["statement"], data["outcome"],
                   data["evidence"], data["test"], numbers)


def rebuild(cls: type, data: dict[str, Any], **given: Any):
    """A result dataclass from its JSON form: nested dataclasses, lists, dicts, Paths, Intervals.

    Fields in ``given`` are taken as they are (e.g. a config already resolved);
    the others come from ``data`` by name, converted by the field's type. Strict
    JSON wrote NaN and infinities as null: a null float reads back as NaN.

    Raises:
        TypeError, KeyError, ValueError: ``data`` is not what ``cls`` was written as.
    """
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} is stored as an object, not {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.name in given:
            values[field.name] = given[field.name]
        elif field.name in data:
            values[field.name] = _converted(hints[field.name], data[field.name])
    return cls(**values)


def _converted(hint: Any, value: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Interval:
        return Interval.from_json(value)
    if hint is Verdict:
        return verdict_from_json(value)
    if isinstance(hint, types.UnionType) or origin is typing.Union:
        if value is None and type(None) in args:
            return None
        return _converted(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(hint):
        return rebuild(hint, value)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise TypeError(f"expected a list, not {value!r:.40}")
        items = [_converted(args[0], item) for item in value] if args else list(value)
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, not {value!r:.40}")
        return {k: _converted(args[1], v) for k, v in value.items()} if args else dict(value)
    if hint is float:
        if value is None:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a number, not {value!r:.40}")
        return float(value)
    if hint in (int, str, bool):
        if type(value) is not hint:
            raise TypeError(f"expected {hint.__name__}, not {value!r:.40}")
        return value
    if hint is Path:
        return Path(value)
    return value
