"""Configs of ``probe`` and ``noise-shape``; light: no TF, no NumPy.

Defaults: every built-in implementation at rates 0.2, 0.5 and 0.8 (0.5 alone
cannot tell a drop rate from a keep rate); S004's worked example for
noise-shape, input (2, 3, 4) with ``noise_shape=(None, 1, 4)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, overload

from dropout_lab.core.config import COUNT, PROBABILITY, SEED
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.limits import require_memory
from dropout_lab.core.options import Config, option
from dropout_lab.dropouts import registry

MIN_SIZE = 4096
BYTES_PER_ENTRY = 96  # a draw's input, output, gradient, test output and float64 copies
MAX_ENTRIES = 1 << 20  # noise-shape's input; the command is meant for small, printable inputs


@dataclass(frozen=True)
class ProbeConfig(Config):
    """Settings of a probe run."""

    layers: tuple[str, ...] = option(
        (), "Implementation to probe (repeatable): a built-in name such as keras.layers.Dropout "
            "(alias keras), tf.nn.dropout, numpy-inverted or uniform (an unknown name lists "
            "them all), or MODULE:CLASS.", flag="--layer", multiple=True,
        default_text="every built-in one")
    rates: tuple[float, ...] = option(
        (0.2, 0.5, 0.8), "Rate to measure (repeatable); 0.5 alone cannot tell drop from keep.",
        flag="--rate", multiple=True, ge=0, le=1,
        why=" (invalid rates are probed as edge behaviour anyway)")
    size: int = option(131072, "Entries per draw; rank-3 input (size // 1024, 16, 64).",
                       ge=MIN_SIZE)  # its upper bound is memory (``check``)
    seed: int = option(0, "Seeds the run once; each row's seed derives from it.", **SEED)
    false_alarm: float = option(1e-4, "Chance that a correct implementation fails any verdict "
                                      "of a run.", **PROBABILITY)
    edges: bool = option(True, "Also record rates 0, 1, -0.1, 1.5 and NaN.",
                         flag="--edges/--no-edges")

    def check(self) -> None:
        for name in self.layers:
            registry.check_name(name)
        if not self.rates:
            raise invalid_value("rates", "at least one rate", list(self.rates))
        require_memory("size", self.size, self.size * BYTES_PER_ENTRY,
                       f"a draw of {self.size} entries")

    @property
    def names(self) -> list[str]:
        """The implementations to probe, in order, aliases resolved, without repeats."""
        given = [registry.ALIASES.get(name, name) for name in self.layers]
        return list(dict.fromkeys(given or registry.known_names()))


@overload
def parse_shape(text: str, name: str, allow_none: Literal[False]) -> tuple[int, ...]: ...
@overload
def parse_shape(text: str, name: str, allow_none: bool) -> tuple[int | None, ...]: ...
def parse_shape(text: str, name: str, allow_none: bool) -> tuple[int | None, ...]:
    """``"2,3,4"`` or ``"(None, 1, 4)"`` -> a tuple; ConfigError when malformed."""
    expected = ("comma-separated positive integers or None, like None,1,4" if allow_none
                else "comma-separated positive integers, like 2,3,4")
    items = text.strip().strip("()[]").split(",")
    dims: list[int | None] = []
    for item in (i.strip() for i in items):
        if allow_none and item in ("None", "none", "null"):
            dims.append(None)
        elif item.isascii() and item.isdigit() and int(item) > 0:
            dims.append(int(item))
        else:
            raise invalid_value(name, expected, text)
    return tuple(dims)


@dataclass(frozen=True)
class NoiseShapeConfig(Config):
    """Settings of a noise-shape run; defaults are S004's worked example."""

    layer: str = option("keras.layers.Dropout", "Implementation that takes noise_shape: "
                        "keras.layers.Dropout, keras.random.dropout, tf.nn.dropout, ... or "
                        "MODULE:CLASS.")
    input_shape: str = option("2,3,4", "Shape of the input, e.g. 2,3,4 (S004: (batch, "
                                       "timesteps, features)).")
    noise_shape: str = option("None,1,4", "noise_shape of the layer; None entries are resolved "
                                          "at call time (S004: one mask per sample, repeated "
                                          "over timesteps).")
    rate: float = option(0.5, "Drop probability (the layer checks its own range).",
                         expected="a finite number")
    draws: int = option(200, "Training-mode draws compared slice by slice.", **COUNT)
    seed: int = option(0, "Seeds the run once.", **SEED)

    def check(self) -> None:
        registry.check_name(self.layer, registry.NOISE_SHAPE)
        check_shapes(self.input_dims, self.noise_dims)

    @property
    def input_dims(self) -> tuple[int, ...]:
        return parse_shape(self.input_shape, "input_shape", allow_none=False)

    @property
    def noise_dims(self) -> tuple[int | None, ...]:
        return parse_shape(self.noise_shape, "noise_shape", allow_none=True)


def check_shapes(input_dims: tuple[int, ...], noise_dims: tuple[int | None, ...]) -> None:
    """Rank and broadcast checks, naming both shapes; ConfigError when they fail."""
    if math.prod(input_dims) > MAX_ENTRIES:
        raise invalid_value("input_shape", f"at most {MAX_ENTRIES} entries", input_dims)
    shown = "(" + ", ".join(str(d) for d in noise_dims) + ")"
    if len(noise_dims) != len(input_dims):
        raise ConfigError(f"Invalid value for `noise_shape`: expected one entry per input axis "
                          f"({len(input_dims)} for input shape {input_dims}). Received: "
                          f"noise_shape={shown}", param="noise_shape")
    for axis, (noise, size) in enumerate(zip(noise_dims, input_dims, strict=True)):
        if noise not in (None, 1, size):
            raise ConfigError(
                f"Invalid value for `noise_shape`: expected a shape that broadcasts to the "
                f"input shape {input_dims} (each entry None, 1 or the input's size on that "
                f"axis). Received: noise_shape={shown}, whose axis {axis} is {noise} against "
                f"the input's {size}", param="noise_shape")
