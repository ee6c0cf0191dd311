"""Verdicts of ``probe`` (C10) and ``noise-shape`` (C8, C12), from measured rows and axes.

Each function takes measured data and returns a ``Verdict`` quoting the
numbers it rests on; nothing here measures or imports an experiment.
C1, C7 (and the single-entry part of C8) touch the probe's tables too, but
are settled by ``compare``, ``gradients`` and ``noise-shape``.
"""

from __future__ import annotations

from dropout_lab.core.verdict import Verdict, judge, not_measured, owned_elsewhere

TF = "tf.nn.dropout"
RELATED = ("C1", "C7", "C8")  # in the probe's tables, settled by compare, gradients, noise-shape


def related_note() -> str:
    """Where the claims the probe's tables touch, but does not judge, are settled."""
    return owned_elsewhere(list(RELATED))


def c10(rows: list, meaning: dict[str, str], alpha: float) -> Verdict:
    """C10 from tf.nn.dropout's rows: which of rate and 1 - rate its drop fraction covers."""
    found = [r for r in rows if r.layer == TF and r.stats is not None and 0 < r.rate < 1]
    decisive = [r for r in found if r.stats.rate_means != "undecidable"]
    if not decisive:
        return not_measured("C10", f"{TF} was not probed at a rate other than 0.5")
    row = max(decisive, key=lambda r: abs(r.rate - 0.5))
    s = row.stats
    outcome = {"drop": "refuted", "keep": "confirmed"}.get(meaning.get(TF, ""), "qualified")
    interval = s.drop_fraction
    evidence = (f"{TF} (TensorFlow {row.framework_version}) at rate {row.rate:g} zeroed "
                f"{interval.estimate:.4f} [{interval.low:.4f}, {interval.high:.4f}] of "
                f"{s.units} entries; keeping with probability rate would zero "
                f"{1 - row.rate:g}: rate is the {meaning.get(TF)} probability")
    at_half = [r for r in found if r.rate == 0.5]
    if at_half:
        evidence += (f" (at rate 0.5 both readings give 0.5, so S003's example cannot "
                     f"tell them apart: measured {at_half[0].stats.drop_fraction.estimate:.4f})")
    test = (f"exact Clopper-Pearson interval of the dropped fraction at level {alpha:.3g} "
            "covers rate (drop) or 1 - rate (keep)")
    return judge("C10", outcome, evidence, test, {"drop_fraction": interval, "rate": row.rate})


def c8(layer: str, rate: float, draws: int, axes: list, control: list, shared: list[int],
       input_shape: list[int], noise_shape: list) -> Verdict:
    """C8 from the axes measured with noise_shape and without it (the control)."""
    test = (f"in every one of {draws} draws, every slice along an axis carries the same mask "
            "(shared) or not (independent); expected: shared exactly where noise_shape is 1")
    if any(a.measured == "undetermined" for a in axes + control):
        return judge("C8", "not measured", f"{layer} at rate {rate:g} added no noise in "
                     f"{draws} draws: no mask to compare", test)
    plain_shared = [a.axis for a in control if a.measured == "shared"]
    independent = [a.axis for a in axes if a.measured == "independent"]
    verified = all(a.verified for a in axes) and not plain_shared
    evidence = (f"{layer} on input {tuple(input_shape)}: without noise_shape the mask was shared "
                f"along axes {plain_shared} (single entries dropped); with noise_shape "
                f"{tuple(noise_shape)} it was constant along axes {shared} in all {draws} draws "
                f"and varied along {independent}; noise_shape has 1 on axes "
                f"{[a.axis for a in axes if a.expected == 'shared']}")
    return judge("C8", "confirmed" if verified else "refuted", evidence, test,
                 {"shared_axes": shared, "shared_axes_without_noise_shape": plain_shared})


def c12(layer: str, none_check: dict | None, input_shape: list[int], noise_shape: list,
        resolved: list[int]) -> Verdict:
    """C12: the same layer object on an input whose None axes are longer."""
    test = "the same layer object runs on two batch sizes and shares its mask as declared on both"
    if none_check is None:
        return judge("C12", "not measured", "noise_shape has no None entry", test)
    first, second = tuple(input_shape), tuple(none_check["input_shape"])
    if not none_check["ran"]:
        return judge("C12", "refuted", f"on input {second}: {none_check['error']}", test)
    later = tuple(d if n is None else n for d, n in zip(second, noise_shape, strict=True))
    shared = f"constant along axes {none_check['shared_axes']}"
    evidence = (f"the same {layer} object (noise_shape {tuple(noise_shape)}) ran on inputs "
                f"{first} and {second}, i.e. with noise shapes {tuple(resolved)} and {later}; "
                f"on the second input the mask was "
                + (shared if none_check["axes_as_expected"] else f"not {shared}"))
    return judge("C12", "confirmed" if none_check["axes_as_expected"] else "qualified",
                 evidence, test, {"noise shapes": f"{tuple(resolved)} and {later}"})
