"""What each framework's documentation says about its dropouts, and how each is switched.

Light (no framework imported). ``DOCS[name]`` holds the documented facts the
``frameworks`` matrix is checked against: the rate's meaning (``drop``: the
probability of zeroing an entry), the scaling in training (``inverted``:
kept entries x 1/(1 - rate), identity at test; ``affine``: alpha dropout's
SELU-preserving transform; mean-preserving multiplicative noise: x times
noise of mean 1, identity at test), the test-time switch and the shared-mask
argument, each with the documentation's own words. A fact the documentation
does not state is None and is not checked. ``tests/test_catalog_docs.py`` derives
each fact again from the installed library's docstring and checks it is there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    """A dropout implementation as its documentation describes it."""

    meaning: str | None  # "drop": the rate/p is the probability of dropping an entry
    scaling: str | None  # "inverted", "affine" or classify.MULTIPLICATIVE_NOISE
    switch: str  # how a user turns it off at test time
    shared: str  # the argument (or kind) that shares one mask along axes
    quote: str  # the documentation's words, shortened


_TORCH_SWITCH = "module.eval() (a new module is in training mode)"
_TORCH_DROP = ("p: probability of an element to be zeroed; outputs are scaled by 1/(1-p) "
               "during training; in evaluation the module computes an identity function")
_TORCH_CHANNEL = "zeroes entire channels (N, C, ...): each channel with probability p"
_FLAX = ("rate: the dropout probability (not the keep rate!); if deterministic is false the "
         "inputs are scaled by 1/(1-rate) and masked, else returned as is")
_KERAS = ("randomly sets input units to 0 with a frequency of rate at each step during "
          "training; inputs not set to 0 are scaled up by 1/(1-rate)")
_KERAS_SWITCH = "training=False (the default outside fit)"

DOCS: dict[str, Documented] = {
    "torch.nn.Dropout": Documented("drop", "inverted", _TORCH_SWITCH, "none", _TORCH_DROP),
    "torch.nn.functional.dropout": Documented(
        "drop", "inverted", "training=False (default: training=True)", "none", _TORCH_DROP),
    "torch.nn.Dropout1d": Documented("drop", None, _TORCH_SWITCH, "channel dropout (N, C, L)",
                                     _TORCH_CHANNEL),
    "torch.nn.Dropout2d": Documented("drop", None, _TORCH_SWITCH,
                                     "channel dropout (N, C, H, W)", _TORCH_CHANNEL),
    "torch.nn.Dropout2d-on-3d": Documented(
        "drop", None, _TORCH_SWITCH, "channel dropout: (N, C, L) taken as 1-D",
        "3-D input is interpreted as (N, C, L), channel-wise 1-D dropout (with a warning "
        "that this will change)"),
    "torch.nn.Dropout3d": Documented("drop", None, _TORCH_SWITCH,
                                     "channel dropout (N, C, D, H, W)", _TORCH_CHANNEL),
    "torch.nn.AlphaDropout": Documented(
        "drop", "affine", _TORCH_SWITCH, "none",
        "p: probability of an element to be dropped; maintains the original mean and standard "
        "deviation of the input (with SELU); identity in evaluation"),
    "torch.nn.FeatureAlphaDropout": Documented(
        "drop", "affine", _TORCH_SWITCH, "channel dropout (N, C, H, W)",
        "randomly masks out entire channels, set to the negative saturation value of SELU; p: "
        "probability of an element to be zeroed"),
    "flax.nnx.Dropout": Documented("drop", "inverted",
                                   "deterministic=True or model.eval() (default: drops)",
                                   "broadcast_dims=()", _FLAX),
    "flax.nnx.Dropout[broadcast_dims=(1,)]": Documented(
        "drop", "inverted", "deterministic=True or model.eval()", "broadcast_dims=(1,)",
        _FLAX + "; broadcast_dims: dimensions that share the same dropout mask"),
    "flax.linen.Dropout": Documented("drop", "inverted",
                                     "deterministic=True (required: no default)",
                                     "broadcast_dims=()", _FLAX),
    "equinox.nn.Dropout": Documented(
        "drop", None, "inference=True (a key is required otherwise)", "none",
        "p: the fraction of entries to set to zero (on average); does nothing in inference"),
    "keras.layers.Dropout": Documented("drop", "inverted", _KERAS_SWITCH, "noise_shape=None",
                                       _KERAS),
    "keras.layers.Dropout[noise_shape=(None,1,64)]": Documented(
        "drop", "inverted", _KERAS_SWITCH, "noise_shape=(None, 1, 64)",
        _KERAS + "; noise_shape: the shape of the binary dropout mask"),
    "keras.layers.SpatialDropout1D": Documented(
        "drop", "inverted", _KERAS_SWITCH, "channel dropout (b, t, c)",
        "the same function as Dropout, however, it drops entire 1D feature maps instead of "
        "individual elements; input (samples, timesteps, channels)"),
    "keras.layers.SpatialDropout2D": Documented(
        "drop", "inverted", _KERAS_SWITCH, "channel dropout (b, h, w, c)",
        "the same function as Dropout, however, it drops entire 2D feature maps instead of "
        "individual elements; channels_last: (samples, rows, cols, channels)"),
    "keras.layers.GaussianDropout": Documented(
        None, "mean-preserving multiplicative noise", _KERAS_SWITCH, "none",
        "multiplicative 1-centered Gaussian noise with standard deviation "
        "sqrt(rate/(1-rate)); rate: drop probability (as with Dropout)"),
    "keras.layers.AlphaDropout": Documented(
        "drop", "affine", _KERAS_SWITCH, "noise_shape=None",
        "a Dropout that keeps mean and variance of inputs to their original values "
        "(self-normalizing), randomly setting activations to the negative saturation value; "
        "rate: the multiplicative noise will have standard deviation sqrt(rate/(1-rate))"),
    "tf.nn.dropout": Documented("drop", "inverted", "none: a function that always drops",
                                "noise_shape=None",
                                "rate: the probability that each element is dropped; the "
                                "remaining elements are scaled up by 1/(1-rate)"),
    # undocumented: Keras 3 gives keras.random.dropout no docstring, so nothing is checked
    "keras.random.dropout": Documented(None, None, "none: a function that always drops",
                                       "noise_shape=None", "no docstring (Keras 3): what rate "
                                       "means and how kept entries are scaled are not "
                                       "documented"),
}

#: The matrix's rows: every documented implementation, Keras's on each backend.
MATRIX = [*[n for n in DOCS if not n.startswith(("keras.layers.", "tf.", "keras.random."))],
          *[n for n in DOCS if n.startswith(("keras.layers.", "tf.", "keras.random."))],
          *[f"keras.layers.{c}@{b}" for b in ("jax", "torch")
            for c in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout",
                      "AlphaDropout")]]


def documented(name: str) -> Documented:
    """The documented facts of an implementation (Keras's on any backend share them)."""
    return DOCS[name.split("@")[0]]
