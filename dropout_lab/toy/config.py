"""Configs of ``train``, ``reload`` and ``compare`` (S000's toy net); light: no TF, no NumPy.

Defaults are S000's own settings: Dropout(0.5), full-batch SGD(0.001) on MSE
for 1000 epochs, ten repeated predictions.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.dropouts import registry

MIN_MC_SAMPLES = 100  # the consistency bound relies on the central limit theorem
MAX_RUNS = 1_000_000  # repeated predictions are kept in memory (3 floats each)
TRAIN_FIELDS = ("rate", "epochs", "learning_rate", "seed", "layer")
#: ``compare --framework``: keras trains in-process with ``--layer``; the others train with
#: their own Dropout in a worker process (``dropout_lab.toy.worker_side``).
FRAMEWORKS = ("keras", "torch", "jax")
#: The dropout each framework other than keras trains with (also its --layer name elsewhere).
FRAMEWORK_LAYERS = {"torch": "torch.nn.Dropout", "jax": "flax.nnx.Dropout"}
#: The modules each worker's toy net imports (its extra, registry.EXTRAS, installs them).
FRAMEWORK_MODULES = {"torch": ("torch",), "jax": ("jax", "flax")}


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; defaults are S000's."""

    rate: float = 0.5  # drop probability of the dropout layer (S000: 0.5)
    epochs: int = 1000  # full-batch SGD steps (S000: nb_epoch=1000, 3 samples = 1 batch)
    learning_rate: float = 0.001  # SGD step size (S000: SGD(0.001))
    seed: int = 0  # seeds Python, NumPy, TF and Keras once per run
    layer: str = "keras"  # a --layer value fit for the toy net (see dropouts.registry)

    def __post_init__(self):
        cfg.require_drop_rate("rate", self.rate)
        cfg.require_positive_int("epochs", self.epochs)
        cfg.require_positive("learning_rate", self.learning_rate)
        cfg.require_seed("seed", self.seed)
        registry.check_name(self.layer, registry.TOY)


@dataclass(frozen=True)
class ReloadConfig:
    """Reload settings: which training run, at which rate, how many predictions."""

    run: str  # the training run folder (RUN)
    rate: float = 0.0  # drop rate of the rebuilt net (S000's code two: 0)
    runs: int = 10  # repeated test-time predictions (S000: 10)
    trust_layer: bool = False  # import the MODULE:CLASS layer RUN names (it runs that code)

    def __post_init__(self):
        cfg.require_drop_rate("rate", self.rate)
        _require_runs(self.runs)


@dataclass(frozen=True)
class CompareConfig:
    """Settings of a comparison: the training settings (unless ``run`` is given) and the checks.

    With ``run``, the training settings are the run's recorded ones and the
    five training fields here are replaced by them in the recorded config.
    With ``framework`` torch or jax the net is trained in that framework with
    its own Dropout (``implementation``); ``layer`` then keeps its default and
    ``run`` must be None.
    """

    rate: float = 0.5  # drop probability of the dropout layer (S000: 0.5)
    epochs: int = 1000  # full-batch SGD steps
    learning_rate: float = 0.001  # SGD step size
    seed: int | None = None  # training seed (0) and comparison seed; with run: the run's seed
    layer: str = "keras"  # a --layer value fit for the toy net
    runs: int = 10  # repeated test-time predictions of each net (S000: 10)
    mc_samples: int = 2000  # training-mode passes averaged for the consistency check
    rtol: float = 1e-6  # relative tolerance of the equality checks (~8 float32 ulps)
    z: float = 4.5  # consistency bound in standard errors (false alarm <= 2e-5)
    run: str | None = None  # compare this training run instead of training one
    trust_layer: bool = False  # with run: import the MODULE:CLASS layer it names
    framework: str = "keras"  # keras (in-process), torch or jax (a worker process)

    def __post_init__(self):
        _require_framework(self.framework, self.layer, self.run)
        cfg.require_seed("seed", self.seed)
        if self.run is None:
            self.train_config()  # range checks of the training fields
            require_comparable_rate(self.rate)
        _require_runs(self.runs)
        if self.mc_samples < MIN_MC_SAMPLES:
            raise invalid_value("mc_samples", f"an integer >= {MIN_MC_SAMPLES} (the consistency "
                                "bound relies on the central limit theorem)", self.mc_samples)
        cfg.require_positive_int("mc_samples", self.mc_samples)
        if not (math.isfinite(self.rtol) and self.rtol >= 0):
            raise invalid_value("rtol", "a finite number >= 0", self.rtol)
        cfg.require_positive("z", self.z)

    @property
    def implementation(self) -> str:
        """The dropout under test: ``layer`` in Keras, else the framework's own Dropout."""
        return FRAMEWORK_LAYERS.get(self.framework, self.layer)

    def train_config(self) -> TrainConfig:
        """The training settings, as a TrainConfig (seed None means 0)."""
        return TrainConfig(self.rate, self.epochs, self.learning_rate, self.seed or 0, self.layer)

    def with_training(self, train: TrainConfig) -> "CompareConfig":
        """This config with the training fields of ``train`` (and its seed if none was given)."""
        seed = train.seed if self.seed is None else self.seed
        fields = {name: getattr(train, name) for name in TRAIN_FIELDS}
        return dataclasses.replace(self, **{**fields, "seed": seed})


def _require_framework(framework: str, layer: str, run: str | None) -> None:
    """ConfigError for an unknown framework, or one other than keras with RUN or a --layer."""
    if framework not in FRAMEWORKS:
        raise invalid_value("framework", "one of " + ", ".join(FRAMEWORKS), framework)
    if framework == "keras":
        return
    if run is not None:
        raise invalid_value("framework", "keras when RUN is given (a training run is compared "
                                         "in Keras, with its recorded config)", framework)
    if layer != "keras":
        raise invalid_value("layer", f"keras, the default, with framework={framework!r} (the "
                                     f"toy net then trains with {FRAMEWORK_LAYERS[framework]}, "
                                     "the framework's own dropout)", layer)


def require_installed(framework: str) -> None:
    """ConfigError naming the extra to install when ``framework``'s modules are missing.

    Checked when a comparison starts, not in the config: a stored result of a
    framework that is not installed here can still be shown (``runs show``).
    """
    if framework not in FRAMEWORK_MODULES:
        return
    absent = [m for m in FRAMEWORK_MODULES[framework] if importlib.util.find_spec(m) is None]
    if absent:
        extra = registry.EXTRAS[framework][0]
        verb = "is" if len(absent) == 1 else "are"
        raise ConfigError(f"Invalid value for `framework`: {FRAMEWORK_LAYERS[framework]} needs "
                          f"{', '.join(absent)}, which {verb} not installed; install it with: "
                          f"pip install 'dropout-lab[{extra}]'. Received: "
                          f"framework={framework!r}", param="framework")


def _require_runs(runs: int) -> None:
    cfg.require_positive_int("runs", runs, MAX_RUNS, " (repeated predictions are kept in memory)")


def measure_seed(seed: int) -> int:
    """The seed of the dropout layers' own generators while compare measures (seed + 1, 32-bit)."""
    return (seed + 1) % (cfg.SEED_MAX + 1)


def require_comparable_rate(rate: float) -> None:
    """ConfigError at rate 0: inverted and vanilla dropout are then the same function."""
    if rate <= 0:
        raise invalid_value("rate", "a rate in (0, 1): at rate 0 inverted and vanilla dropout "
                                    "are the same function", rate)
