"""What every framework's toy net shares: S000's data, the saved variables, the moments.

NumPy only (no TensorFlow, PyTorch or JAX): imported by the Keras side
(``toy.net``), by the parent of ``compare --framework`` and by its worker
processes (``dropout_lab.toy.worker_side``), so all of them train on the
same data, save the same variables and combine training-mode passes the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

from dropout_lab.core.errors import ExperimentError

# S000's data: three points on the plane 2*x1 + x2 = 8.
INPUTS = np.array([[3, 2], [2, 4], [1, 6]], dtype=np.float32)  # (samples=3, features=2)
TARGETS = np.array([[8], [8], [8]], dtype=np.float32)  # (samples=3, 1)
HIDDEN_UNITS = 100  # width of both Dense layers, as in S000

#: The toy net's saved variables, Keras's names and layout: a kernel is (in, out).
WEIGHT_SHAPES: dict[str, tuple[int, ...]] = {
    "dense_in/kernel": (2, HIDDEN_UNITS), "dense_in/bias": (HIDDEN_UNITS,),
    "dense_hidden/kernel": (HIDDEN_UNITS, HIDDEN_UNITS), "dense_hidden/bias": (HIDDEN_UNITS,),
    "dense_out/kernel": (HIDDEN_UNITS, 1), "dense_out/bias": (1,),
}
_DTYPES = ("float32", "float64")

ProgressFn = Callable[[int, int], None]

MOMENT_CHUNK = 1024  # training-mode passes per call of a sampler (see running_moments)


def pack(array: np.ndarray) -> dict[str, Any]:
    """A float array as a JSON object, bit for bit (its raw bytes in base64)."""
    array = np.ascontiguousarray(array)
    if array.dtype.name not in _DTYPES:
        raise TypeError(f"only {', '.join(_DTYPES)} arrays are packed, not {array.dtype}")
    return {"dtype": array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode("ascii")}


def unpack(packed: dict[str, Any]) -> np.ndarray:
    """The array ``pack`` encoded.

    Raises:
        ExperimentError: ``packed`` is not what ``pack`` writes (a worker answered garbage).
    """
    try:
        dtype, shape = np.dtype(packed["dtype"]), tuple(int(n) for n in packed["shape"])
        if dtype.name not in _DTYPES:
            raise ValueError(f"dtype {dtype}")
        return np.frombuffer(base64.b64decode(packed["data"], validate=True),
                             dtype).reshape(shape).copy()
    except (KeyError, TypeError, ValueError) as exc:
        raise ExperimentError(f"A packed array is damaged ({type(exc).__name__}: "
                              f"{str(exc)[:80]}).") from None


def divergence(losses: np.ndarray, weights_finite: bool, learning_rate: float) -> str | None:
    """None when training stayed finite, else the one-line message saying where it diverged."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size == 0 and weights_finite:
        return None
    where = (f"the loss became {losses[bad[0]]} at step {bad[0] + 1} of {len(losses)}"
             if bad.size else "a weight became non-finite")
    return (f"Training diverged: {where} (learning rate {learning_rate:g}); no run folder was "
            f"written. {smaller_learning_rate(learning_rate)}")


S000_LEARNING_RATE = 0.001


def smaller_learning_rate(learning_rate: float) -> str:
    """Advice after a divergence: a learning rate below the one used, never the same one."""
    if learning_rate > S000_LEARNING_RATE:
        return f"A smaller learning rate trains (S000: {S000_LEARNING_RATE:g})."
    return f"A smaller learning rate may train (e.g. {learning_rate / 10:g})."


def running_moments(sample: Callable[[int], np.ndarray], n: int, samples: int,
                    progress: ProgressFn | None = None,
                    chunk: int = MOMENT_CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation of ``n`` training-mode passes, each (samples,).

    Args:
        sample: ``sample(k) -> (k, samples)`` float64 array of k independent passes.
        n: passes in all (>= 2).
        samples: inputs per pass.
        progress: ``progress(done, n)`` after each chunk.
        chunk: passes per call of ``sample``. Fixed, not sized by time: the chunks
            decide the order of the float64 sums, so a fixed size gives the same
            numbers bit for bit in every run; a chunk of the toy net's passes takes
            milliseconds, so Ctrl-C is still honoured at once.

    The chunks are combined as they come (Chan et al.'s pairwise update of
    mean and sum of squared deviations, in float64): memory does not grow with ``n``.
    """
    count, mean, squares = 0, np.zeros(samples), np.zeros(samples)

    def add(size: int) -> None:
        nonlocal count, mean, squares
        drawn = sample(size)  # (size, samples)
        drawn_mean = drawn.mean(axis=0)
        delta = drawn_mean - mean
        total = count + size
        within = ((drawn - drawn_mean) ** 2).sum(axis=0)
        squares = squares + within + delta ** 2 * count * size / total
        mean, count = mean + delta * size / total, total

    for done in range(0, n, chunk):
        add(min(chunk, n - done))
        if progress:
            progress(min(done + chunk, n), n)
    return mean, np.sqrt(squares / (n - 1))
