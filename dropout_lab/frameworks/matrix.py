"""One matrix row per implementation, from its worker's answer, and its documentation check.

Each cell is a measured result: the rate's meaning and the scaling from the
probe's rows (exact interval of the dropped fraction; kept multiplier to
rtol 1e-6), the test-time output, the axes the mask is constant along, what
rate 1 and the invalid rates -0.1, 1.5 and NaN do in training mode (output
and gradient), and how masks are seeded. A silently accepted invalid rate is
a finding and is listed as such. The documentation check compares the
documented facts (``catalog``) with the measured ones at every rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from dropout_lab.core.verdict import Verdict, check
from dropout_lab.dropouts import classify, registry
from dropout_lab.dropouts import probing as probe
from dropout_lab.frameworks import catalog

INVALID = ("-0.1", "1.5", "NaN")


@dataclass(frozen=True)
class MatrixRow:
    """One implementation, measured; ``pointer`` locates its numbers in results.json."""

    name: str
    framework: str
    version: str
    rate_means: str  # drop | keep | neither | undecidable | inconsistent | fails
    scaling: str  # inverted | vanilla | none | other | affine | mixed | fails
    test_time: str  # identity | scaled_by_keep | other | n/a (a function) | fails
    switch: str  # the documented test-time switch
    shared_argument: str  # the documented way to share a mask
    shared_axes: str  # measured, e.g. "[2] (length)", "none"
    rate_one: str  # training-mode output and gradient at rate 1
    accepted_invalid: list[str]  # invalid rates taken without an exception: findings
    invalid: dict[str, str]  # label -> behaviour
    new_process_same_mask: bool | None  # same seed, another process: the same draw?
    same_seed_same_mask: bool | None  # same seed, rebuilt in the same process
    two_calls_differ: bool | None
    default_call: str  # built and called with defaults only
    warnings: list[str]
    mismatches: list[str]  # documented facts the measurement contradicts
    pointer: str  # JSON pointer of the raw answer in results.json


def summarise(answer: dict, second_sha: str | None, index: int) -> MatrixRow:
    """A row from a worker's answer for one implementation (``measure._one``)."""
    impl = registry.known(answer["name"])
    rows = [probe.row_from_json(r) for r in answer["rows"]]
    measured = [r for r in rows if r.stats is not None and 0 < r.rate < 1]
    docs = catalog.documented(impl.name)
    meaning = probe.overall_meaning(rows) if measured else "fails"
    scaling = _one_of({_scaling(r) for r in measured})
    test_time = _one_of({r.stats.test_time for r in measured if r.stats is not None})
    seeding = answer["seeding"]
    invalid = {label: answer["edges"][label] for label in INVALID}
    failed = [f"rate {r.rate:g}: {r.behaviour}" for r in rows if r.stats is None]
    return MatrixRow(
        name=impl.name, framework=answer["framework"], version=answer["version"],
        rate_means=meaning, scaling=scaling, test_time=test_time, switch=docs.switch,
        shared_argument=docs.shared, shared_axes=_axes(measured, impl),
        rate_one=answer["edges"]["1"],
        accepted_invalid=[label for label, said in invalid.items()
                          if not said.startswith("raises")],
        invalid=invalid,
        new_process_same_mask=(None if "sha256" not in seeding or second_sha is None
                               else seeding["sha256"] == second_sha),
        same_seed_same_mask=seeding.get("same_seed_same_draw"),
        two_calls_differ=seeding.get("two_calls_differ"),
        default_call=answer["default_call"], warnings=answer["warnings"],
        mismatches=failed + _mismatches(docs, meaning, scaling, test_time),
        pointer=f"/implementations/{index}")


def _scaling(row) -> str:
    if row.stats.multipliers.kind == "affine":
        return "affine"
    return row.stats.scaling


def _one_of(values: set[str]) -> str:
    if not values:
        return "fails"
    return values.pop() if len(values) == 1 else "mixed"


def _axes(measured: list, impl) -> str:
    found = {tuple(r.stats.shared_axes) for r in measured if r.stats.shared_axes is not None}
    if not found:
        return "none" if measured else "—"
    if len(found) > 1:
        return "varies with the rate"
    axes = list(found.pop())
    if not axes:
        return "none"
    names = classify.axis_names(impl.rank, impl.layout)
    return f"{axes} ({', '.join(names[a] for a in axes)})"


def _mismatches(docs: catalog.Documented, meaning: str, scaling: str,
                test_time: str) -> list[str]:
    """Where the measured row differs from the documentation ("fails" is reported apart)."""
    found = []
    if docs.meaning and meaning not in (docs.meaning, "fails"):
        found.append(f"rate means {meaning}, documented: {docs.meaning}")
    if docs.scaling and scaling not in (docs.scaling, "fails"):
        found.append(f"scaling is {scaling}, documented: {docs.scaling}")
    if test_time not in ("identity", "n/a", "fails"):
        found.append(f"test-time output is {test_time}, documented: identity")
    return found


def verdict(row: MatrixRow, rates: list[float], alpha: float) -> Verdict:
    """Does the implementation do what its documentation says, at every measured rate?"""
    docs = catalog.documented(row.name)
    evidence = (f"{row.name} ({row.framework} {row.version}): rate means {row.rate_means}, "
                f"scaling {row.scaling}, test time {row.test_time}, mask shared along "
                f"{row.shared_axes}")
    if row.mismatches:
        evidence += "; differs from its documentation: " + "; ".join(row.mismatches)
    test = (f"at rates {', '.join(f'{r:g}' for r in rates)}: exact Clopper-Pearson interval of "
            f"the dropped fraction at level {alpha:.3g} covers rate (drop) or 1 - rate (keep); "
            "kept multiplier = 1/(1 - rate) to rtol 1e-6 (inverted) or affine in x (alpha); "
            "test-time output = input exactly")
    return check(f"docs:{row.name}", docs.quote, not row.mismatches, evidence, test)
