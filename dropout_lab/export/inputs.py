"""What exporters and runtimes share (worker side, NumPy only): data, probe inputs, logs.

Every process regenerates the same arrays from the seed (``RandomState`` is
stable across NumPy versions), so a request carries a seed, not arrays: the
exporter's reference outputs and the runtime's outputs are computed on the
very same probe inputs. Layout: channels last, (batch, height, width,
channels); the PyTorch side transposes to (batch, channels, height, width).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

import numpy as np

TOY_FEATURES = 2
HIDDEN_UNITS = 100  # S000's width
CONV_SHAPE = (8, 8, 3)  # height, width, channels of one image
CONV_FILTERS = 8  # feature maps the channel dropout drops whole
TRAIN_SAMPLES = 32
LEARNING_RATE = 0.01


def input_shape(net: str) -> tuple[int, ...]:
    """One sample's shape (no batch axis)."""
    return CONV_SHAPE if net == "conv" else (TOY_FEATURES,)


def training_data(net: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets (samples, 1)): y = 2 x1 + x2 (toy nets), the mean of channel 0 (conv)."""
    draw = np.random.RandomState(seed)
    inputs = draw.standard_normal((TRAIN_SAMPLES, *input_shape(net))).astype(np.float32)
    if net == "conv":
        targets = inputs[..., 0].mean(axis=(1, 2))
    else:
        targets = 2 * inputs[:, 0] + inputs[:, 1]
    return inputs, targets[:, None].astype(np.float32)


def probe_inputs(net: str, batch: int, seed: int) -> np.ndarray:
    """The inputs every artifact is called on, (batch, *input_shape), float32."""
    draw = np.random.RandomState((seed + 1) % 2**32)  # not the training data
    return draw.standard_normal((batch, *input_shape(net))).astype(np.float32)


def first_line(text: str, limit: int = 300) -> str:
    """The first line of a message, cut at ``limit`` characters."""
    line = (text.strip().splitlines() or [""])[0]
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " \N{HORIZONTAL ELLIPSIS}"


def describe(exc: BaseException) -> str:
    """``TypeName: first line`` of an exception."""
    return f"{type(exc).__name__}: {first_line(str(exc))}"


class _Collect(logging.Handler):
    def __init__(self, found: list[str]):
        super().__init__(logging.WARNING)
        self.found = found

    def emit(self, record: logging.LogRecord) -> None:
        self.found.append(f"{record.name}: {first_line(record.getMessage())}")


@contextlib.contextmanager
def heard() -> Iterator[list[str]]:
    """What an exporter tells its user meanwhile: warnings and WARNING+ log records.

    Deprecations aimed at developers are kept too: an exporter's own
    deprecation (``torch.jit.trace``, the legacy ONNX exporter) is a finding.
    """
    found: list[str] = []
    handler = _Collect(found)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
    finally:
        root.removeHandler(handler)
    found += [f"{w.category.__name__}: {first_line(str(w.message))}" for w in caught]
    found[:] = list(dict.fromkeys(found))[:6]
