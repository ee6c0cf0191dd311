"""Config of ``sweep``: the 2014 paper's rate and data-set-size studies; light (no TF, no NumPy).

Srivastava et al. 2014 (JMLR 15), §7.3-7.4, on MNIST, ReLU nets:

- ``rate`` (Figure 9a): 784-2048-2048-2048-10, no input dropout, the hidden
  layers' keep_prob from 0.1 to 1.0.
- ``width`` (Figure 9b): keep_prob x n held constant: n = 256/keep_prob for the
  first two hidden layers and 512/keep_prob for the last.
- ``size`` (Figure 10): 784-1024-1024-2048-10, keep_prob 0.8 at the input and
  0.5 at the hidden layers, against the same net without dropout, on training
  sets of 100, 500, 1K, 5K, 10K and 50K images "chosen randomly".

What the paper states and ``paper`` follows: the architectures, keep_probs and
sizes above; SGD with momentum; max-norm on each hidden unit's incoming
weights (Appendix A: c typically 3-4). What it does not pin down for these
figures, and what ``paper`` chose: learning rate 0.01 with momentum 0.95
(constant; the paper's schedules are not given per figure), batch 100,
He-normal initial weights, 100 000 updates, max-norm c = 3.5, a random
training subset per seed (the same for both arms of a seed). ``quick`` keeps
each study's shape with a narrower net, 3 seeds and fewer steps (minutes on
2 cores); its config says so (``reduced``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core.config import COUNT, POSITIVE, PROBABILITY, SEED
from dropout_lab.core.errors import invalid_value
from dropout_lab.core.options import Config, option

STUDIES = ("rate", "width", "size")
PROFILES = ("quick", "paper")
ARMS = ("none", "dropout")  # the size study's two nets
MNIST_TRAIN_IMAGES = 60000
MAX_POINTS = 100
MAX_SEEDS = 1000
MAX_WIDTH = 1 << 15
KERNEL_INITS = ("he_normal", "he_uniform", "glorot_uniform", "glorot_normal")
KEEP_PROBS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SIZES = (100, 500, 1000, 5000, 10000, 50000)
#: Each study's claim, and the shape the paper published (its figure, in words).
CLAIM = {"rate": "P2014-F9a", "width": "P2014-F9b", "size": "P2014-F10"}
PUBLISHED = {
    "rate": "training error high at keep_prob 0.1 (underfitting); test error flat for "
            "0.4 <= keep_prob <= 0.8, rising towards 1.0",
    "width": "test error lowest near keep_prob 0.6; high at small keep_prob",
    "size": "no gain from dropout at 100 and 500 images, then a gain that grows and later "
            "shrinks as the training set grows to 50K",
}
FLAT_REGION = (0.4, 0.8)  # Figure 9a
OPTIMUM_REGION = (0.5, 0.7)  # Figure 9b: "near 0.6", one grid step either side

_PAPER = dict(seeds=5, steps=100_000, eval_every=10_000, batch_size=100, learning_rate=0.01,
              momentum=0.95, max_norm=3.5, train_subset=None)
_QUICK = dict(seeds=3, batch_size=100, learning_rate=0.01, momentum=0.9, max_norm=3.5,
              kernel_init="glorot_uniform", train_eval_size=5000)
#: (study, profile) -> the values that differ from the dataclass defaults.
PROFILE_VALUES: dict[tuple[str, str], dict[str, Any]] = {
    ("rate", "paper"): dict(_PAPER, hidden_units=(2048, 2048, 2048)),
    ("width", "paper"): dict(_PAPER, hidden_units=(256, 256, 512)),
    ("size", "paper"): dict(_PAPER, hidden_units=(1024, 1024, 2048), sizes=SIZES),
    ("rate", "quick"): dict(_QUICK, hidden_units=(256, 256, 256), steps=800, eval_every=800,
                            train_subset=5000),
    ("width", "quick"): dict(_QUICK, hidden_units=(32, 32, 64), steps=800, eval_every=800,
                             train_subset=5000),
    ("size", "quick"): dict(_QUICK, hidden_units=(256, 256, 512), steps=800, eval_every=800,
                            sizes=(100, 500, 1000, 5000, 20000)),
}
#: The fields that change what a unit learns (``reduced`` compares them with ``paper``).
TRAINING_FIELDS = ("hidden_units", "steps", "batch_size", "learning_rate", "momentum",
                   "max_norm", "kernel_init", "train_subset", "sizes", "keep_probs")


def _numbers(kind: type, name: str):
    def parse(text: str):
        try:
            return tuple(kind(part) for part in text.split(","))
        except ValueError:
            words = "integers" if kind is int else "numbers"
            raise invalid_value(name, f"a comma-separated list of {words}", text) from None
    return parse


@dataclass(frozen=True)
class SweepConfig(Config):
    """One study; ``resolve_profile`` fills in its profile's values before files and flags."""

    study: str = option("rate", "rate (Figure 9a), width (9b) or size (10).", argument=True,
                        choices=STUDIES)
    profile: str = option("quick", "quick (narrower nets, fewer steps: minutes on 2 cores) "
                                   "or paper (the paper's nets and sizes).", choices=PROFILES)
    keep_probs: tuple[float, ...] = option(KEEP_PROBS, "rate, width: comma-separated keep_probs "
                                           "of the hidden layers.",
                                           parse=_numbers(float, "keep_probs"),
                                           default_text="0.1,0.2,...,1.0")
    sizes: tuple[int, ...] = option(SIZES, "size: comma-separated training-set sizes (a random "
                                    "subset per seed).", parse=_numbers(int, "sizes"),
                                    default_text="the profile's")
    hidden_units: tuple[int, ...] = option((2048, 2048, 2048), "Hidden widths (width: keep_prob "
                                           "x n per layer).", parse=_numbers(int, "hidden_units"),
                                           default_text="the profile's")
    input_keep_prob: float = option(0.8, "size, dropout arm: keep_prob of the input pixels.",
                                    gt=0, le=1, cli=False,
                                    expected="a keep probability in (0, 1]")
    hidden_keep_prob: float = option(0.5, "size, dropout arm: keep_prob of the hidden layers.",
                                     gt=0, le=1, cli=False,
                                     expected="a keep probability in (0, 1]")
    seeds: int = option(5, "Units per point; unit seeds are first_seed .. first_seed + seeds "
                           "- 1.", ge=1, le=MAX_SEEDS, why=" (units per point)",
                        default_text="quick 3, paper 5")
    first_seed: int = option(0, "Seed of the first unit; the others follow.", **SEED)
    steps: int = option(100_000, "Updates per unit.", default_text="the profile's", **COUNT)
    eval_every: int = option(10_000, "Steps between evaluations; the last step always.",
                             default_text="--steps", **COUNT)
    batch_size: int = option(100, "Images per step.", cli=False, **COUNT)
    learning_rate: float = option(0.01, "SGD step size.", cli=False, **POSITIVE)
    momentum: float = option(0.95, "Classical momentum of SGD (0: plain SGD).", ge=0, lt=1,
                             cli=False, expected="a number in [0, 1)")
    max_norm: float = option(3.5, "Radius of each hidden unit's incoming weights (0: no "
                                  "constraint).", ge=0, cli=False,
                             expected="a finite number >= 0 (0: no constraint)")
    kernel_init: str = option("he_normal", "Initialiser of the Dense kernels.",
                              choices=KERNEL_INITS, cli=False)
    train_subset: int | None = option(None, "rate, width: train on N random images.",
                                      default_text="the profile's", ge=1,
                                      le=MNIST_TRAIN_IMAGES,
                                      why=f" (MNIST has {MNIST_TRAIN_IMAGES} training images)")
    train_eval_size: int = option(10000, "Training images (of the unit's) for the training "
                                         "error.", cli=False, **COUNT)
    threads_per_unit: int = option(1, "TensorFlow threads each unit computes with: part of "
                                      "its numbers (a wide net's sums depend on them).", **COUNT)
    flat_tolerance: float = option(0.005, "rate: 'flat' = within this test error of the best "
                                          "point.", ge=0, lt=1, cli=False)
    confidence: float = option(0.95, "Coverage of every interval.", cli=False, **PROBABILITY)

    def check(self) -> None:
        _check_keep_probs(self.keep_probs)
        sizes = self.sizes
        if (not sizes or len(set(sizes)) != len(sizes) or len(sizes) > MAX_POINTS
                or any(not 1 <= n <= MNIST_TRAIN_IMAGES for n in sizes)):
            raise invalid_value("sizes", f"distinct training-set sizes in [1, "
                                f"{MNIST_TRAIN_IMAGES}] (at most {MAX_POINTS})", list(self.sizes))
        if not self.hidden_units or any(not 1 <= u <= MAX_WIDTH for u in self.hidden_units):
            raise invalid_value("hidden_units", f"a non-empty list of integers in [1, "
                                f"{MAX_WIDTH}]", list(self.hidden_units))
        cfg.require_seed("first_seed + seeds - 1", self.first_seed + self.seeds - 1)
        if not math.isfinite(self.max_norm):
            raise invalid_value("max_norm", "a finite number >= 0 (0: no constraint)",
                                self.max_norm)

    @property
    def claim(self) -> str:
        """The claim this study's verdict is about."""
        return CLAIM[self.study]

    @property
    def points(self) -> list[dict]:
        """Every point of the study, in order: ``{"keep_prob": k}`` or ``{"size": n, "arm": a}``."""
        if self.study == "size":
            return [{"size": n, "arm": arm} for n in sorted(self.sizes) for arm in ARMS]
        return [{"keep_prob": k} for k in sorted(self.keep_probs)]

    @property
    def unit_seeds(self) -> list[int]:
        """The seed of each unit of a point."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    def widths(self, point: dict) -> tuple[int, ...]:
        """The hidden widths of a point's net (width: n = round(keep_prob x n / keep_prob))."""
        if self.study == "width":
            return tuple(max(1, round(n / point["keep_prob"])) for n in self.hidden_units)
        return self.hidden_units

    def keeps(self, point: dict) -> tuple[float, float]:
        """(input keep_prob, hidden keep_prob) of a point's net."""
        if self.study == "size":
            dropout = point["arm"] == "dropout"
            return (self.input_keep_prob, self.hidden_keep_prob) if dropout else (1.0, 1.0)
        return 1.0, point["keep_prob"]

    def train_images(self, point: dict) -> int:
        """Training images of a point's units."""
        return point["size"] if self.study == "size" else self.train_subset or MNIST_TRAIN_IMAGES

    def reduced(self) -> list[str]:
        """How this config's training differs from the paper profile of its study."""
        paper = resolve_profile(self.study, "paper")
        return [f"{name} {_shown(getattr(self, name))} (paper: {_shown(getattr(paper, name))})"
                for name in TRAINING_FIELDS if getattr(self, name) != getattr(paper, name)
                and not (self.study == "size" and name in ("train_subset", "keep_probs"))
                and not (self.study != "size" and name == "sizes")]


