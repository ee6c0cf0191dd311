"""S000's experiment with a verdict: inverted, vanilla, or inconsistent dropout.

Trains the toy net (or opens a training run), reloads its weights into the
rate-0 net, and runs the three checks of ``dropout_lab.toy.verdicts`` on
S000's three inputs. The result names the classification (``inverted``,
``vanilla``, ``indistinguishable``, ``inconsistent``, ``other``) and the
verdict: C1 when the layer is Keras's Dropout, else "this layer is inverted".

With ``framework`` torch or jax the net is trained, saved, reloaded and
measured in that framework's worker process (``toy.in_worker``), from the
Keras net's initial weights, with the framework's own Dropout; the same
checks and verdict follow. There is then no separate training run: the
comparison's own folder holds the weights file (``weights.h5``, the format
and names a Keras training run writes) beside results.json and the manifest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, computed_field, field_serializer, field_validator

from dropout_lab.core import config as cfg
from dropout_lab.core import results, tensorboard
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, new_run
from dropout_lab.core.series import Series, points
from dropout_lab.core.tfenv import seed_everything, versions
from dropout_lab.core.verdict import Verdict
from dropout_lab.dropouts import registry
from dropout_lab.toy import in_worker
from dropout_lab.toy import reload as reload_exp
from dropout_lab.toy import train as train_exp
from dropout_lab.toy.common import HIDDEN_UNITS, INPUTS
from dropout_lab.toy.config import (
    CompareConfig,
    measure_seed,
    require_comparable_rate,
    require_installed,
)
from dropout_lab.toy.verdicts import (
    Check,
    Measured,
    checks_from,
    decide,
    labelled,
    layer_verdict,
    mark_undecidable,
    undecidable,
)

KIND = "compare"


@dataclass(frozen=True)
class Sample:
    """Per-sample numbers; f_r = trained net at test time, f_0 = rate-0 reload."""

    input: list[float]
    trained_test: Real  # f_r(x)
    reload_rate0: Real  # f_0(x)
    diff: Real  # f_r - f_0
    ratio: Real  # f_r / f_0 (NaN where f_0 is 0)
    vanilla_expected: Real  # g(x): rate-0 net with dropout input x keep
    train_mode_mean: Real  # mean of mc_samples training-mode passes
    train_mode_se: Real  # its standard error


@record
class CompareResult:
    """Everything the comparison measured (``checks`` are written as an object keyed by name)."""

    KIND: ClassVar[str] = KIND
    config: CompareConfig  # with the training fields actually used
    classification: str
    layer_class: str
    max_abs_diff: Real  # max |f_r - f_0| over samples
    repeat_spread: Real  # max spread over the repeated test-time predictions
    round_trip_diff: Real  # max |f_r rebuilt from file - f_r recorded at training|
    source_run: Path | None  # the training run compared (None: trained in this run's worker)
    run_dir: Path  # this comparison's own run folder
    samples: list[Sample]
    checks: list[Check]
    verdicts: list[Verdict]
    trained_now: bool  # True when this comparison trained the run itself
    # the versions of the framework that trained and measured the net, e.g. {"torch": "2.14.1"}
    framework_versions: dict[str, str] = dataclasses.field(default_factory=dict)
    # the loss before each training step, when this run trained the net in a worker (a
    # Keras comparison's training run records its own)
    losses: Annotated[list[Real], Field(alias="train/loss")] = dataclasses.field(
        default_factory=list)

    def series(self) -> list[Series]:
        """The worker's training loss per step, for TensorBoard and MLflow (``core.series``)."""
        if not self.losses:
            return []
        return [Series("", {"train/loss": points(list(range(len(self.losses))), self.losses)})]

    def part_runs(self) -> list[Path]:
        """The training run this comparison made (MLflow logs it as a child run)."""
        return [self.source_run] if self.trained_now and self.source_run else []

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def layer(self) -> str:
        """The dropout under test (``config.implementation``)."""
        return self.config.implementation

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def rate(self) -> float:
        """Its drop rate."""
        return self.config.rate

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def framework(self) -> str:
        """The framework that trained and measured the net."""
        return self.config.framework

    @field_serializer("checks")
    def _checks_by_name(self, checks: list[Check]) -> dict[str, dict[str, Any]]:
        return {c.name: {k: v for k, v in dataclasses.asdict(c).items() if k != "name"}
                for c in checks}

    @field_validator("checks", mode="before")
    @classmethod
    def _checks_from_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [{**fields, "name": name} if isinstance(fields, dict) else fields
                    for name, fields in value.items()]
        return value


Result = CompareResult


