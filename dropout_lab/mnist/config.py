"""Configs of ``mnist`` and ``mc-average`` (S003, S001 and the 2014 paper); light: no TF, no NumPy.

``MnistConfig`` defaults are S003's experiment (configs/mnist.toml);
configs/mnist_overfit.toml is S001's overfitting demo. ``setting`` names the
source a config reproduces, and so the claims its verdicts are about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import invalid_value
from dropout_lab.core.limits import require_memory

ARMS = ("none", "dropout", "l2", "dropout+l2")
#: Which source's experiment a config reproduces, and the claims it carries.
SETTINGS = {"S003": ("C9", "C11"), "S001": ("C4", "C11")}
#: Names dropout-lab 0.1 used for the settings (read from old configs and run folders).
LEGACY_SETTINGS = {"seed003": "S003", "seed001": "S001"}
#: S003's published final test accuracies (single runs; "none" was not published).
PUBLISHED = {"S003": {"dropout": 0.9635, "dropout+l2": 0.9496, "l2": 0.9652}, "S001": {}}
MNIST_TRAIN_IMAGES = 60000
KERNEL_INITS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform")
PAPER_K = 50  # Srivastava et al. 2014, §7.5: MC averaging matches weight scaling at k ~ 50
MODEL_ARM = "dropout"  # the arm mc-average takes its model from
MAX_SEEDS = 10_000  # units per arm
MAX_EVALUATIONS = 10_000  # per unit: every evaluation is kept in the curves
MAX_WIDTH = 1 << 16  # units of one hidden layer
MAX_REPEATS = 100_000  # mc-average: repeats per k are kept in memory
MNIST_BYTES = 70_000 * 784  # the images, uint8, held in memory
#: The fields that change what a unit learns (not how many units, nor how often it is evaluated).
TRAINING_FIELDS = ("steps", "train_subset", "batch_size", "hidden_units", "drop_rates",
                   "l2_weight", "optimizer", "learning_rate", "kernel_init")


@dataclass(frozen=True)
class MnistConfig:
    """A sweep; defaults are S003's experiment (configs/mnist.toml)."""

    setting: str = "S003"  # S003 (C9, C11; published numbers beside) or S001 (C4, C11)
    arms: tuple[str, ...] = ARMS  # none, dropout, l2, dropout+l2
    seeds: int = 5  # units per arm; unit seeds are first_seed .. first_seed + seeds - 1
    first_seed: int = 0
    steps: int = 4690  # parameter updates per unit (S003: 10 passes x 469 batches)
    eval_every: int = 500  # steps between evaluations (S003: 500); the last step is always
    train_subset: int | None = None  # train on the first N training images (None: all 60000)
    batch_size: int = 128  # images per step (S003: 128); a pass's last batch may be smaller
    hidden_units: tuple[int, ...] = (256, 128, 64, 32)  # ReLU layer widths (S003)
    drop_rates: tuple[float, ...] = (0.5, 0.5, 0.0, 0.0)  # dropout arms: rate after each layer
    l2_weight: float = 1e-4  # l2 arms: coefficient of sum(tf.nn.l2_loss) over all variables
    optimizer: str = "adam"  # adam or sgd (S003: Adam; S001: SGD)
    learning_rate: float = 0.01  # (S003 and S001: 0.01)
    kernel_init: str = "glorot_uniform"  # Keras Dense default (S003); S001: he_normal
    train_eval_size: int = 10000  # training images (the first ones) for train accuracy
    confidence: float = 0.95  # coverage of every interval

    def __post_init__(self):
        if self.setting in LEGACY_SETTINGS:  # a 0.1 config or run folder
            object.__setattr__(self, "setting", LEGACY_SETTINGS[self.setting])
        cfg.require_choice("setting", self.setting, SETTINGS)
        check_arms(self.arms)
        cfg.require_positive_int("seeds", self.seeds, MAX_SEEDS, " (units per arm)")
        cfg.require_seed("first_seed", self.first_seed)
        cfg.require_seed("first_seed + seeds - 1", self.first_seed + self.seeds - 1)
        for name in ("steps", "eval_every"):
            cfg.require_positive_int(name, getattr(self, name))
        if self.steps / self.eval_every > MAX_EVALUATIONS:
            raise invalid_value("eval_every", f"an integer >= steps / {MAX_EVALUATIONS} (at "
                                f"most {MAX_EVALUATIONS} evaluations per unit, steps = "
                                f"{self.steps})", self.eval_every)
        for name in ("batch_size", "train_eval_size"):
            cfg.require_positive_int(name, getattr(self, name), MNIST_TRAIN_IMAGES,
                                     " (MNIST has 60000 training images)")
        if self.train_subset is not None:
            cfg.require_int_range("train_subset", self.train_subset, 1, MNIST_TRAIN_IMAGES,
                                  f" (MNIST has {MNIST_TRAIN_IMAGES} training images)")
        _check_layers(self.hidden_units, self.drop_rates, self.arms)
        require_memory("hidden_units", list(self.hidden_units), self.memory_bytes(),
                       f"a {'-'.join(map(str, self.hidden_units))} MLP at batch "
                       f"{self.batch_size}")
        cfg.require_positive("learning_rate", self.learning_rate)
        if any(arm.endswith("l2") for arm in self.arms):
            cfg.require_positive("l2_weight", self.l2_weight, " when an l2 arm is run")
        cfg.require_choice("optimizer", self.optimizer, ("adam", "sgd"))
        cfg.require_choice("kernel_init", self.kernel_init, KERNEL_INITS)
        cfg.require_probability("confidence", self.confidence)

    def memory_bytes(self) -> int:
        """An estimate of a unit's peak memory: the data, weights with Adam's slots, activations."""
        widths = [784, *self.hidden_units, 10]
        params = sum(a * b + b for a, b in zip(widths, widths[1:]))
        activations = (self.batch_size + 10000) * sum(widths)  # a batch; the test set at once
        return MNIST_BYTES + params * 4 * 5 + activations * 4 * 6

    def reduced(self) -> list[str]:
        """How this sweep's training differs from the published experiment it sits beside.

        Empty when the setting published no numbers (S001) or the training is
        S003's own: only then are its accuracies comparable to the published ones.
        """
        if not PUBLISHED[self.setting]:
            return []
        full = MnistConfig(setting=self.setting, arms=self.arms)
        shown = {None: f"all {MNIST_TRAIN_IMAGES}"}
        return [f"{name} {shown.get(getattr(self, name), getattr(self, name))} "
                f"({self.setting}: {shown.get(getattr(full, name), getattr(full, name))})"
                for name in TRAINING_FIELDS if getattr(self, name) != getattr(full, name)]

    @property
    def train_images(self) -> int:
        """Training images used (derived: train_subset or all)."""
        return self.train_subset or MNIST_TRAIN_IMAGES

    @property
    def steps_per_pass(self) -> int:
        """Batches per pass over the training images (derived)."""
        return math.ceil(self.train_images / min(self.batch_size, self.train_images))

    @property
    def passes(self) -> float:
        """Passes over the training images per unit (derived; S003: 10)."""
        return self.steps / self.steps_per_pass

    @property
    def eval_steps(self) -> list[int]:
        """Steps after which a unit is evaluated: every eval_every, and the last."""
        return sorted(set(range(self.eval_every, self.steps, self.eval_every)) | {self.steps})

    @property
    def unit_seeds(self) -> list[int]:
        """The seed of each unit of an arm (derived)."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    @property
    def claims(self) -> tuple[str, ...]:
        """The claims this setting's verdicts are about."""
        return SETTINGS[self.setting]

    def arm_drop_rates(self, arm: str) -> tuple[float, ...]:
        """Drop rate after each hidden layer in ``arm`` (zeros without dropout)."""
        return self.drop_rates if arm.startswith("dropout") else (0.0,) * len(self.hidden_units)

    def arm_l2_weight(self, arm: str) -> float:
        """Coefficient of the L2 term in ``arm`` (0 without L2)."""
        return self.l2_weight if arm.endswith("l2") else 0.0


