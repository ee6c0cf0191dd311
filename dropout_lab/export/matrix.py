"""One matrix cell per (route, net) from the exporter's and the runtime's answers; its verdict.

The tests of a cell (all stated in ``TEST``):

- deterministic: ``calls`` calls on the same probe inputs give bit-identical
  outputs (exact);
- equals inference: max |first call - the framework's inference output| <=
  ``ATOL + RTOL[runtime] * max |inference output|`` (``config``);
- when the calls differ, the mean of ``mean_calls`` more calls is within
  ``z * sd / sqrt(mean_calls) + bound`` of the inference output for every
  probe input (CLT; every net is linear after its dropout, so a correctly
  scaled dropout left active has exactly the inference output as its mean);
  ``z`` two-sided at ``false_alarm`` split over every output of every cell
  (Bonferroni).

What a deterministic artifact that misses the inference output computes is
named when it matches, within the same bound, what the exporting process
computed for the alternatives: the vanilla net without its x keep
(``keep_lost``), or the exported function's own training-mode draw
(``baked``: a mask fixed at export). Pure NumPy, no framework.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dropout_lab.core.verdict import Verdict
from dropout_lab.export.config import ATOL, RTOL
from dropout_lab.export.routes import Route

#: A cell's behaviour, in the words of the matrix.
BEHAVIOURS = {
    "off": "off (= inference)",
    "random": "RANDOM each call",
    "baked": "FIXED mask baked in",
    "keep_lost": "x keep LOST",
    "wrong": "WRONG, deterministic",
    "export_fails": "exporter refuses",
    "load_fails": "runtime refuses it",
    "call_fails": "runtime fails on a call",
    "not_installed": "not installed",
}


@dataclass(frozen=True)
class Cell:
    """One net exported along one route and run in the route's runtime, measured."""

    net: str
    layer: str | None  # the dropout layer's class in the exporting framework
    behaviour: str  # a key of BEHAVIOURS
    max_delta: float | None  # max |first call - inference output|
    bound: float | None  # the tolerance max_delta is held to
    identical: bool | None  # every call bit-identical
    mean_ok: bool | None  # random: the mean of the draws equals the inference output
    mean_z: float | None  # random: largest |mean - inference| / standard error
    nodes: list[str]  # dropout / random nodes of the artifact's graph, with their mode
    active: bool | None  # a node that draws at run time, by the graph's own words
    unsupported: list[str]  # ops the artifact's format does not define
    unoptimized: str | None  # onnxruntime with no graph rewrites: its behaviour
    error: str | None
    heard: list[str]  # what the exporter warned or logged
    runtime: str | None  # the runtime and its version
    pointer: str  # JSON pointer of the raw answers in results.json
    keep_gap: float | None = None  # vanilla net: max |inference - the net without x keep|


def bound(runtime: str, reference: np.ndarray) -> float:
    """The tolerance of ``runtime``'s outputs around ``reference`` (see ``config.RTOL``)."""
    return ATOL + RTOL[runtime] * float(np.abs(reference).max())


def behaviour(measured: dict, references: dict, draw: list[float] | None, tolerance: float,
              z: float) -> tuple[str, float, bool | None, float | None]:
    """(behaviour, max |delta|, mean_ok, mean_z) of one measurement (``running.measure``)."""
    first, reference = np.asarray(measured["first"]), np.asarray(references["inference"])
    delta = float(np.abs(first - reference).max())
    if not measured["identical"]:
        mean, sd = np.asarray(measured["mean"]), np.asarray(measured["sd"])
        se = sd / np.sqrt(measured["draws"])
        off = np.abs(mean - reference)
        ok = bool(np.all(off <= z * se + tolerance))
        spread = se > 0
        worst = float((off[spread] / se[spread]).max()) if spread.any() else None
        return "random", delta, ok, worst
    if delta <= tolerance:
        return "off", delta, None, None
    for name, alternative in (("keep_lost", references.get("unscaled")), ("baked", draw)):
        if alternative is not None and np.abs(first - np.asarray(alternative)).max() <= tolerance:
            return name, delta, None, None
    return "wrong", delta, None, None


