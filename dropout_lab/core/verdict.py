"""The one verdict type of dropout-lab, the claims it judges and their sources.

Every claim the project judges, C1-C12 from the five source documents
(S000-S004, see ``SOURCES``) and the Monte-Carlo averaging claim of the 2014
dropout paper (``MC``), has one owner command (``CLAIMS[id].command``); a
command that touches another's claim points to the owner instead of judging
it again. Checks that are not a source's claim (the numpy-demo gradient
check, the activation order...) use the same type with ``source = None``.

Outcomes, one vocabulary for every command:

- ``confirmed``: the measured test supports the claim as stated;
- ``refuted``: the test contradicts it;
- ``qualified``: it holds, with a measured qualification the source missed;
- ``inconclusive``: the test could not decide at this size (more seeds,
  repeats or rates would);
- ``not measured``: this run did not measure what the claim needs.

The method of every test is written once, in docs/methods.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dropout_lab.core.interval import Interval

OUTCOMES = ("confirmed", "refuted", "qualified", "inconclusive", "not measured")

#: The documents the project reproduces. "S" for source: an RNG seed is always a ``seed``.
SOURCES = {
    "S000": "Keras: train with Dropout(0.5), reload into a rate-0 model (blog post)",
    "S001": "hand-written dropout in NumPy: vanilla, inverted, as a layer (blog post)",
    "S002": "which layers does a Dropout layer affect? (Q&A thread)",
    "S003": "dropout in TensorFlow 2 on MNIST, with and without L2 (blog post)",
    "S004": "Keras Dropout with noise_shape (blog post)",
    "P2014": "Srivastava et al. 2014, Dropout: a simple way to prevent neural networks "
             "from overfitting, JMLR 15",
}


@dataclass(frozen=True)
class Claim:
    """A claim of a source document, as the source states it, and its owner command.

    ``reference`` is the verdict of the README's claims table: the full profile's
    (``reproduce --profile full``) on the reference machine. It is kept here, once, for
    everything that compares a run with the table (``reproduce``'s summary, the docs).
    """

    id: str
    source: str
    statement: str
    command: str  # the dropout-lab command that settles it
    reference: str | None = None  # the README's verdict (the full profile's); None: the
    # README's table has no row for it yet (no reference run of the claim's step)


CLAIMS = {claim.id: claim for claim in (
    Claim("C1", "S000", "Keras uses inverted dropout, so the rate need not change at test time",
          "compare", "confirmed"),
    Claim("C2", "S001", "vanilla dropout's test-time output without the x p (keep_prob) "
                        "scaling is badly shifted", "numpy-demo", "confirmed"),
    Claim("C3", "S001", "inverted dropout is preferred because vanilla's x p at test time "
                        "costs run time", "numpy-demo", "confirmed"),
    Claim("C4", "S001", "without dropout the train set overfits while test accuracy stalls; "
                        "with dropout test accuracy keeps rising", "mnist", "inconclusive"),
    Claim("C5", "S002", "only the outputs of the layer just before Dropout are zeroed "
                        "(a fraction `rate` of them)", "gradients", "confirmed"),
    Claim("C6", "S002", "earlier trainable layers are affected through their gradients; "
                        "frozen layers are not updated", "gradients", "confirmed"),
    Claim("C7", "S002", "Dropout(rate=1) lets zero gradient flow to earlier layers",
          "gradients", "qualified"),
    Claim("C8", "S002", "on 3-D input Dropout drops single entries unless "
                        "noise_shape=(batch, 1, features), which shares one mask over "
                        "timesteps; (1, 1, features) shares it over samples too", "noise-shape",
          "confirmed"),
    Claim("C9", "S003", "dropout + L2 gives lower test accuracy than dropout alone and than "
                        "L2 alone", "mnist", "confirmed"),
    Claim("C10", "S003", "tf.nn.dropout(y, rate=0.5) keeps each unit with probability rate",
          "probe", "refuted"),
    Claim("C11", "S003", "adding dropout makes training run a little faster", "mnist-speed",
          "refuted"),
    Claim("C12", "S004", "the batch entry of noise_shape may be None, resolved from the input "
                         "at call time", "noise-shape", "confirmed"),
    Claim("MC", "P2014", "averaging the predictions of about k = 50 dropout-sampled networks "
                         "matches the weight-scaled network (§7.5)", "mc-average", "qualified"),
    Claim("P2014-F9a", "P2014", "at a fixed width, training error is high at small keep_prob "
                                "(underfitting) and test error is flat for 0.4 <= keep_prob "
                                "<= 0.8, rising towards 1 (§7.3, Figure 9a)", "sweep", "refuted"),
    Claim("P2014-F9b", "P2014", "with keep_prob x n held fixed, test error is lowest near "
                                "keep_prob 0.6 (§7.3, Figure 9b)", "sweep", "inconclusive"),
    Claim("P2014-F10", "P2014", "dropout gives no gain on the smallest training sets, then a "
                                "gain that grows and later shrinks as the set grows (§7.4, "
                                "Figure 10)", "sweep", "qualified"),
)}


#: What a verdict's key numbers may be: an interval, a flag, a count, a measurement (NaN is
#: written as null), a text or a list (e.g. the shapes noise was drawn in).
Number = Interval | bool | int | float | str | list | None


@dataclass(frozen=True)
class Verdict:
    """A judged claim: the outcome, the numbers behind it and the test with its bound.

    Attributes:
        claim: the claim's id (``"C10"``), or a short id for a check that is
            not a source's claim (``"order"``).
        source: the document it comes from (``"S003"``), None for own checks.
        statement: the claim as the source states it.
        outcome: one of ``OUTCOMES``.
        evidence: what was measured, in words and numbers.
        test: the test and its bound (tolerance, or level and false-alarm rate).
        numbers: the key numbers: floats, or ``stats.Interval`` objects.
    """

    claim: str
    source: str | None
    statement: str
    outcome: str
    evidence: str
    test: str
    numbers: dict[str, Number] = field(default_factory=dict)

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; expected one of {OUTCOMES}")

    def key_number(self) -> str:
        """The verdict's key number (the first of ``numbers``) with its name, e.g. ``drop
        fraction 0.797 [0.7829, 0.8106]``; ``—`` when it has none."""
        if not self.numbers:
            return "—"
        name, value = next(iter(self.numbers.items()))
        name = name.replace("_", " ")
        if isinstance(value, Interval):
            return f"{name} {value.estimate:.4g} [{value.low:.4g}, {value.high:.4g}]"
        if isinstance(value, float):
            return f"{name} {value:.4g}"
        return "—" if value is None else f"{name} {value}"


#: A claim holds under these outcomes, fails under "refuted": the two sides that are opposite.
HOLDS = ("confirmed", "qualified")


def opposite(first: str, second: str) -> bool:
    """True when one outcome says the claim holds and the other that it is refuted."""
    return (first in HOLDS and second == "refuted") or (second in HOLDS and first == "refuted")


def judge(claim_id: str, outcome: str, evidence: str, test: str,
          numbers: dict[str, Any] | None = None) -> Verdict:
    """A Verdict on a catalogued claim (source and statement from ``CLAIMS``)."""
    claim = CLAIMS[claim_id]
    return Verdict(claim.id, claim.source, claim.statement, outcome, evidence, test,
                   numbers or {})


def check(check_id: str, statement: str, holds: bool, evidence: str, test: str,
          numbers: dict[str, Any] | None = None) -> Verdict:
    """A Verdict on one of dropout-lab's own checks (no source): confirmed or refuted."""
    return Verdict(check_id, None, statement, "confirmed" if holds else "refuted", evidence,
                   test, numbers or {})


def not_measured(claim_id: str, why: str) -> Verdict:
    """The verdict of a claim this run could not measure, saying why."""
    return judge(claim_id, "not measured", why, "not run")


def owned_elsewhere(claim_ids: list[str]) -> str:
    """A sentence pointing to the owners of claims a command touches but does not judge."""
    parts = [f"{c} by `dropout-lab {CLAIMS[c].command}`" for c in claim_ids]
    return "Related claims are settled elsewhere: " + ", ".join(parts) + "."