#: S001's overfitting demo ("Deep Learning from Scratch", ch. 6), as configs/mnist_overfit.toml.
S001_OVERFIT = dict(setting="S001", arms=("none", "dropout"), steps=903, eval_every=3,
                    train_subset=300, batch_size=100, hidden_units=(100,) * 6,
                    drop_rates=(0.2,) * 6, l2_weight=0.0, optimizer="sgd", learning_rate=0.01,
                    kernel_init="he_normal", train_eval_size=300)


def check_arms(arms: tuple[str, ...]) -> None:
    """ConfigError unless ``arms`` is a non-empty list of distinct known arms."""
    expected = "a non-empty list of distinct arms from " + ", ".join(ARMS)
    if not arms or len(set(arms)) != len(arms) or any(a not in ARMS for a in arms):
        raise invalid_value("arms", expected, ",".join(arms))


def _check_layers(units: tuple[int, ...], rates: tuple[float, ...], arms) -> None:
    if not units or any(not 1 <= u <= MAX_WIDTH for u in units):
        raise invalid_value("hidden_units", f"a non-empty list of integers in [1, {MAX_WIDTH}]",
                            list(units))
    if len(rates) != len(units):
        raise invalid_value("drop_rates", f"one rate per hidden layer ({len(units)} rates)",
                            list(rates))
    if any(not 0 <= r < 1 for r in rates):
        raise invalid_value("drop_rates", "rates in [0, 1)", list(rates))
    if any(a.startswith("dropout") for a in arms) and not any(r > 0 for r in rates):
        raise invalid_value("drop_rates", "at least one rate > 0 when a dropout arm is run",
                            list(rates))


