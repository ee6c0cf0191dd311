"""Verdicts on the seeds' layer-level claims, from a probe's rows and edges.

C1  (seed 000) Keras uses inverted dropout.
C7  (seed 002) ``Dropout(rate=1)`` lets zero gradient flow.
C8  (seed 002) on 3-D input Dropout drops single entries (no shared axes).
C10 (seed 003) ``tf.nn.dropout(y, rate=0.5)`` keeps each unit with probability rate.

Each verdict quotes the row it rests on; an implementation that was not
probed gives ``not measured``.
"""

from __future__ import annotations

from dropout_lab.experiments import probe

KERAS, TF = "keras.layers.Dropout", "tf.nn.dropout"


def claims(rows: list, meaning: dict[str, str], edges: dict[str, dict[str, str]]) -> list:
    """The Claim list for a probe (see the module docstring)."""
    return [_c1(rows), _c7(edges), _c8(rows), _c10(rows, meaning)]


def _measured(rows: list, name: str) -> list:
    return [r for r in rows if r.layer == name and r.stats is not None and 0 < r.rate < 1]


def _missing(claim: str, statement: str, name: str, what: str = "was not probed"):
    return probe.Claim(claim, statement, "not measured", f"{name} {what}")


def _most_asymmetric(rows: list):
    return max(rows, key=lambda r: abs(r.rate - 0.5))


def _c1(rows: list):
    statement = "Keras uses inverted dropout (x 1/keep in training, identity at test)"
    found = _measured(rows, KERAS)
    if not found:
        return _missing("C1", statement, KERAS)
    row = _most_asymmetric(found)
    s = row.stats
    inverted = all(r.stats.scaling == "inverted" for r in found)
    kept = ", ".join(f"{v:.6g}" for v in s.multipliers.values)
    evidence = (f"{KERAS} {row.framework_version} at rate {row.rate:g}: kept entries x {{{kept}}}"
                f" (1/keep = {1 / (1 - row.rate):.6g}), test time {s.test_time}, E[out]/E[in] = "
                f"{s.mean_ratio:.4f} [{s.mean_ratio_ci[0]:.4f}, {s.mean_ratio_ci[1]:.4f}]; "
                f"scaling at rates {', '.join(f'{r.rate:g}' for r in found)}: "
                f"{', '.join(r.stats.scaling for r in found)}")
    return probe.Claim("C1", statement, "confirmed" if inverted else "refuted", evidence)


def _c7(edges: dict[str, dict[str, str]]):
    statement = "Dropout(rate=1) lets zero gradient flow"
    if KERAS not in edges:
        return _missing("C7", statement, KERAS, "was not probed at the edge rates (--edges)")
    behaviour = edges[KERAS]["1"]
    verdict = ("qualified" if "gradient is None" in behaviour else
               "confirmed" if "gradient is zero" in behaviour else "refuted")
    note = (" (tape.gradient returns None, no gradient at all, rather than a zero tensor)"
            if verdict == "qualified" else "")
    return probe.Claim("C7", statement, verdict, f"{KERAS}(rate=1) {behaviour}{note}")


def _c8(rows: list):
    statement = "on 3-D input (batch, timesteps, features) Dropout drops single entries"
    found = _measured(rows, KERAS)
    if not found:
        return _missing("C8", statement, KERAS)
    shared = [r.stats.shared_axes for r in found]
    independent = all(axes == [] for axes in shared)
    row = found[0]
    evidence = (f"{KERAS} on a {tuple(row.input_shape)} input: axes along which the mask is "
                f"constant = {shared[0]} at rate {row.rate:g} "
                f"({len(found)} rate(s) measured: {shared}); the noise_shape part: "
                "`dropout-lab noise-shape`")
    return probe.Claim("C8", statement, "confirmed" if independent else "refuted", evidence)


def _c10(rows: list, meaning: dict[str, str]):
    statement = "tf.nn.dropout(y, rate=0.5) keeps each unit with probability rate"
    found = _measured(rows, TF)
    decisive = [r for r in found if r.stats.rate_means != "undecidable"]
    if not decisive:
        return _missing("C10", statement + " (needs a rate other than 0.5)", TF)
    row = _most_asymmetric(decisive)
    s = row.stats
    verdict = {"drop": "refuted", "keep": "confirmed"}.get(meaning.get(TF, ""), "qualified")
    low, high = s.drop_fraction_ci
    evidence = (f"{TF} (TensorFlow {row.framework_version}) at rate {row.rate:g} zeroed "
                f"{s.drop_fraction:.4f} [{low:.4f}, {high:.4f}] of {s.units} entries; keeping "
                f"with probability rate would zero {1 - row.rate:g}: rate is the "
                f"{meaning.get(TF)} probability")
    at_half = [r for r in found if r.rate == 0.5]
    if at_half:
        evidence += (f" (at rate 0.5 both readings give 0.5, so the seed's example cannot "
                     f"tell them apart: measured {at_half[0].stats.drop_fraction:.4f})")
    return probe.Claim("C10", statement, verdict, evidence)
