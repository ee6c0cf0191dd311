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

from typing import Any

from dropout_lab.core.verdict import OUTCOMES

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
