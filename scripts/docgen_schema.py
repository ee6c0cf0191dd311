"""docs/results.md's schema tables and docs/schema/<kind>.schema.json, from the result classes.

Each kind's JSON Schema is ``core.results.schema(Result)``, the one every
results.json is validated against; the files are written exactly as that
function returns it. The tables name each top-level key of a kind's result
after the common head, its type (read from the schema) and what it holds
(the field's comment in the class's source, or the docstring pydantic put in
the schema), so a field added to a result class shows up here by itself.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import textwrap
import tokenize
from pathlib import Path
from typing import Any

from dropout_lab.core import kinds, results

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "docs" / "schema"
INTERVAL_KEYS = {"estimate", "low", "high", "confidence"}


def result_class(kind: str) -> type:
    return kinds.experiment(kind).Result


def schema_text(kind: str) -> str:
    """The file docs/schema/<kind>.schema.json holds."""
    return json.dumps(results.schema(result_class(kind)), indent=2, ensure_ascii=False) + "\n"


def schema_files() -> dict[Path, str]:
    """Every schema file and the text it must hold."""
    return {SCHEMAS / f"{kind}.schema.json": schema_text(kind) for kind in kinds.names()}


def write_schemas() -> list[Path]:
    """Write the schema files that differ (and remove those of kinds no longer registered)."""
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    wanted, changed = schema_files(), []
    for path, text in wanted.items():
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    for path in SCHEMAS.glob("*.schema.json"):
        if path not in wanted:
            path.unlink()
            changed.append(path)
    return changed


def stale_schemas() -> list[Path]:
    """Schema files missing, different from the classes', or of no registered kind."""
    wanted = schema_files()
    stale = [p for p, text in wanted.items() if not p.is_file() or p.read_text() != text]
    return stale + [p for p in SCHEMAS.glob("*.schema.json") if p not in wanted]


def type_text(prop: dict[str, Any]) -> str:
    """A property's type in a few words: ``number or null``, ``list of Verdict``, ``interval``."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "const" in prop:
        return json.dumps(prop["const"])
    if "anyOf" in prop:
        return " or ".join(dict.fromkeys(type_text(p) for p in prop["anyOf"]))
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items") or (prop.get("prefixItems") or [{}])[0]
        return f"list of {type_text(items)}" if items else "list"
    if kind == "object":
        if set(prop.get("properties", {})) == INTERVAL_KEYS:
            return "interval"
        values = prop.get("additionalProperties")
        if isinstance(values, dict) and values:
            return f"object of {type_text(values)}"
        return "object"
    if kind == "string" and prop.get("format") == "path":
        return "string (path)"
    return kind


def field_comments(cls: type) -> dict[str, str]:
    """Each field's comment in the class's source: on its line, else the lines just above."""
    source = textwrap.dedent(inspect.getsource(cls))
    lines = source.splitlines()
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    found = {}
    for node in ast.parse(source).body[0].body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            text = comments.get(node.lineno) or comments.get(node.end_lineno or node.lineno)
            above, line = [], node.lineno - 1
            while line in comments and lines[line - 1].strip().startswith("#"):
                above.insert(0, comments[line])
                line -= 1
            found[node.target.id] = text or " ".join(above)
    return found


def docstring_attributes(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of a Google-style class docstring: name -> text."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    if "Attributes:" not in lines:
        return {}
    found: dict[str, str] = {}
    name = None
    for line in lines[lines.index("Attributes:") + 1:]:
        if not line.strip() or not line.startswith(" "):
            break
        head, colon, text = line.strip().partition(": ")
        if line.startswith("    ") and not line.startswith("     ") and colon:
            name, found[head] = head, text
        elif name is not None:
            found[name] += " " + line.strip()
    return found


def key_table(kind: str) -> str:
    """The markdown table of a kind's own top-level keys (after the head)."""
    cls = result_class(kind)
    found = results.schema(cls)
    notes = {}
    for base in reversed(cls.__mro__[:-1]):
        if base.__module__.startswith("dropout_lab"):
            notes.update(docstring_attributes(base))
            notes.update({k: v for k, v in field_comments(base).items() if v})
    aliases = {f.alias: name for name, f in _fields(cls).items() if getattr(f, "alias", None)}
    rows = ["| key | type | what it holds |", "|---|---|---|"]
    for key, prop in found["properties"].items():
        if key in results.HEAD:
            continue
        note = prop.get("description") or notes.get(aliases.get(key, key), "")
        rows.append(f"| `{key}` | {type_text(prop)} | {_cell(note) or '—'} |")
    return "\n".join(rows)


def _fields(cls: type) -> dict[str, Any]:
    return dict(getattr(cls, "__pydantic_fields__", {}))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def config_of(kind: str) -> str:
    """The name of a kind's config class, as the schema names it."""
    return kinds.config_class(kind).__name__


def kinds_section() -> str:
    """One subsection per kind: its config, its own keys, its full schema file."""
    parts = []
    for kind in kinds.names():
        cls = result_class(kind)
        doc = _cell((cls.__doc__ or "").strip().split("\n\n")[0])
        parts += [f"### {kind}", "",
                  f"{doc} `config`: {config_of(kind)}, the options of "
                  f"[`dropout-lab {kind}`](cli.md#dropout-lab-{kind}). "
                  f"Full schema: [schema/{kind}.schema.json](schema/{kind}.schema.json).", "",
                  key_table(kind), ""]
    return "\n".join(parts).rstrip()
