"""What the linters cannot check: every suppression names its rule and says why.

ruff checks that a ``noqa`` names a rule (PGH004) that still fires (RUF100), mypy that a
``type: ignore`` names its error code and is still needed (ignore-without-code,
warn_unused_ignores); the reason is checked here. A ``noqa`` carries it after its codes,
``# noqa: BLE001  (a user's layer may raise anything)``; a ``type: ignore`` after its
codes as a comment of its own, or on the comment line just above it.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("dropout_lab", "tests", "scripts", "benchmarks")  # what ruff checks
NOQA = re.compile(r"#\s*(?:ruff:\s*)?noqa\b(?P<rest>.*)", re.IGNORECASE)
NOQA_EXPLAINED = re.compile(r":\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*\s+\S")
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)")
IGNORE_EXPLAINED = re.compile(r"\[[a-z-]+(?:\s*,\s*[a-z-]+)*\]\s+#\s*\S")


def _sources() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")
                  if (ROOT / "tests" / "data") not in path.parents)


def _comments(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every comment of ``path`` (strings are not comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(token.start[0], token.string) for token in tokens
            if token.type == tokenize.COMMENT]


def _unexplained(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for number, comment in _comments(path):
        if (match := NOQA.search(comment)) and not NOQA_EXPLAINED.match(match["rest"]):
            found.append(f"{path.relative_to(ROOT)}:{number}: {comment}")
        elif (match := IGNORE.search(comment)) and not IGNORE_EXPLAINED.match(match["rest"]):
            above = lines[number - 2].strip() if number > 1 else ""
            if not (match["rest"].startswith("[") and above.startswith("#")):
                found.append(f"{path.relative_to(ROOT)}:{number}: {comment}")
    return found


def test_every_noqa_and_type_ignore_names_its_rule_and_says_why():
    found = [line for path in _sources() for line in _unexplained(path)]
    assert not found, "suppressions without a rule and a reason:\n" + "\n".join(found)


@pytest.mark.parametrize("source, ok", [
    ("import keras  # noqa: E402  (after the quiet TF import)\n", True),
    ("x = 1  # noqa: E731, B023  (bound above)\n", True),
    ("x = 1  # noqa: E731\n", False),
    ("x = 1  # noqa\n", False),
    ("x = 1  # NOQA (no code)\n", False),
    ("x = f(y)  # type: ignore[arg-type]  # the stub is wrong\n", True),
    ("# the stub is wrong\nx = f(y)  # type: ignore[arg-type]\n", True),
    ("x = f(y)  # type: ignore[arg-type]\n", False),
    ("x = f(y)  # type: ignore  # no code\n", False),
    ("s = '# noqa'  # a string, not a suppression\n", True),
])
def test_the_check_tells_explained_from_unexplained(tmp_path, monkeypatch, source, ok):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    path = tmp_path / "example.py"
    path.write_text(source, encoding="utf-8")
    assert (_unexplained(path) == []) == ok
