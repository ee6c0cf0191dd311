"""Monte-Carlo model averaging vs the weight-scaled network (Srivastava et al. 2014, §7.5).

A dropout network defines an ensemble of thinned networks. The cheap way to
predict is one deterministic pass with the weights scaled by keep (Keras's
inverted dropout does this scaling during training, so its inference-mode
net *is* the weight-scaled net). The expensive way averages the softmax
outputs of k training-mode passes, each with fresh masks. The paper (Fig. 11,
MNIST) found the Monte-Carlo average matches weight scaling at about k = 50.

Here, on a model trained with S003's dropout arm: the deterministic test
error e_det (no randomness: one number), and for each k the test error of the
k-pass average in ``repeats`` independent repetitions, reported as a mean
with a Student-t interval over repeats. The first k layers before the first
dropout layer are deterministic, so they run once; only the rest is sampled.
"Reached" = the smallest k whose interval's lower bound is <= e_det (the
Monte-Carlo error is not measurably above the deterministic one).

Verdict on the paper's claim (MC): *confirmed* when the reached k is within a
factor of 2 of the paper's k = 50 (25 <= k <= 100); *qualified* when it is
reached earlier (fewer passes suffice here); *refuted* when it is not reached
although k = 100 was measured; else *inconclusive* (larger k needed).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, computed_field, field_serializer, field_validator

from dropout_lab.core import config as cfg
from dropout_lab.core import results, weights
from dropout_lab.core.data.mnist import load_mnist
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.reading import Run, open_run
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import MANIFEST, RunContext, new_run
from dropout_lab.core.stats import PROPORTION, Interval, mean_interval
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict, judge
from dropout_lab.mnist import units as mnist_units
from dropout_lab.mnist.config import MODEL_ARM, PAPER_K, McAverageConfig, MnistConfig
from dropout_lab.mnist.sweep import KIND as MNIST_KIND

KIND = "mc-average"


@record
class McAverageResult:
    """Deterministic error, Monte-Carlo errors per k and repeat, the k reached.

    ``intervals`` are written as ``mc_error``, each with its ``k``.
    """

    KIND: ClassVar[str] = KIND
    run_dir: Path
    config: McAverageConfig
    source_run: Path | None
    model_source: str  # "units/dropout_seed0 of RUN" or "trained here (...)"
    seed: int
    ks: list[int]
    test_images: int
    deterministic_error: Real
    intervals: Annotated[list[Interval], Field(alias="mc_error")]  # per k, over repeats
    errors: list[list[Real]]  # (repeats, len(ks)) test errors
    reached_k: int | None
    plot: str
    verdicts: list[Verdict]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def repeats(self) -> int:
        """Independent repeats per k."""
        return self.config.repeats

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def paper_k(self) -> int:
        """The k at which the 2014 paper found averaging matches weight scaling (§7.5)."""
        return PAPER_K

    @field_serializer("intervals")
    def _with_k(self, intervals: list[Interval]) -> list[dict[str, Any]]:
        return [{"k": k, **i.to_json()} for k, i in zip(self.ks, intervals, strict=True)]

    @field_validator("intervals", mode="before")
    @classmethod
    def _without_k(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{k: v for k, v in row.items() if k != "k"} if isinstance(row, dict) else row
                    for row in value]
        return value


Result = McAverageResult


def open_source(run_path: str | Path, seed: int | None) -> tuple[Run, MnistConfig, int]:
    """(run, its MnistConfig, unit seed) for RUN; ConfigError if it has no such dropout unit."""
    run = open_run(run_path, (MNIST_KIND,))
    config = cfg.resolve(MnistConfig, run.config, source=str(run.path / MANIFEST))
    if MODEL_ARM not in config.arms:
        raise ConfigError(f"Invalid value for `RUN`: expected a mnist run with a dropout arm. "
                          f"Received: RUN={str(run.path)!r}, arms {','.join(config.arms)}.")
    unit_seed = config.first_seed if seed is None else seed
    if unit_seed not in config.unit_seeds:
        raise invalid_value("seed", f"a seed of RUN's units ({config.unit_seeds[0]}.."
                                    f"{config.unit_seeds[-1]})", unit_seed)
    return run, config, unit_seed


def run(config: McAverageConfig, ctx: RunContext | None = None) -> McAverageResult:
    """Load the run's dropout unit (or train one), then measure and write the run."""
    ctx = ctx or RunContext()
    source = open_source(config.run, config.seed) if config.run is not None else None
    training = None if source else config.training_config()
    seed = source[2] if source else _required(training).first_seed
    config = dataclasses.replace(config, seed=seed)  # recorded resolved: one seed value
    mnist = load_mnist(ctx.data_dir)
    seed_everything(seed)
    ctx.report("starting TensorFlow", 1, 1)
    extra = {"source_run": str(source[0].path)} if source else {}
    with new_run(ctx.out, KIND, cfg.to_dict(config), seed, ctx.command, extra,
                 started=ctx.started) as folder:
        if source:
            model_config, weights_path = source[1], source[0].verified(_weights_name(seed))
            origin = f"{_unit_dir(seed)} of {source[0].path}"
        else:
            model_config = _required(training)
            weights_path = _train(model_config, mnist, folder, ctx)
            origin = (f"trained here ({model_config.steps} steps, "
                      f"{model_config.train_images} images)")
        measured = _measure(config, model_config, weights_path, seed, mnist, ctx)
        result = _record(config, folder, measured, seed, origin,
                         source[0].path if source else None)
    return result


