"""Configs of ``mnist`` and ``mc-average`` (S003, S001 and the 2014 paper); light: no TF, no NumPy.

``MnistConfig`` defaults are S003's experiment (configs/mnist.toml);
configs/mnist_overfit.toml is S001's overfitting demo. ``setting`` names the
source a config reproduces, and so the claims its verdicts are about.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core.config import COUNT, POSITIVE, PROBABILITY, SEED
from dropout_lab.core.errors import invalid_value
from dropout_lab.core.limits import require_memory
from dropout_lab.core.options import Config, option

ARMS = ("none", "dropout", "l2", "dropout+l2")
#: Which source's experiment a config reproduces, and the claims it carries.
SETTINGS = {"S003": ("C9",), "S001": ("C4",)}  # C11 (speed): mnist-speed, both nets at once
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
IMAGES = dict(ge=1, le=MNIST_TRAIN_IMAGES, why=f" (MNIST has {MNIST_TRAIN_IMAGES} training images)")
TRAINING_FIELDS = ("steps", "train_subset", "batch_size", "hidden_units", "drop_rates",
                   "l2_weight", "optimizer", "learning_rate", "kernel_init")


def check_arms(arms: tuple[str, ...]) -> None:
    """ConfigError unless ``arms`` is a non-empty list of distinct known arms."""
    expected = "a non-empty list of distinct arms from " + ", ".join(ARMS)
    if not arms or len(set(arms)) != len(arms) or any(a not in ARMS for a in arms):
        raise invalid_value("arms", expected, ",".join(arms))


def parse_arms(text: str) -> tuple[str, ...]:
    """``"none,dropout"`` -> ("none", "dropout"); ConfigError for unknown arms."""
    arms = tuple(a.strip() for a in text.split(",") if a.strip())
    check_arms(arms)
    return arms


@dataclass(frozen=True)
class MnistConfig(Config):
    """A sweep; defaults are S003's experiment (configs/mnist.toml)."""

    setting: str = option("S003", "The source reproduced: S003 (C9; published numbers "
                                  "beside) or S001 (C4).", choices=tuple(SETTINGS),
                          cli=False)
    arms: tuple[str, ...] = option(ARMS, "Comma-separated arms from none, dropout, l2, "
                                         "dropout+l2.", parse=parse_arms,
                                   default_text="all four")
    seeds: int = option(5, "Seeds (units) per arm; unit seeds are first_seed .. first_seed + "
                           "seeds - 1.", ge=1, le=MAX_SEEDS, why=" (units per arm)")
    first_seed: int = option(0, "Seed of the first unit; the others follow.", **SEED)
    steps: int = option(4690, "Updates per unit (S003: 10 passes x 469 batches).", **COUNT)
    eval_every: int = option(500, "Steps between evaluations (S003: 500); the last step is "
                                  "always evaluated.", **COUNT)
    train_subset: int | None = option(None, "Train on the first N of the 60000 training "
                                            "images.", default_text="all", ge=1,
                                      le=MNIST_TRAIN_IMAGES,
                                      why=f" (MNIST has {MNIST_TRAIN_IMAGES} training images)")
    batch_size: int = option(128, "Images per step (S003: 128); a pass's last batch may be "
                                  "smaller.", **IMAGES)
    hidden_units: tuple[int, ...] = option((256, 128, 64, 32), "ReLU layer widths (S003).",
                                           ge=1, le=MAX_WIDTH, cli=False)
    drop_rates: tuple[float, ...] = option((0.5, 0.5, 0.0, 0.0), "Dropout arms: the rate after "
                                           "each hidden layer.", ge=0, lt=1, cli=False,
                                           expected="rates in [0, 1)")
    l2_weight: float = option(1e-4, "L2 arms: coefficient of sum(tf.nn.l2_loss) over all "
                                    "variables.", ge=0, cli=False)
    optimizer: str = option("adam", "adam or sgd (S003: Adam; S001: SGD).",
                            choices=("adam", "sgd"), cli=False)
    learning_rate: float = option(0.01, "Step size (S003 and S001: 0.01).", cli=False,
                                  **POSITIVE)
    kernel_init: str = option("glorot_uniform", "Initialiser of the Dense kernels (Keras's "
                                                "default, S003; S001: he_normal).",
                              choices=KERNEL_INITS, cli=False)
    train_eval_size: int = option(10000, "Training images (the first ones) for the train "
                                         "accuracy.", cli=False, **IMAGES)
    confidence: float = option(0.95, "Coverage of every interval.", cli=False, **PROBABILITY)

    def normalise(self) -> None:
        if self.setting in LEGACY_SETTINGS:  # a 0.1 config or run folder
            object.__setattr__(self, "setting", LEGACY_SETTINGS[self.setting])

    def check(self) -> None:
        check_arms(self.arms)
        cfg.require_seed("first_seed + seeds - 1", self.first_seed + self.seeds - 1)
        if self.steps / self.eval_every > MAX_EVALUATIONS:
            raise invalid_value("eval_every", f"an integer >= steps / {MAX_EVALUATIONS} (at "
                                f"most {MAX_EVALUATIONS} evaluations per unit, steps = "
                                f"{self.steps})", self.eval_every)
        _check_layers(self.hidden_units, self.drop_rates, self.arms)
        require_memory("hidden_units", list(self.hidden_units), self.memory_bytes(),
                       f"a {'-'.join(map(str, self.hidden_units))} MLP at batch "
                       f"{self.batch_size}")
        if any(arm.endswith("l2") for arm in self.arms):
            cfg.require_positive("l2_weight", self.l2_weight, " when an l2 arm is run")

    def memory_bytes(self) -> int:
        """An estimate of a unit's peak memory: the data, weights with Adam's slots, activations."""
        widths = [784, *self.hidden_units, 10]
        params = sum(a * b + b for a, b in itertools.pairwise(widths))
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
S001_OVERFIT: dict[str, Any] = dict(
    setting="S001", arms=("none", "dropout"), steps=903, eval_every=3, train_subset=300,
    batch_size=100, hidden_units=(100,) * 6, drop_rates=(0.2,) * 6, l2_weight=0.0,
    optimizer="sgd", learning_rate=0.01, kernel_init="he_normal", train_eval_size=300)


