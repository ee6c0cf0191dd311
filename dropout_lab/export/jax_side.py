"""``export``, JAX/Flax NNX exporter (worker side: imports JAX and Flax).

The three nets as ``nnx.Module``s (the conv net's ``nnx.Dropout`` shares one
mask over height and width: ``broadcast_dims=(1, 2)``), trained for a few SGD
steps with dropout active, then exported with ``jax.export`` the way NNX's
documentation serves a model: ``nnx.split`` into a graph definition and
state, a pure function that merges them (the state closed over, so it is
baked into the artifact as constants) and calls the model. Routes:

- ``jax-export``: after ``model.eval()`` (``deterministic=True`` everywhere);
- ``jax-export-train``: in train mode: the dropout's RNG stream (its key and
  counter) is part of the closed-over state.

``train_draw`` is what the exporting process computes with that same
function: the draw an artifact repeats if its key was baked in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from dropout_lab.export import inputs as shared


def version() -> dict[str, str]:
    """JAX's and Flax's versions."""
    return {"jax": jax.__version__, "flax": flax.__version__}


class VanillaDropout(nnx.Module):
    """Vanilla dropout, hand-written: x * mask when drawing, x * keep when deterministic.

    ``deterministic`` is the attribute ``model.eval()`` / ``model.train()`` set.
    """

    def __init__(self, rate: float, *, rngs: nnx.Rngs):
        self.rate = rate
        self.deterministic = False
        self.rngs = rngs

    def __call__(self, x: jax.Array) -> jax.Array:
        if self.deterministic:
            return x * (1.0 - self.rate)
        draw = jax.random.uniform(self.rngs.dropout(), x.shape)
        return x * (draw >= self.rate).astype(x.dtype)


class Toy(nnx.Module):
    """S000's toy net (all linear), with ``dropout`` after the first layer."""

    def __init__(self, rate: float, vanilla: bool, rngs: nnx.Rngs):
        self.dense_in = nnx.Linear(shared.TOY_FEATURES, shared.HIDDEN_UNITS, rngs=rngs)
        self.dropout = (VanillaDropout(rate, rngs=rngs) if vanilla
                        else nnx.Dropout(rate, rngs=rngs))
        self.dense_hidden = nnx.Linear(shared.HIDDEN_UNITS, shared.HIDDEN_UNITS, rngs=rngs)
        self.dense_out = nnx.Linear(shared.HIDDEN_UNITS, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:  # (batch, 2) -> (batch, 1)
        return self.dense_out(self.dense_hidden(self.dropout(self.dense_in(x))))


class Conv(nnx.Module):
    """nnx.Conv -> nnx.Dropout sharing its mask over (height, width) -> mean -> nnx.Linear."""

    def __init__(self, rate: float, rngs: nnx.Rngs):
        self.conv = nnx.Conv(shared.CONV_SHAPE[2], shared.CONV_FILTERS, (3, 3), padding="SAME",
                             rngs=rngs)
        self.dropout = nnx.Dropout(rate, broadcast_dims=(1, 2), rngs=rngs)
        self.dense_out = nnx.Linear(shared.CONV_FILTERS, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:  # (batch, 8, 8, 3) -> (batch, 1)
        return self.dense_out(self.dropout(self.conv(x)).mean(axis=(1, 2)))


def prepare(net: str, rate: float, steps: int, seed: int) -> tuple[nnx.Module, dict]:
    """Build, then train ``steps`` full-batch SGD steps with dropout active."""
    rngs = nnx.Rngs(params=seed, dropout=(seed + 1) % 2**32)
    model = Conv(rate, rngs) if net == "conv" else Toy(rate, net == "vanilla", rngs)
    inputs, targets = (jnp.asarray(a) for a in shared.training_data(net, seed))
    model.train()

    @nnx.jit
    def step(model: nnx.Module) -> jax.Array:
        def mse(model):
            return jnp.mean(jnp.square(model(inputs) - targets))

        loss, grads = nnx.value_and_grad(mse)(model)
        params = nnx.state(model, nnx.Param)
        nnx.update(model, jax.tree.map(lambda w, g: w - g * shared.LEARNING_RATE, params,
                                       grads))
        return loss

    losses = [float(step(model)) for _ in range(steps)]
    return model, {"losses": [losses[0], losses[-1]] if losses else [],
                   "layer": type(model.dropout).__name__}


def references(model: nnx.Module, net: str, x: np.ndarray) -> dict[str, list[float]]:
    """Output after ``eval()``; for the vanilla net also the output with the dropout as identity."""
    model.eval()
    found = {"inference": np.asarray(model(jnp.asarray(x)))[:, 0].tolist()}
    if net == "vanilla":
        assert isinstance(model, Toy)  # prepare's vanilla net is the toy net
        hidden = model.dense_in(jnp.asarray(x))
        found["unscaled"] = np.asarray(model.dense_out(model.dense_hidden(hidden)))[:, 0].tolist()
    model.train()
    return found


def export(route: str, model: nnx.Module, net: str, stem: Path, x: np.ndarray
           ) -> tuple[Path, dict[str, Any]]:
    """Serialize ``jax.export`` of the model, its state baked in, for a (batch, ...) input."""
    if route not in ("jax-export", "jax-export-train"):
        raise ValueError(f"no JAX route {route!r}")
    if route == "jax-export":
        model.eval()
    graphdef, state = nnx.split(model)
    frozen = nnx.as_pure(state)  # plain arrays: constants of the exported function

    def serve(inputs: jax.Array) -> jax.Array:
        return nnx.merge(graphdef, frozen)(inputs)

    function = jax.jit(serve)
    exported = jax.export.export(function)(jax.ShapeDtypeStruct(x.shape, jnp.float32))
    path = stem.with_suffix(".jaxexport")
    path.write_bytes(exported.serialize())
    draw = np.asarray(function(jnp.asarray(x)))[:, 0].tolist()
    model.train()
    return path, {"train_draw": draw}
