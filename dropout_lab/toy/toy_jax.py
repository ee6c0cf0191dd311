"""S000's toy net in Flax NNX, for ``compare --framework jax`` (worker side: imports JAX).

nnx.Linear(2, 100) -> nnx.Dropout(rate, rngs=nnx.Rngs(seed)) -> nnx.Linear(100, 100)
-> nnx.Linear(100, 1), all linear as in Keras (an nnx.Linear kernel is (in, out)
like Keras's). Training is one compiled loop (``jax.jit`` around
``lax.fori_loop``, with ``nnx.value_and_grad`` inside, which carries the
Dropout's RNG stream from step to step), called in chunks so that progress is
reported and Ctrl-C honoured; 1000 steps take a few hundredths of a second
after a compilation of about one. The Dropout's masks come from its own
``nnx.Rngs(seed)`` stream, which advances with every call (see ``toy_side``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from dropout_lab.core.chunks import in_chunks

LAYER_CLASS = "flax.nnx.Dropout"
LINEAR_CLASS = "flax.nnx.Linear"
BLOCK = 256  # training-mode passes per compiled call of the sampler


def version() -> dict[str, str]:
    """JAX's and Flax's versions, for the result and the weights file."""
    return {"jax": jax.__version__, "flax": flax.__version__}


def _linear(arrays: dict[str, np.ndarray], name: str) -> nnx.Linear:
    kernel, bias = arrays[f"{name}/kernel"], arrays[f"{name}/bias"]  # (in, out), (out,)
    return nnx.Linear(*kernel.shape, kernel_init=lambda *_: jnp.asarray(kernel),
                      bias_init=lambda *_: jnp.asarray(bias), rngs=nnx.Rngs(0))


class ToyNet(nnx.Module):
    """The toy net holding given weights, its layers named as Keras names them."""

    def __init__(self, arrays: dict[str, np.ndarray], drop_rate: float, seed: int):
        self.dense_in = _linear(arrays, "dense_in")
        self.dropout = nnx.Dropout(drop_rate, rngs=nnx.Rngs(seed))
        self.dense_hidden = _linear(arrays, "dense_hidden")
        self.dense_out = _linear(arrays, "dense_out")

    def __call__(self, x: jax.Array) -> jax.Array:  # (..., 2) -> (..., 1)
        return self.dense_out(self.dense_hidden(self.dropout(self.dense_in(x))))


def build(arrays: dict[str, np.ndarray], drop_rate: float, seed: int) -> ToyNet:
    """The net holding ``arrays`` (Keras layout), in training mode, masks seeded by ``seed``."""
    return ToyNet(arrays, drop_rate, seed)


def _split(net: ToyNet) -> tuple[Any, Any, Any]:
    """(graph, parameters, the rest: the Dropout's RNG stream) of ``net``."""
    graphdef, params, *more = nnx.split(net, nnx.Param, ...)  # flax types the parts variadic
    (rest,) = more  # two filters: one part more
    return graphdef, params, rest


def train(net: ToyNet, inputs: np.ndarray, targets: np.ndarray, epochs: int,
          learning_rate: float, progress: Callable[[int, int], None]) -> np.ndarray:
    """``epochs`` full-batch SGD steps with dropout active; the MSE before each step, (epochs,)."""
    net.train()
    x, y = jnp.asarray(inputs), jnp.asarray(targets)  # (samples, 2), (samples, 1)
    step_size = jnp.float32(learning_rate)
    graphdef, params, rest = _split(net)

    def mse(model: ToyNet) -> jax.Array:
        return jnp.mean(jnp.square(model(x) - y))

    @jax.jit
    def loop(params, rest, losses, start, stop):
        def step(i, carry):
            params, rest, losses = carry
            model = nnx.merge(graphdef, params, rest)
            loss, grads = nnx.value_and_grad(mse)(model)  # advances the RNG stream
            _, params, rest = _split(model)
            # plain SGD, w <- w - g * lr, as the Keras loop updates its variables
            params = jax.tree.map(lambda w, g: w - g * step_size, params, grads)
            return params, rest, losses.at[i].set(loss)

        return jax.lax.fori_loop(start, stop, step, (params, rest, losses))

    carry = (params, rest, jnp.zeros(epochs, jnp.float32))

    def run(done: int, size: int) -> None:
        nonlocal carry
        carry = loop(*carry, done, done + size)
        jax.block_until_ready(carry)  # chunks are timed (core.chunks): wait for the work

    in_chunks(epochs, run, progress)
    params, rest, losses = carry
    nnx.update(net, params, rest)
    return np.asarray(losses)


def arrays(net: ToyNet) -> dict[str, np.ndarray]:
    """The net's variables by ``layer/variable``, in Keras's layout (kernel (in, out))."""
    return {f"{name}/{variable}": np.asarray(getattr(getattr(net, name), variable).value)
            for name in ("dense_in", "dense_hidden", "dense_out")
            for variable in ("kernel", "bias")}


def predict(net: ToyNet, inputs: np.ndarray) -> np.ndarray:
    """Test-time output (``eval()``: the Dropout is deterministic, the identity), (samples,)."""
    net.eval()
    try:
        return np.asarray(net(jnp.asarray(inputs)))[:, 0]
    finally:
        net.train()


def sampler(net: ToyNet, inputs: np.ndarray) -> Callable[[int], np.ndarray]:
    """``sample(n) -> (n, samples)`` float64: n independent training-mode passes.

    Passes are drawn ``BLOCK`` at a time, by one compiled call on ``BLOCK``
    copies of the inputs (the Dropout draws every entry of its (BLOCK, samples,
    100) input independently, so each copy is a pass of its own); one shape,
    so one compilation (eagerly, each new chunk size would compile the mask's
    RNG again: seconds). Draws beyond ``n`` are dropped.
    """
    copies = jnp.broadcast_to(jnp.asarray(inputs), (BLOCK, *inputs.shape))  # (BLOCK, samples, 2)

    @nnx.jit
    def draw(model: ToyNet) -> jax.Array:
        return model(copies)[..., 0]  # (BLOCK, samples); advances the model's RNG stream

    def sample(n: int) -> np.ndarray:
        net.train()
        blocks = [np.asarray(draw(net)) for _ in range(-(-n // BLOCK))]
        return np.concatenate(blocks)[:n].astype(np.float64)

    return sample


def vanilla_expectation(net: ToyNet, keep_prob: float, inputs: np.ndarray) -> np.ndarray:
    """g(X): the net with its dropout replaced by ``x * keep_prob``, (samples,)."""
    hidden = net.dense_in(jnp.asarray(inputs)) * jnp.float32(keep_prob)  # (samples, 100)
    return np.asarray(net.dense_out(net.dense_hidden(hidden)))[:, 0]
