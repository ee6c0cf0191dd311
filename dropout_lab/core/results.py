"""The one result schema: what every command's ``--json`` prints and its ``results.json`` holds.

A result is a dataclass; pydantic turns it into JSON and back
(``to_json``/``from_json``), checking every field's type on the way in, and
generates its JSON Schema (``schema``; docs/results.md and docs/schema/ are
generated from it). Every result object's first keys are always:

- ``kind``: the run's kind (``compare``, ``noise-shape``...), also the folder
  the run lives in: ``OUT/<kind>/<run-id>/``;
- ``run_dir``: this run's own folder (null for commands that write none);
- ``source_run``: the run this one builds on (a training run for compare and
  reload, a mnist sweep for mc-average), else null;
- ``config``: the resolved config, exactly as the manifest records it;
- ``verdicts``: a list of verdicts (may be empty);

followed by the kind's own measurements, under stable, namespaced keys.
Every interval anywhere in a result is one object ``{"estimate", "low",
"high", "confidence"}``. JSON is strict: a NaN or infinite float is written
as null, and a float field declared ``Real`` reads null back as NaN.

pydantic is imported on first use, not with this module (``--help`` stays fast).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Annotated, Any, TypeVar, cast, dataclass_transform

from dropout_lab.core.atomic import to_jsonable

T = TypeVar("T")
HEAD = ("kind", "run_dir", "source_run", "config", "verdicts")


class _NullIsNaN:
    """pydantic metadata: a float that strict JSON wrote as null (NaN, infinities) reads as NaN."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(
            lambda value: math.nan if value is None else value, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "number"}, {"type": "null"}]}


#: A float of a result that may be NaN or infinite: null in results.json, NaN when read back.
Real = Annotated[float, _NullIsNaN()]


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T]) -> type[T]:
    """Decorator of a result class: a frozen pydantic dataclass.

    Fields are set by name (``losses=...``) and written under their alias
    when they have one (``Field(alias="train/loss")``); ``computed_field``
    properties are written too (and ignored when read back). Imports pydantic.
    """
    from pydantic.dataclasses import dataclass

    made = dataclass(frozen=True, config={"validate_by_name": True, "validate_by_alias": True,
                                          "serialize_by_alias": True,
                                          "arbitrary_types_allowed": True})(cls)
    return cast("type[T]", made)  # the class itself (pydantic types it PydanticDataclass)


def head(kind: str, config: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The JSON object of a command that writes no run folder (``data mnist``, ``runs list``):
    the head keys, then ``fields``."""
    return to_jsonable({"kind": kind, "run_dir": None, "source_run": None, "config": config,
                        "verdicts": [], **fields})


_ADAPTERS: dict[type, Any] = {}  # class -> its pydantic TypeAdapter, built once


def _adapter(cls: type) -> Any:
    # a dict rather than functools.cache, whose wrapper mypy will not call with a type[X]
    if cls not in _ADAPTERS:
        from pydantic import TypeAdapter

        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


def kind_of(result: Any) -> str:
    """The kind a result belongs to (its class's ``KIND``)."""
    return type(result).KIND


def to_json(result: Any) -> dict[str, Any]:
    """The JSON object of a result: ``results.json``, and what ``--json`` prints.

    The head keys (``HEAD``) come first; NaN and infinities become null;
    NumPy scalars, tuples and paths become JSON values.
    """
    data = _adapter(type(result)).dump_python(result, mode="python", by_alias=True,
                                              warnings=False)
    head = {"kind": kind_of(result), "run_dir": data.pop("run_dir", None),
            "source_run": data.pop("source_run", None), "config": data.pop("config", {}),
            "verdicts": data.pop("verdicts", [])}
    return to_jsonable({**head, **data})


def from_json(cls: type[Any], data: Any) -> Any:
    """The ``cls`` result a results.json object holds, every field's type checked.

    Strict: a number is never read from a string, nor an integer from a float;
    unknown keys (a newer dropout-lab's) are ignored. A class whose stored
    form is not its fields' (a field written as two keys) rearranges the
    object first, in its ``from_stored(data) -> data`` classmethod. (Not a
    pydantic "before" validator: after one, pydantic validates the rest as
    Python objects, where a JSON array is no tuple.)

    Raises:
        ValueError: ``data`` is not a ``cls`` result (pydantic's ValidationError is one);
            the message names the first fields that are wrong.
    """
    if not isinstance(data, dict):
        raise ValueError(f"a result is a JSON object, not {type(data).__name__}")
    if data.get("kind") != cls.KIND:
        raise ValueError(f"a {cls.KIND} result must say kind {cls.KIND!r}, not "
                         f"{data.get('kind')!r}")
    arranged = getattr(cls, "from_stored", None)
    return parse(cls, arranged(data) if arranged else data)


def errors_line(exc: Any, most: int = 3) -> str:
    """A pydantic ValidationError in one line: ``field.path: message; ...``."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'the result'}: {e['msg']}"
             for e in exc.errors()[:most]]
    more = exc.error_count() - most
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def plain(value: Any) -> Any:
    """Any result part (a dataclass, a list of them...) as JSON values, as ``to_json`` writes it."""
    return to_jsonable(_adapter(type(value)).dump_python(value, mode="python", by_alias=True,
                                                         warnings=False))


def parse(cls: type[Any], data: Any) -> Any:
    """A ``cls`` read from JSON values (the inverse of ``plain``), every type checked strictly.

    Raises:
        ValueError: ``data`` is not a ``cls`` (the message names the first wrong fields).
    """
    from pydantic import ValidationError

    try:
        return _adapter(cls).validate_json(json.dumps(data, allow_nan=False), strict=True)
    except ValidationError as exc:
        raise ValueError(errors_line(exc)) from None


def schema(cls: type[Any]) -> dict[str, Any]:
    """The JSON Schema of a ``cls`` results.json: its head, then its own fields."""
    found = _adapter(cls).json_schema(mode="serialization", by_alias=True)
    properties = found.get("properties", {})
    head = {"kind": {"const": cls.KIND, "type": "string"},
            "run_dir": properties.pop("run_dir", {"type": "null"}),
            "source_run": properties.pop("source_run", {"type": "null"}),
            "config": properties.pop("config", {"type": "object"}),
            "verdicts": properties.pop("verdicts", {"type": "array", "maxItems": 0})}
    found["properties"] = {**head, **properties}
    found["required"] = list(HEAD) + [k for k in found.get("required", []) if k not in HEAD]
    found["title"] = f"dropout-lab {cls.KIND} result"
    return found