def _shown(value) -> str:
    if value is None:
        return f"all {MNIST_TRAIN_IMAGES}"
    if isinstance(value, tuple):
        return "-".join(map(str, value)) if all(isinstance(v, int) for v in value) \
            else ",".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _check_keep_probs(keep_probs: tuple[float, ...]) -> None:
    expected = f"distinct keep probabilities in (0, 1] (at most {MAX_POINTS})"
    if not keep_probs or len(set(keep_probs)) != len(keep_probs) or len(keep_probs) > MAX_POINTS \
            or any(not 0 < k <= 1 for k in keep_probs):
        raise invalid_value("keep_probs", expected, list(keep_probs))


def resolve_profile(study: str, profile: str, file_values: dict | None = None,
                    flags: dict | None = None, source: str = "config") -> SweepConfig:
    """The config of ``study`` at ``profile``: its values < a TOML file's < flags."""
    cfg.require_choice("study", study, STUDIES)
    cfg.require_choice("profile", profile, PROFILES)
    base = {"study": study, "profile": profile, **PROFILE_VALUES[(study, profile)]}
    merged = cfg.resolve(SweepConfig, {**base, **(file_values or {})}, source=source)
    return cfg.resolve(SweepConfig, {**cfg.to_dict(merged)}, flags, source=source) if flags \
        else merged
