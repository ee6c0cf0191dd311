"""The README's measured numbers, from the reference runs (docs/runs/).

``fill_runs`` evaluates a README paragraph written as an f-string over
``ref``: the reference runs' versions, wall times, counts and key numbers,
each read from a stored results.json or manifest.json. ``excerpt`` quotes a
few lines of what a reference run printed.
"""

from __future__ import annotations

import functools
import textwrap
from types import SimpleNamespace
from typing import Any

import docgen_facts as facts
import docgen_runs as runs

REPRODUCE = facts.REPRODUCE
WRAP = 100  # the README's line width
FRAMEWORK_NAMES = {"torch": "PyTorch", "jax": "JAX", "flax": "Flax", "equinox": "Equinox",
                   "keras": "Keras", "tensorflow": "TF"}


def minutes(seconds: float) -> str:
    """``4 min`` (``40 s`` under a minute)."""
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.0f} min"


def _step(name: str) -> dict[str, Any]:
    return next(s for s in runs.data(REPRODUCE)["steps"] if s["name"] == name)


def _versions(workers: list[dict[str, Any]]) -> str:
    """``torch 2.14.1, flax 0.12.8, ...``: each package once, in the workers' order."""
    found: dict[str, str] = {}
    for worker in workers:
        for package, version in worker["versions"].items():
            found.setdefault(package, version)
    return ", ".join(f"{package} {version}" for package, version in found.items())


def _vanilla_gap(path: str) -> float:
    """How far the vanilla hypothesis is off (max |f_r - g|) in a stored compare run."""
    return runs.data(path)["checks"]["vanilla"]["statistic"]


@functools.cache
def ref() -> SimpleNamespace:
    """The reference runs' numbers the README quotes."""
    reproduce = runs.data(REPRODUCE)
    frameworks = runs.data(f"{REPRODUCE}/frameworks")
    versions = runs.manifest(REPRODUCE)["versions"]
    load = reproduce["environment"]["start"]
    compare_rates = {name: runs.data(name)["config"]["rate"]
                     for name in ("compare-torch", "compare-jax")}
    assert len(set(compare_rates.values())) == 1, compare_rates  # one rate in the sentence
    return SimpleNamespace(
        tensorflow=versions.get("tensorflow", "?"), keras=versions.get("keras", "?"),
        tf_short=".".join(versions.get("tensorflow", "?").split(".")[:2]),
        keras_short=".".join(versions.get("keras", "?").split(".")[:2]),
        reproduce_minutes=minutes(reproduce["wall_seconds"]),
        cpus=load["cpus"], load=load["load_1min"],
        mnist_minutes=minutes(_step("mnist-s003")["wall_seconds"]),
        frameworks_rows=len(frameworks["matrix"]),
        frameworks_workers=len(frameworks["workers"]),
        frameworks_seconds=f"{frameworks['wall_seconds']:.0f} s",
        frameworks_jobs=frameworks["config"]["jobs"],
        frameworks_versions=_versions(frameworks["workers"]),
        torch_gap=_vanilla_gap("compare-torch"), jax_gap=_vanilla_gap("compare-jax"),
        torch_classification=runs.data("compare-torch")["classification"],
        jax_classification=runs.data("compare-jax")["classification"],
        torch_diff=runs.data("compare-torch")["max_abs_diff"],
        jax_diff=runs.data("compare-jax")["max_abs_diff"],
        compare_rate=compare_rates["compare-torch"])


def fill_runs(template: str) -> str:
    """``template`` as an f-string over ``ref()`` (and ``facts.fill``'s names)."""
    return facts.fill(template, ref=ref(), minutes=minutes)


def excerpt(path: str, start: str, lines: int) -> str:
    """A console block: the reference run's command and ``lines`` lines of what it printed,
    from the first line starting with ``start`` ("..." where it goes on)."""
    printed = runs.rendered(path).splitlines()
    first = next(i for i, line in enumerate(printed) if line.startswith(start))
    shown = printed[first:first + lines]
    if first + lines < len(printed):
        shown[-1] += " ..."
    return "\n".join(["```console", f"$ {facts.shown_command(path)}", *shown, "```"])


#: README sentences with measured numbers, as f-strings over ``ref()`` (``readme(name)``).
README = {
    "measured": (
        "Its reference run ([docs/runs/](docs/runs/): TensorFlow {ref.tensorflow}, Keras "
        "{ref.keras}, CPU, {ref.cpus} cores, {ref.reproduce_minutes}; every output in "
        "[docs/transcripts.md](docs/transcripts.md)):"),
    "frameworks_compare": (
        "The reference runs at rate {ref.compare_rate:g}: PyTorch {ref.torch_classification} "
        "(max |f_r − f_0| = {ref.torch_diff:.3g}, the vanilla hypothesis off by "
        "{ref.torch_gap:.3g}), Flax NNX {ref.jax_classification} ({ref.jax_diff:.3g}, "
        "{ref.jax_gap:.3g})."),
    "reproduce_time": (
        "the reference run took {ref.reproduce_minutes} on {ref.cpus} cores (load average "
        "{ref.load:.1f} at its start), its S003 sweep {ref.mnist_minutes}."),
    "frameworks_run": (
        "In the reference run: {ref.frameworks_rows} rows from {ref.frameworks_workers} worker "
        "processes, {ref.frameworks_jobs} at a time, in {ref.frameworks_seconds}. What it found "
        "({ref.frameworks_versions}):"),
}


def readme(name: str) -> str:
    """README sentence ``name`` with today's reference numbers, wrapped at 100 columns."""
    return textwrap.fill(fill_runs(README[name]), width=WRAP, break_on_hyphens=False,
                         break_long_words=False)
