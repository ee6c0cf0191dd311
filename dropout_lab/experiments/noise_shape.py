"""``noise-shape``: which entries share one dropout mask (seeds 002 and 004: C8, C12).

A layer built with ``noise_shape`` is applied in training mode, ``draws``
times, to a structured input whose entries are 1, 2, ..., N (all distinct).
An entry is dropped when its output is 0 or its gradient is 0; an axis
*shares* the mask when, in every draw, every slice along it carries the same
dropped pattern (or, when nothing is dropped, the same multiplier out/x).
Expected: exactly the axes where ``noise_shape`` is 1 and the input is longer
than 1. A wrongly shared axis passes one draw by chance with probability at
most ``(rate^L + (1-rate)^L)`` per independent slice, so over ``draws``
draws (200 by default) the chance vanishes. ``None`` entries are resolved
from the input at call time (C12): the same layer object is then applied
to an input whose ``None`` axes are 3 longer, and its mask checked again.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import config as cfg
from dropout_lab import implementations as impls
from dropout_lab import probe_classify
from dropout_lab.errors import ConfigError, ExperimentError, invalid_value
from dropout_lab.runs import RunContext, new_run

KIND = "noise_shape"
MAX_ENTRIES = 1 << 20  # input entries; the command is meant for small, printable inputs


def parse_shape(text: str, name: str, allow_none: bool) -> tuple[int | None, ...]:
    """``"2,3,4"`` or ``"(None, 1, 4)"`` -> a tuple; ConfigError when malformed."""
    expected = ("comma-separated positive integers or None, like None,1,4" if allow_none
                else "comma-separated positive integers, like 2,3,4")
    items = text.strip().strip("()[]").split(",")
    dims: list[int | None] = []
    for item in (i.strip() for i in items):
        if allow_none and item in ("None", "none", "null"):
            dims.append(None)
        elif item.isdigit() and int(item) > 0:
            dims.append(int(item))
        else:
            raise invalid_value(name, expected, text)
    return tuple(dims)


@dataclass(frozen=True)
class NoiseShapeConfig:
    """Settings of a noise-shape run; defaults are seed 004's worked example."""

    layer: str = "keras.layers.Dropout"  # an implementation that takes noise_shape
    input_shape: str = "2,3,4"  # (batch, timesteps, features) of seed 004
    noise_shape: str = "None,1,4"  # seed 004: one mask per sample, repeated over timesteps
    rate: float = 0.5  # drop probability (the layer checks its own range)
    draws: int = 200  # training-mode draws compared slice by slice
    seed: int = 0  # seeds the run once

    def __post_init__(self):
        impls.check_name(self.layer)
        if self.layer in impls.BUILTIN:  # MODULE:CLASS is checked once imported, in run()
            require_noise_shape(impls.BUILTIN[self.layer])
        cfg.require_finite("rate", self.rate)
        cfg.require_positive_int("draws", self.draws)
        check_shapes(self.input_dims, self.noise_dims)

    @property
    def input_dims(self) -> tuple[int, ...]:
        return parse_shape(self.input_shape, "input_shape", allow_none=False)  # type: ignore

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
    for axis, (noise, size) in enumerate(zip(noise_dims, input_dims)):
        if noise not in (None, 1, size):
            raise ConfigError(
                f"Invalid value for `noise_shape`: expected a shape that broadcasts to the "
                f"input shape {input_dims} (each entry None, 1 or the input's size on that "
                f"axis). Received: noise_shape={shown}, whose axis {axis} is {noise} against "
                f"the input's {size}", param="noise_shape")


@dataclass(frozen=True)
class AxisReport:
    """Does the mask repeat along one axis?"""

    axis: int
    name: str
    input_size: int
    noise_size: int | None
    expected: str  # shared | independent | size 1
    constant_draws: int  # draws in which every slice along the axis was equal
    measured: str  # shared | independent | size 1 | undetermined (no noise at all)
    verified: bool