def cell(route: Route, net: str, exported: dict, answer: dict | None, z: float,
         pointer: str) -> Cell:
    """A cell from the exporter's answer for this net (``exporting``) and the runtime's."""
    info, artifact = exported["nets"][net], exported["artifacts"][route.name][net]
    gap = (float(np.abs(np.asarray(info["inference"]) - np.asarray(info["unscaled"])).max())
           if "unscaled" in info else None)
    common = {"net": net, "layer": info.get("layer"), "heard": artifact["heard"],
              "pointer": pointer, "keep_gap": gap}
    if artifact["error"] is not None:
        return Cell(behaviour="export_fails", max_delta=None, bound=None, identical=None,
                    mean_ok=None, mean_z=None, nodes=[], active=None, unsupported=[],
                    unoptimized=None, error=artifact["error"], runtime=None, **common)
    if answer is None:  # written, yet its runtime process did not answer for it
        answer = {"error": "the runtime process gave no answer for this artifact",
                  "stage": "load"}
    if answer["error"] is not None:
        return Cell(behaviour=f"{answer['stage']}_fails", max_delta=None, bound=None,
                    identical=None, mean_ok=None, mean_z=None, nodes=answer.get("nodes", []),
                    active=None, unsupported=answer.get("unsupported", []), unoptimized=None,
                    error=answer["error"], runtime=None, **common)
    tolerance = bound(route.runtime, np.asarray(info["inference"]))
    draw = artifact.get("train_draw")
    said, delta, mean_ok, mean_z = behaviour(answer["served"], info, draw, tolerance, z)
    plain = answer.get("unoptimized")
    return Cell(behaviour=said, max_delta=delta, bound=tolerance,
                identical=answer["served"]["identical"], mean_ok=mean_ok, mean_z=mean_z,
                nodes=answer["nodes"], active=answer["active"],
                unsupported=answer["unsupported"],
                unoptimized=None if plain is None else behaviour(plain, info, draw, tolerance,
                                                                  z)[0],
                error=None, runtime=answer["runtime"], **common)


def not_installed(net: str, hint: str, pointer: str) -> Cell:
    """The cell of a route whose exporter or runtime is missing here: what brings it."""
    return Cell(net=net, layer=None, behaviour="not_installed", max_delta=None, bound=None,
                identical=None, mean_ok=None, mean_z=None, nodes=[], active=None,
                unsupported=[], unoptimized=None, error=hint, heard=[], runtime=None,
                keep_gap=None, pointer=pointer)


def outcome(found: Cell) -> str:
    """confirmed: off, nothing active in the graph; qualified: off, yet the graph holds an
    active node (a runtime's rewrite removed it); refuted: anything else measured."""
    if found.behaviour in ("export_fails", "load_fails", "call_fails", "not_installed"):
        return "not measured"
    if found.behaviour != "off":
        return "refuted"
    return "qualified" if found.active or found.unoptimized not in (None, "off") else "confirmed"


def verdict(route: Route, found: Cell, test: str) -> Verdict:
    """Does the artifact compute the framework's inference output, dropout off?"""
    statement = (f"{route.exporter}, run in {route.runtime}: the {found.net} net's artifact "
                 f"computes the exporting framework's inference output (dropout off, "
                 "deterministic)")
    return Verdict(f"export:{route.name}/{found.net}", None, statement, outcome(found),
                   evidence(route, found), test,
                   {"max_abs_delta": found.max_delta, "bound": found.bound,
                    "mean_z": found.mean_z})


def evidence(route: Route, found: Cell) -> str:
    """What was measured, in words and numbers."""
    head = f"{found.net} net ({found.layer}) via {route.exporter}"
    if found.error is not None:
        return f"{head}: {BEHAVIOURS[found.behaviour]}: {found.error}"
    said = (f"{head}, run in {found.runtime}: {BEHAVIOURS[found.behaviour]}; max |Δ| vs "
            f"inference {found.max_delta:.3g} (bound {found.bound:.3g}); calls "
            f"{'bit-identical' if found.identical else 'differ'}")
    if found.mean_ok is not None:
        said += (f"; mean of the draws {'=' if found.mean_ok else '≠'} inference output "
                 f"(largest |mean - inference| / se = {found.mean_z:.3g})")
    said += f"; graph: {', '.join(found.nodes) or 'no dropout or random node'}"
    if found.heard:
        said += f"; the exporter said: {' | '.join(found.heard)}"
    if found.unoptimized is not None:
        said += f"; with no graph optimizations: {BEHAVIOURS[found.unoptimized]}"
    return said


def test_text(calls: int, batch: int, mean_calls: int, z: float, false_alarm: float) -> str:
    """The tests every cell is held to, with their bounds."""
    return (f"{calls} calls on {batch} probe inputs bit-identical (exact); max |artifact - "
            f"framework's inference output| <= {ATOL:g} + rtol * max |inference output|, "
            f"rtol {', '.join(f'{k} {v:g}' for k, v in RTOL.items())}; when calls differ, the "
            f"mean of {mean_calls} calls within z * se + that bound of the inference output "
            f"for every input, z = {z:.2f} (two-sided; false-alarm rate {false_alarm:g} over "
            "all outputs of the run, Bonferroni)")
