"""The one plain sentence that answers what ``compare`` was run for: what does this dropout do?

Each sentence says only what the three checks measured: the test-time net
against the rate-0 reload (unchanged: check 1) or against the reload scaled
by keep (check 2), and the training-mode average against the test-time net
(check 3). "Scales kept units by 1/keep during training" is what checks 1
and 3 together show for a 0/1 mask: the training-mode mean equals the
unchanged test-time net only if the kept units were scaled up by 1/keep.
"""

from __future__ import annotations

from dropout_lab.dropouts import registry

KERAS_DROPOUT = "keras.layers.Dropout"


def plain_answer(result) -> str:
    """The answer in one sentence, for a newcomer; the f_r / f_0 / g detail follows it."""
    who = "Keras" if result.layer_class == KERAS_DROPOUT else result.layer_class
    rate = result.config.rate
    keep = 1.0 - rate
    noise = getattr(registry.builtin(result.config.implementation), "noise", "bernoulli")
    found = result.classification
    if found == "inverted" and noise == "continuous":
        return (f"{who} multiplies units by random noise of mean 1 during training and does "
                "nothing at test time: on average the trained net is its test-time net, as "
                "with inverted dropout, though nothing is dropped.")
    if found == "inverted" and noise == "additive":
        return (f"{who} adds zero-mean noise during training and does nothing at test time: "
                "nothing is dropped or rescaled, and on average the trained net is its "
                "test-time net.")
    if found == "inverted":
        return (f"{who} scales kept units by 1/keep (× {1 / keep:.3g} at rate {rate:g}) during "
                "training and does nothing at test time: inverted dropout.")
    if found == "vanilla":
        return (f"{who} leaves kept units unscaled during training and multiplies them by "
                f"keep (× {keep:.3g} at rate {rate:g}) at test time: vanilla "
                "dropout.")
    if found == "indistinguishable":
        return (f"At rate {rate:g}, keep = {keep:.3g} is so close to 1 that inverted and "
                f"vanilla dropout give the same outputs within rtol: this run cannot tell "
                f"which of the two {who} is (a larger --rate can).")
    if found == "inconsistent":
        return (f"{who}'s test-time output is not the average of its training-time outputs "
                "(the consistency check failed): it is neither inverted nor vanilla dropout.")
    if found == "other":
        return (f"{who}'s test-time net is neither unchanged nor scaled by keep, though it "
                "matches its training-time average: neither inverted nor vanilla dropout.")
    return f"{who} is classified {found} (see the checks above)."