@dataclass(frozen=True)
class NoiseShapeResult:
    """What noise-shape measured."""

    config: NoiseShapeConfig
    framework: str
    framework_version: str
    input_shape: list[int]
    noise_shape: list[int | None]
    resolved_noise_shape: list[int]
    axes: list[AxisReport]
    shared_axes: list[int]  # measured
    verified: bool  # every axis as noise_shape says
    kept_fraction: float  # over all draws
    mask: list  # first draw: out / x per entry (0 = dropped), nested like the input
    none_check: dict | None  # C12: the same layer on an input with longer None axes
    claims: list  # probe.Claim
    run_dir: Path


def run(config: NoiseShapeConfig, ctx: RunContext = RunContext()) -> NoiseShapeResult:
    """Apply, compare slices, check None resolution; write ``ctx.out/noise_shape/<id>/``."""
    from dropout_lab.tfenv import seed_everything

    impl = impls.resolve(config.layer)
    require_noise_shape(impl)
    seed_everything(config.seed)
    x = structured_input(config.input_dims)
    applier = _build(impl, config, x)
    signatures = [_signature(x, *applier.train(x)) for _ in range(config.draws)]
    ctx.report("draws", config.draws, config.draws)
    result = _result(impl, config, x, signatures, _none_check(applier, config))
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command) as folder:
        result = dataclasses.replace(result, run_dir=folder.final_path)
        folder.write_json("results.json", to_json(result))
    return result


def require_noise_shape(impl: impls.Implementation) -> None:
    """ConfigError unless ``impl`` takes a ``noise_shape`` argument."""
    if not impl.takes_noise_shape:
        takers = [i.name for i in impls.BUILTIN.values() if i.takes_noise_shape]
        raise invalid_value("layer", "an implementation that takes noise_shape ("
                            + ", ".join(takers) + " or MODULE:CLASS with a noise_shape "
                            "argument)", impl.name)


def structured_input(shape: tuple[int, ...]) -> np.ndarray:
    """Entries 1, 2, ..., N in C order: every output entry names its input position."""
    return np.arange(1, math.prod(shape) + 1, dtype=np.float32).reshape(shape)


def _build(impl, config: NoiseShapeConfig, x: np.ndarray):
    """Build and try once; the layer's rejection of the rate is a usage error (exit 2)."""
    try:
        applier = impls.build(impl, config.rate, config.seed, config.noise_dims)
        applier.train(x)
    except Exception as exc:
        message = impls.exception_message(exc)
        if "rate" in message.lower():
            raise ConfigError(f"Invalid value for `rate`: {impl.name} rejects it ({message}). "
                              f"Received: rate={config.rate!r}", param="rate") from exc
        raise ExperimentError(f"{impl.name} failed on input shape {config.input_dims} with "
                              f"noise_shape {config.noise_dims}: {message}") from exc
    return applier


def _signature(x: np.ndarray, out: np.ndarray, grad: np.ndarray | None):
    """(dropped, multiplier) of one draw."""
    dropped = out == 0
    if grad is not None:
        dropped |= grad == 0
    return dropped, out.astype(np.float64) / x


def _axis_reports(dims, noise, signatures) -> list[AxisReport]:
    names = probe_classify.AXIS_NAMES.get(len(dims)) or [f"axis {a}" for a in range(len(dims))]
    varies = any(d.any() and not d.all() for d, _ in signatures)
    chosen = [d if varies else m for d, m in signatures]  # dropped pattern, else multipliers
    every_axis = tuple(range(len(dims)))
    noisy = not all(probe_classify.constant_along(c, every_axis) for c in chosen)
    reports = []
    for axis, (size, want) in enumerate(zip(dims, noise)):
        constant = sum(probe_classify.constant_along(c, (axis,)) for c in chosen)
        expected = "size 1" if size == 1 else "shared" if want == 1 else "independent"
        if size == 1 or not noisy:
            measured = "size 1" if size == 1 else "undetermined"
        else:
            measured = "shared" if constant == len(signatures) else "independent"
        reports.append(AxisReport(axis, names[axis], size, want, expected, int(constant),
                                  measured, measured == expected))
    return reports