def _required(training: MnistConfig | None) -> MnistConfig:
    """The training config, which run() made because no source run was given."""
    assert training is not None, "without a source run, a model is trained"
    return training


def _unit_dir(seed: int) -> str:
    return f"{mnist_units.UNITS_DIR}/{mnist_units.unit_name(MODEL_ARM, seed)}"


def _weights_name(seed: int) -> str:
    return f"{_unit_dir(seed)}/{mnist_units.WEIGHTS_FILE}"


def _train(training: MnistConfig, mnist, folder, ctx) -> Path:
    data = mnist_units.unit_data(training, mnist)

    def report(step: int) -> None:
        ctx.report("training the dropout model", step, training.steps)

    unit, model = mnist_units.train_unit(training, MODEL_ARM, training.first_seed, data, report)
    mnist_units.save_unit(folder, unit, weights.snapshot(model), training)
    return folder.path / _weights_name(training.first_seed)


def _measure(config: McAverageConfig, model_config: MnistConfig, weights_path: Path, seed: int,
             mnist, ctx) -> dict:
    from dropout_lab.core import mlp as mm  # TensorFlow

    # fresh mask seeds for the sampling (the weights are overwritten by the file)
    model = mm.build_mlp(model_config.hidden_units, model_config.drop_rates,
                         model_config.kernel_init, mm.derived_seed(seed, 4))
    weights.load(model, weights_path)
    sampler = mm.McSampler(model, mnist.x_test, mnist.y_test)
    ks = config.sorted_ks
    errors = []
    for repeat in range(config.repeats):
        errors.append(sampler.errors(ks))  # (len(ks),)
        ctx.report("Monte-Carlo passes", repeat + 1, config.repeats)
    return {"deterministic": sampler.deterministic_error(), "errors": np.array(errors),
            "ks": ks, "test_images": len(mnist.y_test)}


def verdict(ks: list[int], intervals: list[Interval], deterministic: float,
            reached: int | None) -> Verdict:
    """The paper's claim (MC), from the smallest k reached (see the module docstring)."""
    if reached is not None and PAPER_K / 2 <= reached <= 2 * PAPER_K:
        outcome = "confirmed"
    elif reached is not None:
        outcome = "qualified" if reached < PAPER_K / 2 else "refuted"
    else:
        outcome = "refuted" if max(ks) >= 2 * PAPER_K else "inconclusive"
    shown = (f"reached at k = {reached}" if reached is not None
             else f"not reached up to k = {max(ks)}")
    last = intervals[-1]
    evidence = (f"deterministic (weight-scaled) test error {deterministic:.4f}; Monte-Carlo "
                f"average {shown}; at k = {ks[-1]}: {last.estimate:.4f} "
                f"[{last.low:.4f}, {last.high:.4f}]")
    test = (f"smallest k whose {last.confidence:.0%} interval over repeats reaches the "
            f"deterministic error; confirmed within a factor of 2 of the paper's k = {PAPER_K}")
    return judge("MC", outcome, evidence, test,
                 {"reached_k": reached, "deterministic_error": deterministic})


def _record(config: McAverageConfig, folder, measured: dict, seed: int, origin: str,
            source_run: Path | None) -> McAverageResult:
    from dropout_lab.mnist import plots  # matplotlib

    errors, ks, det = measured["errors"], measured["ks"], measured["deterministic"]
    intervals = [mean_interval(errors[:, i], config.confidence, PROPORTION)
                 for i in range(len(ks))]
    reached = next((k for k, i in zip(ks, intervals, strict=True) if i.low <= det), None)
    plot = plots.mc_average(folder.path, ks, [i.estimate for i in intervals],
                            [i.low for i in intervals], [i.high for i in intervals], det,
                            PAPER_K, reached)
    result = McAverageResult(run_dir=folder.final_path, config=config, source_run=source_run,
                             model_source=origin, seed=seed, ks=ks,
                             test_images=measured["test_images"], deterministic_error=det,
                             errors=errors.tolist(), intervals=intervals, reached_k=reached,
                             plot=plot, verdicts=[verdict(ks, intervals, det, reached)])
    folder.write_json("results.json", results.to_json(result))
    return result
