"""Configs of ``train``, ``reload`` and ``compare`` (S000's toy net); light: no TF, no NumPy.

Defaults are S000's own settings: Dropout(0.5), full-batch SGD(0.001) on MSE
for 1000 epochs, ten repeated predictions. Each field declares its option
(``core.options``): help, flag and bounds, once.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.config import COUNT, POSITIVE, SEED
from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.core.options import Config, option
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

#: Below 0 is left to the layer under test, whose own range applies.
RATE = dict(lt=1, expected="a drop probability below 1 (rate 1 keeps nothing, so "
                                 "keep = 1 - rate = 0)")
RUNS = dict(ge=1, le=MAX_RUNS, why=" (repeated predictions are kept in memory)")
LAYER_HELP = ("Dropout implementation: keras, vanilla, a built-in name such as "
              "keras.layers.GaussianDropout or tf.nn.dropout (an unknown name lists them), "
              "or MODULE:CLASS (a Keras layer of yours).")
TRUST_HELP = ("Import the MODULE:CLASS layer RUN's manifest names. Reading a run folder never "
              "runs code otherwise: trust only runs you made or checked.")


@dataclass(frozen=True)
class TrainConfig(Config):
    """Training settings; defaults are S000's."""

    rate: float = option(0.5, "Drop probability of the dropout layer (S000: 0.5).", **RATE)
    epochs: int = option(1000, "Full-batch SGD steps (S000: nb_epoch=1000; 3 samples are one "
                               "batch).", **COUNT)
    learning_rate: float = option(0.001, "SGD step size (S000: SGD(0.001)).",
                                  aliases=("--lr",), **POSITIVE)
    seed: int = option(0, "Seeds Python, NumPy, TF and Keras once per run.", **SEED)
    layer: str = option("keras", LAYER_HELP)

    def check(self) -> None:
        registry.check_name(self.layer, registry.TOY)


@dataclass(frozen=True)
class ReloadConfig(Config):
    """Reload settings: which training run, at which rate, how many predictions."""

    run: str = option(help="The training run folder.", argument=True, metavar="RUN",
                      path="dir")
    rate: float = option(0.0, "Drop rate of the rebuilt net (S000's code two: 0).", **RATE)
    runs: int = option(10, "Repeated test-time predictions (S000: 10).", **RUNS)
    trust_layer: bool = option(False, TRUST_HELP)


@dataclass(frozen=True)
class CompareConfig(Config):
    """Settings of a comparison: the training settings (unless ``run`` is given) and the checks.

    With ``run``, the training settings are the run's recorded ones and the
    five training fields here are replaced by them in the recorded config.
    With ``framework`` torch or jax the net is trained in that framework with
    its own Dropout (``implementation``); ``layer`` then keeps its default and
    ``run`` must be None.
    """

    rate: float = option(0.5, "Drop probability of the dropout layer (S000: 0.5).", **RATE)
    epochs: int = option(1000, "Full-batch SGD steps.", **COUNT)
    learning_rate: float = option(0.001, "SGD step size.", aliases=("--lr",), **POSITIVE)
    seed: int | None = option(None, "Training seed and comparison seed; with RUN, the run's "
                                    "seed.", default_text="0, or RUN's", **SEED)
    layer: str = option("keras", LAYER_HELP)
    runs: int = option(10, "Repeated test-time predictions of each net (S000: 10).", **RUNS)
    mc_samples: int = option(2000, "Training-mode passes averaged for the consistency check.",
                             ge=MIN_MC_SAMPLES, le=cfg.INT32_MAX,
                             why=" (the consistency bound relies on the central limit "
                                 "theorem)")
    rtol: float = option(1e-6, "Relative tolerance of the equality checks (~8 float32 ulps).",
                         ge=0)
    z: float = option(4.5, "Consistency bound in standard errors (false alarm <= 2e-5).",
                      **POSITIVE)
    run: str | None = option(None, "A training run to compare instead of training one.",
                             argument=True, metavar="RUN", path="dir")
    trust_layer: bool = option(False, TRUST_HELP)
    framework: str = option("keras", "Framework that trains and measures the toy net: keras "
                                     "(in-process, with --layer), torch (torch.nn.Dropout) or "
                                     "jax (flax.nnx.Dropout), each of the last two in a "
                                     "process of its own, from the Keras net's initial "
                                     "weights.", choices=FRAMEWORKS)

    def check(self) -> None:
        _require_framework(self.framework, self.layer, self.run)
        if self.run is None:
            self.train_config()  # the layer's name
            require_comparable_rate(self.rate)

    @property
    def implementation(self) -> str:
        """The dropout under test: ``layer`` in Keras, else the framework's own Dropout."""
        return FRAMEWORK_LAYERS.get(self.framework, self.layer)

    def train_config(self) -> TrainConfig:
        """The training settings, as a TrainConfig (seed None means 0)."""
        return TrainConfig(self.rate, self.epochs, self.learning_rate, self.seed or 0, self.layer)

    def resolved_seed(self) -> int:
        """The seed, once ``with_training`` has resolved it (from the training run if None)."""
        assert self.seed is not None, "with_training resolves the seed"
        return self.seed

    def with_training(self, train: TrainConfig) -> CompareConfig:
        """This config with the training fields of ``train`` (and its seed if none was given)."""
        seed = train.seed if self.seed is None else self.seed
        fields = {name: getattr(train, name) for name in TRAIN_FIELDS}
        return dataclasses.replace(self, **{**fields, "seed": seed})


def _require_framework(framework: str, layer: str, run: str | None) -> None:
    """ConfigError for a framework other than keras with RUN or a --layer."""
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


def measure_seed(seed: int) -> int:
    """The seed of the dropout layers' own generators while compare measures (seed + 1, 32-bit)."""
    return (seed + 1) % (cfg.SEED_MAX + 1)


def require_comparable_rate(rate: float) -> None:
    """ConfigError at rate 0: inverted and vanilla dropout are then the same function."""
    if rate <= 0:
        raise invalid_value("rate", "a rate in (0, 1): at rate 0 inverted and vanilla dropout "
                                    "are the same function", rate)