def _check_layers(units: tuple[int, ...], rates: tuple[float, ...], arms) -> None:
    if not units:
        raise invalid_value("hidden_units", f"a non-empty list of integers in [1, {MAX_WIDTH}]",
                            list(units))
    if len(rates) != len(units):
        raise invalid_value("drop_rates", f"one rate per hidden layer ({len(units)} rates)",
                            list(rates))
    if any(a.startswith("dropout") for a in arms) and not any(r > 0 for r in rates):
        raise invalid_value("drop_rates", "at least one rate > 0 when a dropout arm is run",
                            list(rates))


def parse_ks(text: str) -> tuple[int, ...]:
    """``"1,2,5"`` -> (1, 2, 5); ConfigError for zeros, negatives or non-integers."""
    parts = [part.strip() for part in text.split(",")]
    ks = tuple(int(p) for p in parts) if all(p.isascii() and p.isdigit() for p in parts) else ()
    if not ks or any(not 1 <= k <= cfg.INT32_MAX for k in ks):
        raise invalid_value("k", KS_EXPECTED, text)
    return ks


KS_EXPECTED = f"a comma-separated list of integers in [1, {cfg.INT32_MAX}]"


@dataclass(frozen=True)
class McAverageConfig(Config):
    """What to average; the model comes from a mnist run or is trained (S003's dropout arm)."""

    run: str | None = option(None, "A mnist run with a dropout arm to take the model from; "
                                   "without it, S003's dropout arm is trained.",
                             argument=True, metavar="RUN")
    ks: tuple[int, ...] = option((1, 2, 5, 10, 20, 50, 100), "Passes averaged, "
                                 "comma-separated (Fig. 11 of the paper).", flag="--k",
                                 parse=parse_ks, ge=1, le=cfg.INT32_MAX,
                                 expected=KS_EXPECTED)
    repeats: int = option(10, "Independent repeats per k, for error bars.", ge=2,
                          le=MAX_REPEATS, why=" (an error bar needs two repeats)")
    seed: int | None = option(None, "Seed of RUN's dropout unit to use, or of the model "
                                    "trained without RUN.", default_text="RUN's first seed, "
                                                                         "else 0", **SEED)
    confidence: float = option(0.95, "Coverage of the intervals.", **PROBABILITY)
    steps: int | None = option(None, "Without RUN: training steps of the model.",
                               default_text="4690, S003's", **COUNT)
    train_subset: int | None = option(None, "Without RUN: train on the first N images.",
                                      default_text="all", ge=1, le=MNIST_TRAIN_IMAGES)

    def check(self) -> None:
        if not self.ks:
            raise invalid_value("k", KS_EXPECTED, "")
        if self.run is None:
            self.training_config()  # range errors of steps / train_subset, before any work

    @property
    def sorted_ks(self) -> list[int]:
        """The distinct ks, ascending."""
        return sorted(set(self.ks))

    def training_config(self) -> MnistConfig:
        """The sweep config that trains the model when no run is given (one dropout unit)."""
        given: dict[str, Any] = {"steps": self.steps, "train_subset": self.train_subset}
        return MnistConfig(arms=(MODEL_ARM,), seeds=1, first_seed=self.seed or 0,
                           **{k: v for k, v in given.items() if v is not None})


