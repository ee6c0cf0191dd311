"""The package's shape: no import cycles, late imports only of heavy modules, a fast --help."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dropout_lab"
#: Third-party modules worth importing late: each costs a large part of a second or more.
HEAVY = {"tensorflow", "keras", "scipy", "matplotlib", "numpy", "h5py", "torch", "jax", "flax",
         "equinox", "jinja2", "pydantic", "pydantic_core", "tomli_w", "onnx", "onnxruntime",
         "onnxscript", "tf2onnx", "ai_edge_litert", "ray",
         # rich (45 ms): imported when there is output to show, never for --help
         "rich", "mlflow", "tensorboard"}
#: Standard-library modules worth importing late too (tens of milliseconds --help need not pay).
HEAVY_STDLIB = ("importlib.metadata", "urllib.request")  # urllib.request: http.client, email


#: Modules only some platforms have, imported where they are used (--help works without them).
PLATFORM_ONLY = ("fcntl",)


def is_heavy(name: str) -> bool:
    """True for a module in HEAVY (or inside one), in HEAVY_STDLIB or PLATFORM_ONLY."""
    return (name.split(".")[0] in HEAVY or name.startswith(HEAVY_STDLIB)
            or name in PLATFORM_ONLY)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(modules imported at module level, modules imported inside functions)."""
    tree = ast.parse(path.read_text())
    top, late = set(), set()
    module = _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = _targets(node, module, path)
            inside = any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef))
                         for p in _parents(tree, node))
            (late if inside else top).update(names)
    return top, late


def _targets(node, module: str, path: Path) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for _ in range(node.level - 1):
            package = package.rsplit(".", 1)[0]
        base = f"{package}.{base}" if base else package
    # ``from pkg import module`` imports pkg.module (pkg itself is an empty __init__)
    submodules = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES}
    return submodules if len(submodules) == len(node.names) else {base} | submodules


def _parents(tree, target):
    parents, stack = {}, [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            parents[child] = node
            stack.append(child)
    node = target
    while node in parents:
        node = parents[node]
        yield node


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _own(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES}


def _cycle() -> list[str] | None:
    """A cycle among dropout_lab's modules (top-level and late imports alike), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        top, late = GRAPH[name]
        for nxt in sorted(_own(top | late)):
            if nxt == name or nxt.startswith(name + "."):
                continue  # a package importing its own submodule
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[name] = 2
        return None

    for module in sorted(MODULES):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle():
    assert _cycle() is None, " -> ".join(_cycle())


def _heavy(name: str, seen: frozenset = frozenset()) -> bool:
    """True when importing ``name`` imports a heavy third-party module (at module level).

    A module that declares a result class (``@record``) imports pydantic when it is imported.
    """
    top, _ = GRAPH[name]
    if any(is_heavy(n) for n in top) or "\n@record\n" in MODULES[name].read_text():
        return True
    return any(_heavy(n, seen | {name}) for n in _own(top) if n not in seen and n != name)


def test_late_imports_are_only_of_heavy_modules():
    light_late = sorted(f"{name} imports {target} inside a function"
                        for name, (_, late) in GRAPH.items() for target in late
                        if not (is_heavy(target)
                                or (target in MODULES and _heavy(target))))
    assert light_late == []


def test_there_are_no_leftovers_of_the_old_layout():
    assert not (PACKAGE / "experiments").exists() and not (PACKAGE / "render").exists()
    assert {p.name for p in PACKAGE.iterdir() if p.suffix == ".py"} == {
        "__init__.py", "__main__.py", "cli.py"}


def test_cli_and_configs_import_no_heavy_module():
    light = [name for name in MODULES
             if name.endswith((".commands", ".config", ".registry", ".verdict", ".results"))
             or name in ("dropout_lab.cli", "dropout_lab")]
    code = ("import sys\n" + "".join(f"import {name}\n" for name in light)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            + repr(sorted(HEAVY)) + "))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def _fastest_of_five(argv: list[str], env: dict[str, str]) -> float:
    """The fastest of five runs after one to warm up: a busy machine slows some, never all."""
    subprocess.run(argv, check=True, capture_output=True, env=env)  # writes the bytecode
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_answers_within_0_15_seconds_of_python_itself(flag, tmp_path):
    # Against the interpreter's own start measured in the same run: the environment's
    # site-packages (.pth files) cost 0.05-0.15 s before any of dropout-lab's code runs.
    # With bytecode, as an installed copy has it (pip compiles it); without, compiling
    # dropout-lab's modules costs 0.05-0.08 s a run (PYTHONDONTWRITEBYTECODE is set here).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")  # nothing written in the tree
    floor = _fastest_of_five([sys.executable, "-c", "pass"], env)
    took = _fastest_of_five([sys.executable, "-m", "dropout_lab", flag], env)
    assert took - floor <= 0.15, (took, floor)


def test_help_needs_no_posix_only_module():
    """``--help`` works where fcntl (and the other POSIX-only modules) do not exist: each is
    made unimportable before dropout-lab is imported."""
    code = ("import sys\n"
            "for name in ('fcntl', 'resource', 'termios', 'pty', 'pwd', 'grp'):\n"
            "    sys.modules[name] = None  # import raises ImportError, as on Windows\n"
            "from dropout_lab.cli import main\n"
            "main(['--help'], standalone_mode=False)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Settle how dropout really behaves" in done.stdout
