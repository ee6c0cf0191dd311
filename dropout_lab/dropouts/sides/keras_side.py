"""Keras's dropout layers on the JAX and PyTorch backends as probe appliers (worker side).

The worker starts with ``KERAS_BACKEND`` set (Keras fixes its backend at
import). Layers are seeded as a user seeds them, ``Dropout(rate, seed=seed)``;
the gradient of a draw is taken with the backend's own autodiff: on JAX
through ``layer.stateless_call`` (the seed generator's state is a
non-trainable variable, advanced after each call as eager calls do), on
PyTorch with autograd. (On TensorFlow the in-process appliers of
``dropout_lab.dropouts.appliers`` are used.)
"""

from __future__ import annotations

import keras
import numpy as np

from dropout_lab.dropouts.registry import Implementation

BACKEND = keras.backend.backend()


def version() -> dict[str, str]:
    """Keras's version and its backend's."""
    found = {"keras": keras.__version__}
    if BACKEND == "jax":
        import jax

        found["jax"] = jax.__version__
    elif BACKEND == "torch":
        import torch

        found["torch"] = torch.__version__
    return found


class Applier:
    """A Keras layer applied to NumPy arrays on the current backend."""

    function = False

    def __init__(self, layer: keras.layers.Layer):
        self._layer = layer

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if BACKEND == "jax":
            return self._train_jax(x)
        import torch

        inputs = torch.from_numpy(x.copy()).requires_grad_(True)
        out = self._layer(inputs, training=True)
        if out.requires_grad:
            out.sum().backward()
        grad = inputs.grad
        return out.detach().cpu().numpy(), None if grad is None else grad.cpu().numpy()

    def _train_jax(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        import jax
        import jax.numpy as jnp

        layer = self._layer
        if not layer.built:
            layer.build(x.shape)
        trainable = [v.value for v in layer.trainable_variables]
        state = [v.value for v in layer.non_trainable_variables]

        def draw(inputs):
            return layer.stateless_call(trainable, state, inputs, training=True)

        out, pullback, advanced = jax.vjp(draw, jnp.asarray(x), has_aux=True)
        for variable, value in zip(layer.non_trainable_variables, advanced, strict=True):
            variable.assign(value)  # the next call draws a new mask
        (grad,) = pullback(jnp.ones_like(out))
        return np.asarray(out), np.asarray(grad)

    def test(self, x: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(self._layer(keras.ops.convert_to_tensor(x),
                                                      training=False))


def build(impl: Implementation, rate: float, seed: int) -> Applier:
    """``keras.layers.<Class>(rate, seed=seed)``; Keras's own exception propagates."""
    cls = getattr(keras.layers, impl.name.split("@")[0].rsplit(".", 1)[1])
    return Applier(cls(rate, seed=seed, **dict(impl.options)))


def default_call(impl: Implementation, rate: float, x: np.ndarray) -> np.ndarray:
    """``keras.layers.<Class>(rate)(x)``: no seed, no training flag."""
    cls = getattr(keras.layers, impl.name.split("@")[0].rsplit(".", 1)[1])
    return keras.ops.convert_to_numpy(cls(rate)(keras.ops.convert_to_tensor(x)))
