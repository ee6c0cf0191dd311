"""Monte-Carlo model averaging vs the weight-scaled network (Srivastava et al. 2014, §7.5).

A dropout network defines an ensemble of thinned networks. The cheap way to
predict is one deterministic pass with the weights scaled by keep (Keras's
inverted dropout does this scaling during training, so its inference-mode
net *is* the weight-scaled net). The expensive way averages the softmax
outputs of k training-mode passes, each with fresh masks. The paper (Fig. 11,
MNIST) found the Monte-Carlo average matches weight scaling at about k = 50.

Here, on a model trained with seed 003's dropout arm: the deterministic test
error e_det (no randomness: one number), and for each k the test error of the
k-pass average in ``repeats`` independent repetitions, reported as a mean
with a Student-t interval over repeats. The first k layers before the first
dropout layer are deterministic, so they run once; only the rest is sampled.
"Reached" = the smallest k whose interval's lower bound is <= e_det (the
Monte-Carlo error is not measurably above the deterministic one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import config as cfg
from dropout_lab.errors import ConfigError, invalid_value
from dropout_lab.experiments.mnist import KIND as MNIST_KIND, MnistConfig
from dropout_lab.runs import RunContext, new_run
from dropout_lab.stats import Interval, mean_interval

KIND = "mc-average"
PAPER_K = 50  # Srivastava et al. 2014, §7.5: MC averaging matches weight scaling at k ~ 50
MODEL_ARM = "dropout"


@dataclass(frozen=True)
class McAverageConfig:
    """What to average; the model comes from a mnist run or is trained (seed 003's dropout arm)."""

    ks: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100)  # passes averaged (Fig. 11 of the paper)
    repeats: int = 10  # independent repetitions per k (the error bars)
    seed: int | None = None  # unit seed of the model: RUN's first seed, else 0
    confidence: float = 0.95  # coverage of the intervals
    steps: int | None = None  # training the model (no RUN): updates (None: seed 003's 4690)
    train_subset: int | None = None  # training the model (no RUN): first N images (None: all)

    def __post_init__(self):
        if not self.ks or any(k < 1 for k in self.ks):
            raise invalid_value("k", "a comma-separated list of integers >= 1",
                                ",".join(map(str, self.ks)))
        if self.repeats < 2:
            raise invalid_value("repeats", "an integer >= 2 (an error bar needs two repeats)",
                                self.repeats)
        if not 0 < self.confidence < 1:
            raise invalid_value("confidence", "a number in (0, 1)", self.confidence)

    @property
    def sorted_ks(self) -> list[int]:
        """The distinct ks, ascending."""
        return sorted(set(self.ks))

    def training_config(self) -> MnistConfig:
        """The sweep config that trains the model when no RUN is given (one dropout unit)."""
        given = {"steps": self.steps, "train_subset": self.train_subset}
        return MnistConfig(arms=(MODEL_ARM,), seeds=1, first_seed=self.seed or 0,
                           **{k: v for k, v in given.items() if v is not None})


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,2,5"`` -> (1, 2, 5); ConfigError for zeros, negatives or non-integers."""
    try:
        ks = tuple(int(part) for part in text.split(","))
    except ValueError:
        ks = ()
    if not ks or any(k < 1 for k in ks):
        raise invalid_value("k", "a comma-separated list of integers >= 1", text)
    return ks


@dataclass(frozen=True)
class McAverageResult:
    """Deterministic error, Monte-Carlo errors per k and repeat, the k reached."""

    run_dir: Path
    model_source: str  # "units/dropout_seed0 of RUN" or "trained here (...)"
    seed: int
    ks: list[int]
    repeats: int
    confidence: float
    test_images: int
    deterministic_error: float
    errors: list[list[float]]  # (repeats, len(ks)) test errors
    intervals: list[Interval]  # per k, over repeats
    reached_k: int | None
    plot: str
    paper_k: int = PAPER_K


def open_source(run_path: Path, seed: int | None):
    """(run, its MnistConfig, unit seed) for RUN; ConfigError if it has no such dropout unit."""
    from dropout_lab.runs import open_run

    run = open_run(run_path, (MNIST_KIND,))
    config = cfg.resolve(MnistConfig, run.config, source=str(run.path / "manifest.json"))
    if MODEL_ARM not in config.arms:
        raise ConfigError(f"Invalid value for `RUN`: expected a mnist run with a dropout arm. "
                          f"Received: RUN={str(run.path)!r}, arms {','.join(config.arms)}.")
    unit_seed = config.first_seed if seed is None else seed
    if unit_seed not in config.unit_seeds:
        raise invalid_value("seed", f"a seed of RUN's units ({config.unit_seeds[0]}.."
                                    f"{config.unit_seeds[-1]})", unit_seed)
    return run, config, unit_seed