#: C11's evidence: each net, and its pairs of arms that differ only by the dropout layers
#: (same seed, so the same initial weights and batch order): adding dropout, all else equal.
SPEED_PAIRS = {"S003": (("none", "dropout"), ("l2", "dropout+l2")),
               "S001": (("none", "dropout"),)}
SPEED_PRECISION = 0.05  # stop a pair's rounds once log(speed ratio) is known to +-5 % ...
#: ... but not before this many rounds (at the full profile's effect, x 0.73 with a spread of
#: 0.15 per round, 16 rounds decide with probability > 0.99: docs/methods.md, "power").
SPEED_MIN_ROUNDS = 16


def parse_nets(text: str) -> tuple[str, ...]:
    """``"S003,S001"`` -> ("S003", "S001"); ConfigError for unknown or repeated nets."""
    nets = tuple(n.strip().upper() for n in text.split(",") if n.strip())
    if not nets or len(set(nets)) != len(nets) or any(n not in SPEED_PAIRS for n in nets):
        raise invalid_value("nets", "a non-empty list of distinct nets from "
                            + ", ".join(SPEED_PAIRS), text)
    return nets


@dataclass(frozen=True)
class SpeedConfig(Config):
    """C11: does adding dropout make training faster? Interleaved timing of both nets."""

    nets: tuple[str, ...] = option(tuple(SPEED_PAIRS), "Comma-separated nets: S003 (its "
                                   "none/dropout and l2/dropout+l2 pairs), S001 (none/dropout).",
                                   parse=parse_nets, default_text="S003,S001")
    seed: int = option(0, "Seed of the nets' initial weights, masks and batch order.", **SEED)
    seconds: float = option(30.0, "Time cap of each pair's rounds, in seconds of CPU time "
                                  "(wall-clock cap: 10 times as much).", gt=0, le=3600)
    rounds: int = option(400, "Most rounds of each pair.", ge=3, le=1000)
    confidence: float = option(0.999, "Coverage of the family of pair intervals (Bonferroni).",
                               cli=False, **PROBABILITY)

    def check(self) -> None:
        parse_nets(",".join(self.nets))

    def net_config(self, net: str) -> MnistConfig:
        """The sweep config whose net (layers, optimizer, batch, data) ``net`` times."""
        return MnistConfig(**S001_OVERFIT) if net == "S001" else MnistConfig()

    @property
    def pairs(self) -> list[tuple[str, str, str]]:
        """(net, arm without dropout, arm with dropout), in the order they are timed."""
        return [(net, base, arm) for net in self.nets for base, arm in SPEED_PAIRS[net]]