def parse_arms(text: str) -> tuple[str, ...]:
    """``"none,dropout"`` -> ("none", "dropout"); ConfigError for unknown arms."""
    arms = tuple(a.strip() for a in text.split(",") if a.strip())
    check_arms(arms)
    return arms


@dataclass(frozen=True)
class McAverageConfig:
    """What to average; the model comes from a mnist run or is trained (S003's dropout arm)."""

    ks: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100)  # passes averaged (Fig. 11 of the paper)
    repeats: int = 10  # independent repetitions per k (the error bars)
    seed: int | None = None  # unit seed of the model: RUN's first seed, else 0
    confidence: float = 0.95  # coverage of the intervals
    steps: int | None = None  # training the model (no run): updates (None: S003's 4690)
    train_subset: int | None = None  # training the model (no run): first N images (None: all)
    run: str | None = None  # a mnist run with a dropout arm to take the model from

    def __post_init__(self):
        if not self.ks or any(not 1 <= k <= cfg.INT32_MAX for k in self.ks):
            raise invalid_value("k", f"a comma-separated list of integers in [1, "
                                f"{cfg.INT32_MAX}]", ",".join(map(str, self.ks)))
        if not 2 <= self.repeats <= MAX_REPEATS:
            raise invalid_value("repeats", f"an integer in [2, {MAX_REPEATS}] (an error bar "
                                "needs two repeats)", self.repeats)
        cfg.require_seed("seed", self.seed)
        cfg.require_probability("confidence", self.confidence)
        if self.run is None:
            self.training_config()  # range errors of steps / train_subset, before any work

    @property
    def sorted_ks(self) -> list[int]:
        """The distinct ks, ascending."""
        return sorted(set(self.ks))

    def training_config(self) -> MnistConfig:
        """The sweep config that trains the model when no run is given (one dropout unit)."""
        given = {"steps": self.steps, "train_subset": self.train_subset}
        return MnistConfig(arms=(MODEL_ARM,), seeds=1, first_seed=self.seed or 0,
                           **{k: v for k, v in given.items() if v is not None})


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,2,5"`` -> (1, 2, 5); ConfigError for zeros, negatives or non-integers."""
    parts = [part.strip() for part in text.split(",")]
    ks = tuple(int(p) for p in parts) if all(p.isascii() and p.isdigit() for p in parts) else ()
    if not ks or any(not 1 <= k <= cfg.INT32_MAX for k in ks):
        raise invalid_value("k", f"a comma-separated list of integers in [1, {cfg.INT32_MAX}]",
                            text)
    return ks