def run(config: CompareConfig, ctx: RunContext | None = None) -> CompareResult:
    """Train (without ``config.run``) or open the run, then run the three checks.

    Raises:
        ConfigError: ``config.framework`` is not installed (the message names its extra).
        ExperimentError: training diverged, a file is damaged, a layer or a worker failed.
    """
    ctx = ctx or RunContext()
    if config.framework != "keras":
        return _run_in_worker(config, ctx)
    trained_now = config.run is None
    if config.run is None:
        config = config.with_training(config.train_config())
        seed_everything(config.resolved_seed())
        source = train_exp.train_into_run(config.train_config(), ctx).run_dir
    else:
        source = Path(config.run)
        config = config.with_training(reload_exp.open_train_run(config.run,
                                                                config.trust_layer)[1])
        require_comparable_rate(config.rate)
        seed_everything(config.resolved_seed())
    toy_run, train_config = reload_exp.open_train_run(source, trust_layer=True)
    measured = _measure(toy_run, train_config, config, ctx)
    return _record(config, toy_run.path, measured, trained_now, ctx)


def _measure(toy_run, train_config, config: CompareConfig, ctx: RunContext) -> Measured:
    from dropout_lab.dropouts import appliers  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    recorded = reload_exp.recorded_predictions(toy_run)
    seed = measure_seed(config.resolved_seed())  # the layers' own generators
    trained = reload_exp.rebuild(toy_run, train_config, config.rate, seed)
    reloaded = reload_exp.rebuild(toy_run, train_config, 0.0, seed, layer="keras")
    with appliers.layer_errors(config.layer, "at test time"):
        f_r = np.stack([net.predict(trained) for _ in range(config.runs)])  # (runs, samples)
    f_0 = np.stack([net.predict(reloaded) for _ in range(config.runs)])
    with appliers.layer_errors(config.layer, "in training mode"):
        mean, sd = net.training_mode_moments(
            trained, config.mc_samples,
            progress=lambda done, total: ctx.report("training-mode passes", done, total))
    return Measured(f_r=f_r, f_0=f_0, g=net.vanilla_expectation(reloaded, 1.0 - config.rate),
                    mean=mean, se=sd / np.sqrt(config.mc_samples),
                    recorded=np.asarray(recorded),
                    layer_class=appliers.public_name(trained.get_layer("dropout")))


def _samples(m: Measured) -> list[Sample]:
    f_r, f_0 = m.f_r[0].astype(np.float64), m.f_0[0].astype(np.float64)
    return [Sample(input=x, trained_test=float(a), reload_rate0=float(b), diff=float(a - b),
                   ratio=float(a / b) if b else float("nan"), vanilla_expected=float(gv),
                   train_mode_mean=float(mu), train_mode_se=float(se))
            for x, a, b, gv, mu, se in zip(INPUTS.tolist(), f_r, f_0, m.g, m.mean, m.se,
                                           strict=True)]


def _run_in_worker(config: CompareConfig, ctx: RunContext) -> CompareResult:
    """Train and measure in ``config.framework``'s worker; its weights land in this run folder."""
    require_installed(config.framework)
    config = config.with_training(config.train_config())
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 {"source_run": None, "framework": config.framework},
                 started=ctx.started) as folder:
        measured, found, losses = in_worker.measure(config, folder.path / in_worker.WEIGHTS,
                                                    ctx)
        folder.manifest["framework_versions"] = found
        result = CompareResult(run_dir=folder.final_path, framework_versions=found,
                               losses=losses, **_fields(config, None, measured, trained_now=True))
        folder.write_json("results.json", results.to_json(result))
        tensorboard.write(folder, result)
    return result


def _fields(config: CompareConfig, source: Path | None, m: Measured, trained_now: bool) -> dict:
    """The CompareResult fields the checks and the measurements give (all but the folders')."""
    checks = checks_from(m, config.rtol, config.z)
    noise = getattr(registry.builtin(config.implementation), "noise", "bernoulli")
    # the dropout layer drops from the first Dense layer's HIDDEN_UNITS outputs
    why = undecidable(config.rate, config.mc_samples, noise, HIDDEN_UNITS)
    if why:
        checks = mark_undecidable(checks, why)
    inverted, vanilla, consistent = (c.passed for c in checks)
    classification = labelled(decide(inverted, vanilla, consistent, decidable=why is None),
                              noise)
    verdict = layer_verdict(classification, checks, m.layer_class, noise, config.rtol, config.z,
                            why)
    return dict(config=config, classification=classification, layer_class=m.layer_class,
                max_abs_diff=float(np.abs(m.f_r[0] - m.f_0[0]).max()),
                repeat_spread=float(max(np.ptp(m.f_r, axis=0).max(),
                                        np.ptp(m.f_0, axis=0).max())),
                round_trip_diff=float(np.abs(m.f_r[0] - m.recorded).max()),
                source_run=source, samples=_samples(m), checks=checks, verdicts=[verdict],
                trained_now=trained_now)


def _record(config: CompareConfig, source: Path, m: Measured, trained_now: bool,
            ctx: RunContext) -> CompareResult:
    fields = _fields(config, source, m, trained_now)
    found = versions()  # TensorFlow has been imported: Keras's and TensorFlow's are there
    keras_versions: dict[str, str] = {name: found[name] for name in ("keras", "tensorflow")
                                      if name in found}
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 {"source_run": str(source)}, started=ctx.started) as folder:
        result = CompareResult(run_dir=folder.final_path, framework_versions=keras_versions,
                               **fields)
        folder.write_json("results.json", results.to_json(result))
    return result
