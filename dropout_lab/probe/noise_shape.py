"""``noise-shape``: which entries share one dropout mask (S002 and S004: claims C8, C12).

A layer built with ``noise_shape`` is applied in training mode, ``draws``
times, to a structured input whose entries are 1, 2, ..., N (all distinct).
An entry is dropped when its output is 0 or its gradient is 0; an axis
*shares* the mask when, in every draw, every slice along it carries the same
dropped pattern (or, when nothing is dropped, the same multiplier out/x).
Expected: exactly the axes where ``noise_shape`` is 1 and the input is longer
than 1. A wrongly shared axis passes one draw by chance with probability at
most ``(rate^L + (1-rate)^L)`` per independent slice, so over ``draws``
draws (200 by default) the chance vanishes. The same layer without
``noise_shape`` is the control: it must share no axis (single entries are
dropped, C8). ``None`` entries are resolved from the input at call time
(C12): the same layer object is then applied to an input whose ``None`` axes
are 3 longer, and its mask checked again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.errors import ConfigError, ExperimentError, invalid_value
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import classify, registry
from dropout_lab.dropouts.probing import build, framework_version
from dropout_lab.probe import verdicts
from dropout_lab.probe.config import NoiseShapeConfig

KIND = "noise-shape"


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


@record
class NoiseShapeResult:
    """What noise-shape measured."""

    KIND: ClassVar[str] = KIND
    config: NoiseShapeConfig
    framework: str
    framework_version: str
    input_shape: list[int]
    noise_shape: list[int | None]
    resolved_noise_shape: list[int]
    axes: list[AxisReport]
    control_axes: list[AxisReport]  # the same layer without noise_shape: expected independent
    shared_axes: list[int]  # measured
    verified: bool  # every axis as noise_shape says
    kept_fraction: Real  # over all draws
    mask: list[Any]  # first draw: out / x per entry (0 = dropped), nested like the input
    none_check: dict[str, Any] | None  # C12: the same layer on an input with longer None axes
    verdicts: list[Verdict]
    run_dir: Path
    #: Draws that show the pattern (``Tally.revealing``): {"draw": index, "mask": nested}, the
    #: layer's, then the control's (0.2 runs: none; the figure shows ``mask``).
    shown_draws: list[dict[str, Any]] | None = None
    control_draws: list[dict[str, Any]] | None = None


Result = NoiseShapeResult


def run(config: NoiseShapeConfig, ctx: RunContext | None = None) -> NoiseShapeResult:
    """Apply, compare slices, check None resolution; write ``ctx.out/noise-shape/<id>/``."""
    ctx = ctx or RunContext()
    impl = registry.resolve(config.layer, registry.NOISE_SHAPE)
    require_noise_shape(impl)
    seed_everything(config.seed)
    x = structured_input(config.input_dims)
    applier = _build(impl, config, x, config.noise_dims)
    tally = _draw(applier, x, config.draws, lambda done: ctx.report("draws", done,
                                                                     2 * config.draws))
    plain = _build(impl, config, x, None)
    control = _draw(plain, x, config.draws, lambda done: ctx.report(
        "draws", config.draws + done, 2 * config.draws))
    none_check = _none_check(applier, config)
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        result = _result(impl, config, tally, control, none_check, folder.final_path)
        folder.write_json("results.json", results.to_json(result))
    return result


def require_noise_shape(impl: registry.Implementation) -> None:
    """ConfigError unless ``impl`` takes ``noise_shape`` (a user's layer is known once imported)."""
    if not impl.takes_noise_shape:
        raise invalid_value("layer", "an implementation that takes noise_shape ("
                            + ", ".join(registry.known_names(registry.NOISE_SHAPE))
                            + " or MODULE:CLASS with a noise_shape argument)", impl.name)


def structured_input(shape: tuple[int, ...]) -> np.ndarray:
    """Entries 1, 2, ..., N in C order: every output entry names its input position."""
    return np.arange(1, math.prod(shape) + 1, dtype=np.float32).reshape(shape)


def _build(impl, config: NoiseShapeConfig, x: np.ndarray, noise_shape):
    """Build and try once; the layer's rejection of the rate is a usage error (exit 2)."""
    try:
        applier = build(impl, config.rate, config.seed, noise_shape)
        out, grad = applier.train(x)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # a user's layer may raise anything
        message = registry.exception_message(exc)
        if "rate" in message.lower():
            raise ConfigError(f"Invalid value for `rate`: {impl.name} rejects it ({message}). "
                              f"Received: rate={config.rate!r}", param="rate") from exc
        raise ExperimentError(f"{impl.name} failed on input shape {config.input_dims} with "
                              f"noise_shape {noise_shape}: {message}") from exc
    for name, value in (("output", out), ("gradient", grad)):
        if value is not None and np.shape(value) != x.shape:
            raise ExperimentError(f"{impl.name} returns a {name} of shape {np.shape(value)} for "
                                  f"an input of shape {x.shape}; a dropout layer keeps the shape.")
    return applier


def _signature(x: np.ndarray, out: np.ndarray, grad: np.ndarray | None):
    """(dropped, multiplier) of one draw."""
    dropped = out == 0
    if grad is not None:
        dropped |= grad == 0
    return dropped, out.astype(np.float64) / x


class Tally:
    """What the draws say about each axis, counted as they come: memory does not grow with draws.

    Both signatures are counted, the dropped pattern and the multiplier out/x;
    the dropped pattern decides when some draw drops part of the entries, the
    multiplier when none does (continuous noise, or nothing dropped).
    """

    def __init__(self, ndim: int):
        self.draws, self.varies, self.kept = 0, False, 0.0
        self.first: np.ndarray | None = None  # the first draw's multipliers, dropped as 0
        self.noisy = {"dropped": False, "multiplier": False}
        self.constant = {"dropped": [0] * ndim, "multiplier": [0] * ndim}
        self.revealing: list[tuple[int, np.ndarray]] = []  # at most SHOWN draws

    def add(self, dropped: np.ndarray, multiplier: np.ndarray) -> None:
        """Count one draw."""
        shown = np.where(dropped, 0.0, multiplier)  # dropped entries as 0
        if self.first is None:
            self.first = shown
        if len(self.revealing) < SHOWN and reveals(dropped):
            self.revealing.append((self.draws, shown))
        self.draws += 1
        self.kept += float((~dropped).mean())
        self.varies |= bool(dropped.any() and not dropped.all())
        every_axis = tuple(range(dropped.ndim))
        for key, signature in (("dropped", dropped), ("multiplier", multiplier)):
            self.noisy[key] |= not classify.constant_along(signature, every_axis)
            for axis in every_axis:
                self.constant[key][axis] += classify.constant_along(signature, (axis,))

    @property
    def first_mask(self) -> np.ndarray:
        """The first draw's multipliers, dropped entries as 0 (once a draw is counted)."""
        assert self.first is not None, "no draw counted yet"
        return self.first

    @property
    def kept_fraction(self) -> float:
        """The mean kept fraction over the draws."""
        return self.kept / self.draws

    def decisive(self) -> tuple[bool, list[int]]:
        """(any noise at all, per axis the draws in which every slice was equal)."""
        key = "dropped" if self.varies else "multiplier"
        return self.noisy[key], self.constant[key]


SHOWN = 3  # draws the figure shows


def reveals(dropped: np.ndarray) -> bool:
    """A draw shows its pattern when every sample (a slice of the first axis) keeps some
    entries and drops some: an all-kept or all-dropped sample shows no sharing."""
    per_sample = dropped.reshape(dropped.shape[0], -1) if dropped.ndim > 1 else dropped[None]
    return bool(np.all(per_sample.any(axis=1) & ~per_sample.all(axis=1)))


def _shown(tally: Tally) -> list[dict[str, Any]]:
    return [{"draw": index, "mask": np.round(mask, 6).tolist()} for index, mask
            in tally.revealing]


def _draw(applier, x: np.ndarray, draws: int, report) -> Tally:
    tally = Tally(x.ndim)
    for done in range(1, draws + 1):
        tally.add(*_signature(x, *applier.train(x)))
        if done % 50 == 0 or done == draws:
            report(done)
    return tally


def _axis_reports(dims, noise, tally: Tally) -> list[AxisReport]:
    names = classify.axis_names(len(dims))
    noisy, constant = tally.decisive()
    reports = []
    for axis, (size, want) in enumerate(zip(dims, noise, strict=True)):
        expected = "size 1" if size == 1 else "shared" if want == 1 else "independent"
        if size == 1 or not noisy:
            measured = "size 1" if size == 1 else "undetermined"
        else:
            measured = "shared" if constant[axis] == tally.draws else "independent"
        reports.append(AxisReport(axis, names[axis], size, want, expected, int(constant[axis]),
                                  measured, measured == expected))
    return reports


def _none_check(applier, config: NoiseShapeConfig) -> dict | None:
    """C12: apply the same layer to an input whose None axes are 3 longer."""
    noise = config.noise_dims
    if None not in noise:
        return None
    dims = tuple(d + 3 if n is None else d for d, n in zip(config.input_dims, noise, strict=True))
    wider = structured_input(dims)
    try:
        dropped, _ = _signature(wider, *applier.train(wider))
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001  (a user's layer may raise anything)
        return {"input_shape": list(dims), "ran": False,
                "error": registry.describe_exception(exc), "shared_axes": [],
                "axes_as_expected": False}
    want = [a for a, (n, d) in enumerate(zip(noise, dims, strict=True)) if n == 1 and d > 1]
    ok = all(classify.constant_along(dropped, (a,)) for a in want)
    return {"input_shape": list(dims), "ran": True, "error": None, "shared_axes": want,
            "axes_as_expected": ok}


def _result(impl, config: NoiseShapeConfig, tally: Tally, control: Tally, none_check,
            run_dir: Path) -> NoiseShapeResult:
    dims, noise = config.input_dims, config.noise_dims
    axes = _axis_reports(dims, noise, tally)
    control_axes = _axis_reports(dims, dims, control)  # noise_shape = the input's shape
    shared = [a.axis for a in axes if a.measured == "shared"]
    resolved = [d if n is None else n for d, n in zip(dims, noise, strict=True)]
    found = [verdicts.c8(config.layer, config.rate, config.draws, axes, control_axes, shared,
                         list(dims), list(noise)),
             verdicts.c12(config.layer, none_check, list(dims), list(noise), resolved)]
    return NoiseShapeResult(
        config=config, framework=impl.framework, framework_version=framework_version(impl),
        input_shape=list(dims), noise_shape=list(noise), resolved_noise_shape=resolved,
        axes=axes, control_axes=control_axes, shared_axes=shared,
        verified=all(a.verified for a in axes),
        kept_fraction=tally.kept_fraction, mask=np.round(tally.first_mask, 6).tolist(),
        none_check=none_check, verdicts=found,
        run_dir=run_dir, shown_draws=_shown(tally), control_draws=_shown(control))