def _none_check(applier, config: NoiseShapeConfig) -> dict | None:
    """C12: apply the same layer to an input whose None axes are 3 longer."""
    noise = config.noise_dims
    if None not in noise:
        return None
    dims = tuple(d + 3 if n is None else d for d, n in zip(config.input_dims, noise))
    wider = structured_input(dims)
    try:
        dropped, _ = _signature(wider, *applier.train(wider))
    except Exception as exc:
        return {"input_shape": list(dims), "ran": False, "error": impls.describe_exception(exc),
                "shared_axes": [], "axes_as_expected": False}
    want = [a for a, (n, d) in enumerate(zip(noise, dims)) if n == 1 and d > 1]
    ok = all(probe_classify.constant_along(dropped, (a,)) for a in want)
    return {"input_shape": list(dims), "ran": True, "error": None, "shared_axes": want,
            "axes_as_expected": ok}


def _result(impl, config, x, signatures, none_check) -> NoiseShapeResult:
    dims, noise = config.input_dims, config.noise_dims
    axes = _axis_reports(dims, noise, signatures)
    kept = float(np.mean([(~d).mean() for d, _ in signatures]))
    first = np.where(signatures[0][0], 0.0, signatures[0][1])  # dropped entries as 0
    result = NoiseShapeResult(
        config=config, framework=impl.framework, framework_version=impl.version(),
        input_shape=list(dims), noise_shape=list(noise),
        resolved_noise_shape=[d if n is None else n for d, n in zip(dims, noise)], axes=axes,
        shared_axes=[a.axis for a in axes if a.measured == "shared"],
        verified=all(a.verified for a in axes), kept_fraction=kept,
        mask=np.round(first, 6).tolist(), none_check=none_check, claims=[], run_dir=Path())
    return dataclasses.replace(result, claims=[_c8(result), _c12(result)])


def _c8(result: NoiseShapeResult):
    from dropout_lab.experiments.probe import Claim

    statement = ("dropout drops single entries unless noise_shape has 1s: noise_shape=(batch, 1, "
                 "features) shares one mask over timesteps, (1, 1, features) over samples too")
    config = result.config
    if any(a.measured == "undetermined" for a in result.axes):
        return Claim("C8", statement, "not measured", f"{config.layer} at rate {config.rate:g} "
                     f"added no noise in {config.draws} draws: no mask to compare")
    independent = [a.axis for a in result.axes if a.measured == "independent"]
    evidence = (f"{config.layer} with noise_shape {tuple(result.noise_shape)} on input "
                f"{tuple(result.input_shape)}: the mask was constant along axes "
                f"{result.shared_axes} in all {config.draws} draws and varied along "
                f"{independent}; noise_shape has 1 on axes "
                f"{[a.axis for a in result.axes if a.expected == 'shared']}")
    return Claim("C8", statement, "confirmed" if result.verified else "refuted", evidence)


def _c12(result: NoiseShapeResult):
    from dropout_lab.experiments.probe import Claim

    statement = "noise_shape entries may be None, resolved from the input at call time"
    check = result.none_check
    if check is None:
        return Claim("C12", statement, "not measured", "noise_shape has no None entry")
    first, second = tuple(result.input_shape), tuple(check["input_shape"])
    if not check["ran"]:
        return Claim("C12", statement, "refuted", f"on input {second}: {check['error']}")
    resolved = tuple(d if n is None else n for d, n in zip(second, result.noise_shape))
    shared = f"constant along axes {check['shared_axes']}"
    evidence = (f"the same {result.config.layer} object (noise_shape "
                f"{tuple(result.noise_shape)}) ran on inputs {first} and {second}, i.e. with "
                f"noise shapes {tuple(result.resolved_noise_shape)} and {resolved}; on the "
                f"second input the mask was " + (shared if check["axes_as_expected"]
                                                 else f"not {shared}"))
    return Claim("C12", statement, "confirmed" if check["axes_as_expected"] else "qualified",
                 evidence)


def to_json(result: NoiseShapeResult) -> dict:
    """The JSON object of ``noise-shape --json`` (also the run's results.json)."""
    out = dataclasses.asdict(result)
    out["run_dir"] = str(result.run_dir)
    out["config"] = cfg.to_dict(result.config)
    return out
