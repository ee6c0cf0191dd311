"""Flax NNX, Flax Linen and Equinox dropouts as probe appliers (worker side: imports JAX).

The appliers follow ``dropout_lab.dropouts.appliers``: ``train(x)`` is one
training-mode draw with ``d sum(out) / d x`` of the same draw (``jax.vjp``),
``test(x)`` the framework's own inference switch. Seeding is each framework's
own: NNX keeps an ``nnx.Rngs(seed)`` stream in the layer (it advances per
call); Linen and Equinox take a key per call, and a user who passes the same
key gets the same mask, which is what ``train`` does (``jax.random.key(seed)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import flax
import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from dropout_lab.dropouts.registry import Implementation


def version() -> dict[str, str]:
    """The frameworks' versions, for tables and manifests."""
    return {"jax": jax.__version__, "flax": flax.__version__, "equinox": eqx.__version__}


class Applier:
    """``train(x) -> (out, grad)`` and ``test(x)`` on NumPy arrays."""

    function = False

    def __init__(self, draw: Callable[[Any], tuple[Any, Callable]], infer: Callable[[Any], Any]):
        self._draw, self._infer = draw, infer  # draw(x) -> (out, pullback of x)

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        out, pullback = self._draw(jnp.asarray(x))
        return np.asarray(out), np.asarray(pullback(jnp.ones_like(out)))  # d sum(out) / d x

    def test(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._infer(jnp.asarray(x)))


def _pure(function: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, Callable]]:
    def draw(x):
        out, pullback = jax.vjp(function, x)
        return out, lambda cotangent: pullback(cotangent)[0]
    return draw


def build(impl: Implementation, rate: float, seed: int) -> Applier:
    """The layer at ``rate`` with its framework's seeding; its own exception propagates."""
    options = dict(impl.options)
    if impl.name.startswith("flax.nnx."):
        return _nnx(nnx.Dropout(rate, rngs=nnx.Rngs(seed), **options))
    key = jax.random.key(seed)
    if impl.name == "flax.linen.Dropout":
        module = linen.Dropout(rate, **options)
        return Applier(_pure(lambda x: module.apply({}, x, deterministic=False,
                                                    rngs={"dropout": key})),
                       lambda x: module.apply({}, x, deterministic=True))
    layer = eqx.nn.Dropout(p=rate, **options)
    return Applier(_pure(lambda x: layer(x, key=key)), lambda x: layer(x, inference=True))


def _nnx(layer: nnx.Dropout) -> Applier:
    """An NNX layer as a pure draw: split, merge inside vjp, then keep the advanced Rngs."""

    def draw(x):
        graphdef, state = nnx.split(layer)

        def pure(inputs, st):
            merged = nnx.merge(graphdef, st)
            return merged(inputs), nnx.state(merged)

        out, pullback, advanced = jax.vjp(pure, x, state, has_aux=True)
        nnx.update(layer, advanced)  # the next call draws a new mask, as eagerly
        return out, lambda cotangent: pullback(cotangent)[0]

    def infer(x):
        layer.eval()  # NNX's switch: deterministic=True
        try:
            return layer(x)
        finally:
            layer.train()

    return Applier(draw, infer)


def default_call(impl: Implementation, rate: float, x: np.ndarray) -> np.ndarray:
    """The layer called as constructed with defaults only (no key, no deterministic flag)."""
    if impl.name.startswith("flax.nnx."):
        return np.asarray(nnx.Dropout(rate, rngs=nnx.Rngs(0))(jnp.asarray(x)))
    if impl.name == "flax.linen.Dropout":
        return np.asarray(linen.Dropout(rate).apply({}, jnp.asarray(x)))
    return np.asarray(eqx.nn.Dropout(p=rate)(jnp.asarray(x)))