def run(config: McAverageConfig, run_path: Path | None = None,
        ctx: RunContext = RunContext()) -> McAverageResult:
    """Load RUN's dropout unit (or train one), then measure and write the run."""
    from dropout_lab.tfenv import import_tf, seed_everything

    source = open_source(run_path, config.seed) if run_path is not None else None
    training = None if source else config.training_config()
    seed = source[2] if source else training.first_seed
    mnist = _load_mnist()
    import_tf()
    ctx.report("starting TensorFlow", 1, 1)
    seed_everything(seed)
    extra = {"source_run": str(source[0].path)} if source else {}
    with new_run(ctx.out, KIND, cfg.to_dict(config), seed, ctx.command, extra) as folder:
        if source:
            model_config, weights_path = source[1], source[0].verified(_weights_name(seed))
            origin = f"{_unit_dir(seed)} of {source[0].path}"
        else:
            model_config, weights_path = training, _train(training, mnist, folder, ctx)
            origin = f"trained here ({training.steps} steps, {training.train_images} images)"
        measured = _measure(config, model_config, weights_path, seed, mnist, ctx)
        result = _record(config, folder, measured, seed, origin)
    return result


def _load_mnist():
    from dropout_lab.data.mnist import load_mnist

    return load_mnist()


def _unit_dir(seed: int) -> str:
    from dropout_lab.mnist_units import UNITS_DIR, unit_name

    return f"{UNITS_DIR}/{unit_name(MODEL_ARM, seed)}"


def _weights_name(seed: int) -> str:
    from dropout_lab.mnist_units import WEIGHTS_FILE

    return f"{_unit_dir(seed)}/{WEIGHTS_FILE}"


def _train(training: MnistConfig, mnist, folder, ctx) -> Path:
    from dropout_lab import mnist_units

    data = mnist_units.unit_data(training, mnist)
    report = lambda step: ctx.report("training the dropout model", step, training.steps)  # noqa
    unit, model = mnist_units.train_unit(training, MODEL_ARM, training.first_seed, data, report)
    mnist_units.save_unit(folder, unit, model, training)
    return folder.path / _weights_name(training.first_seed)


def _measure(config: McAverageConfig, model_config: MnistConfig, weights_path: Path, seed: int,
             mnist, ctx) -> dict:
    from dropout_lab import mnist_model as mm
    from dropout_lab import weights

    # fresh mask seeds for the sampling (the weights are overwritten by the file)
    model = mm.build_mlp(model_config.hidden_units, model_config.drop_rates,
                         model_config.kernel_init, mm.derived_seed(seed, 4))
    weights.load(model, weights_path)
    sampler = mm.McSampler(model, mnist.x_test, mnist.y_test)
    ks = config.sorted_ks
    errors = []
    for repeat in range(config.repeats):
        errors.append(sampler.errors(max(ks))[np.array(ks) - 1])  # (len(ks),)
        ctx.report("Monte-Carlo passes", repeat + 1, config.repeats)
    return {"deterministic": sampler.deterministic_error(), "errors": np.array(errors),
            "ks": ks, "test_images": len(mnist.y_test)}


def _record(config: McAverageConfig, folder, measured: dict, seed: int,
            origin: str) -> McAverageResult:
    from dropout_lab import plots

    errors, ks, det = measured["errors"], measured["ks"], measured["deterministic"]
    intervals = [mean_interval(errors[:, i], config.confidence) for i in range(len(ks))]
    reached = next((k for k, i in zip(ks, intervals) if i.low <= det), None)
    plot = plots.mc_average(folder.path, ks, [i.estimate for i in intervals],
                            [i.low for i in intervals], [i.high for i in intervals], det,
                            PAPER_K, reached)
    result = McAverageResult(run_dir=folder.final_path, model_source=origin, seed=seed, ks=ks,
                             repeats=config.repeats, confidence=config.confidence,
                             test_images=measured["test_images"], deterministic_error=det,
                             errors=errors.tolist(), intervals=intervals, reached_k=reached,
                             plot=plot)
    folder.write_json("results.json", to_json(result))
    return result


def to_json(result: McAverageResult) -> dict:
    """The JSON object of ``mc-average --json`` (also the run's results.json)."""
    from dropout_lab.experiments.mnist_verdicts import interval_json

    return {"run_dir": str(result.run_dir), "model_source": result.model_source,
            "seed": result.seed, "ks": result.ks, "repeats": result.repeats,
            "test_images": result.test_images,
            "deterministic_error": result.deterministic_error,
            "mc_error": [{"k": k, **interval_json(i)} for k, i in zip(result.ks,
                                                                      result.intervals)],
            "errors": result.errors, "reached_k": result.reached_k, "paper_k": result.paper_k,
            "plot": result.plot}
