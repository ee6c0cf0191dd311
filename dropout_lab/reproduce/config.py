"""Config of ``reproduce`` and its plan: which experiments settle which claims, at which size.

Light: no TF, no NumPy. A plan is a list of steps; each step runs one
experiment (the same ``run(config, ctx)`` its own command calls) and settles
the claims its owner command owns. ``full`` sizes are the published ones
(README's claims table) and the 2014 paper's studies at sweep's quick
sizes, about 30 minutes on 2 cores. ``quick`` sizes are
planned by power (docs/methods.md, "power"; ``reproduce.power`` computes the
table): for each claim, at the effect the full profile measures, the quick
test reaches the full profile's decision with probability >= 0.99, or, where
no size within the quick budget (3 minutes on 2 cores) can, the quick profile
runs nothing for it and says "needs --profile full" (``NEEDS_FULL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import invalid_value
from dropout_lab.core.options import Config, option
from dropout_lab.core.verdict import CLAIMS
from dropout_lab.dropouts.frameworks import installed as frameworks_installed
from dropout_lab.export.config import ExportConfig
from dropout_lab.export.routes import installed as export_routes
from dropout_lab.frameworks.config import FrameworksConfig
from dropout_lab.gradients.config import GradientsConfig
from dropout_lab.mnist.config import S001_OVERFIT, McAverageConfig, MnistConfig, SpeedConfig
from dropout_lab.numpy_demo.config import NumpyDemoConfig
from dropout_lab.probe.config import NoiseShapeConfig, ProbeConfig
from dropout_lab.sweep.config import CLAIM as SWEEP_CLAIMS
from dropout_lab.sweep.config import resolve_profile as sweep_profile
from dropout_lab.toy.config import CompareConfig

PROFILES = ("quick", "full")
FULL_SEEDS = 20  # seeds of S001's sweep in the full profile, the most of any step
QUICK_TIMING_SECONDS = 10.0  # C3's and each C11 pair's time cap in the quick profile
MC_REPEATS = 10  # mc-average's repeats in both profiles


@dataclass(frozen=True)
class NeedsFull:
    """A claim the quick profile leaves to the full one, and why, in a few words.

    Attributes:
        step: the full profile's step that settles it.
        minutes: about how long that step takes alone on 2 idle cores.
        why: what the power calculation says (docs/methods.md, "power").
        short: the same in a few words, for the terminal's summary.
    """

    step: str
    minutes: int
    why: str
    short: str


#: Claims no quick size decides at the effect the full profile measures (reproduce.power).
NEEDS_FULL = {
    "C4": NeedsFull("mnist-s001", 10, "the gap narrows by +0.004 (sd 0.014 per seed): even "
                                      "full's 20 seeds decide it with probability 0.23",
                    "a tiny effect: even 20 seeds rarely decide it"),
    "C9": NeedsFull("mnist-s003", 5, "dropout+l2 - l2 = -0.012 (sd 0.006 per seed): the 2 "
                                     "seeds that fit 3 minutes decide it with probability 0.18, "
                                     "full's 5 with 0.93",
                    "2 seeds fit in 3 minutes, 5 are needed"),
    **{claim: NeedsFull(f"sweep-{study}", 5, "the 2014 paper's study trains 30 units even at "
                                             "sweep's quick size, more than the quick "
                                             "profile's 3 minutes hold",
                        "a study of 30 trained units")
       for study, claim in SWEEP_CLAIMS.items()},
}
#: The 2014 paper's rate and size studies: only the full profile runs them (sweep's quick
#: profile, 30 units each), each its own step.
FULL_ONLY = tuple(SWEEP_CLAIMS.values())


def settle_command(claim: str, seed: int) -> str:
    """The command that settles ``claim`` at the full profile's size."""
    return f"dropout-lab reproduce --profile full --claims {claim} --seed {seed}"


def parse_claims(text: str) -> tuple[str, ...]:
    """``"c1, C10"`` -> ("C1", "C10"): ids as the catalogue spells them (P2014-F9a from
    p2014-f9a), duplicates dropped, order kept.

    Raises:
        ConfigError: an id not in the catalogue, or no id at all.
    """
    canonical = {claim.upper(): claim for claim in CLAIMS}
    claims = tuple(dict.fromkeys(canonical.get(c.strip().upper(), c.strip().upper())
                                 for c in text.split(",") if c.strip()))
    if not claims:
        raise invalid_value("claims", CLAIMS_EXPECTED, text)
    _check_claims(claims)
    return claims


CLAIMS_EXPECTED = "claim ids from " + ", ".join(CLAIMS)


def _check_claims(claims: tuple[str, ...]) -> None:
    if any(claim not in CLAIMS for claim in claims):
        raise invalid_value("claims", CLAIMS_EXPECTED, ",".join(claims))


@dataclass(frozen=True)
class ReproduceConfig(Config):
    """What to reproduce."""

    profile: str = option("quick", "quick: sizes planned to reach full's verdicts, under 3 "
                                   "minutes on 2 cores (C4 and C9 need full: it says so; the "
                                   "frameworks and export steps, run when their extras are "
                                   "installed, add about a minute each); full: the published "
                                   "sizes and the 2014 paper's studies, about 30 minutes.",
                          choices=PROFILES)
    claims: tuple[str, ...] = option((), "Comma-separated claims to settle, e.g. C1,C10.",
                                     parse=parse_claims,
                                     default_text="all: C1-C12, MC, P2014-F9a/F9b/F10")
    seed: int = option(0, "The seed of every experiment.", ge=0,
                       le=cfg.SEED_MAX - FULL_SEEDS + 1,
                       why=f" (S001's sweep uses seeds seed ... seed + {FULL_SEEDS - 1}, and "
                           "seeds are 32-bit)")

    def check(self) -> None:
        _check_claims(self.claims)

    @property
    def wanted(self) -> list[str]:
        """The claims to settle, in catalogue order."""
        return [c for c in CLAIMS if not self.claims or c in self.claims]


@dataclass(frozen=True)
class Step:
    """One experiment of the plan.

    Attributes:
        name: the step's name (also its record's file name).
        command: the command whose experiment it runs (``mnist``, ``probe``...).
        claims: the claims whose verdicts this step gives.
        config: the experiment's config (``run`` of mc-average is filled in when it runs).
        needs: the step whose run this one reads (mc-average reads mnist-s003's).

    ``frameworks`` settles no claim; it runs with every claim (no ``--claims``)
    when another framework than TensorFlow is installed, for the report's matrix.
    ``export`` neither; it runs with every claim when an export route beyond
    TensorFlow's own is installed (an extra: torch, jax or export).
    """

    name: str
    command: str
    claims: tuple[str, ...]
    config: Any  # the config dataclass of the step's command
    needs: str | None = None


def plan(config: ReproduceConfig) -> list[Step]:
    """The steps that settle ``config.wanted``, in the order they run (quick: none for the
    claims of ``NEEDS_FULL``)."""
    quick, seed = config.profile == "quick", config.seed
    timing: dict[str, Any] = {"timing_seconds": QUICK_TIMING_SECONDS} if quick else {}
    steps = [
        Step("compare", "compare", ("C1",), CompareConfig(seed=seed)),
        Step("probe", "probe", ("C10",), ProbeConfig(size=16384 if quick else 131072,
                                                     seed=seed)),
        Step("noise-shape", "noise-shape", ("C8", "C12"), NoiseShapeConfig(seed=seed)),
        Step("gradients", "gradients", ("C5", "C6", "C7"), GradientsConfig(seed=seed)),
        Step("numpy-demo", "numpy-demo", ("C2", "C3"), NumpyDemoConfig(seed=seed, **timing)),
    ]
    if not quick:
        steps += [Step("mnist-s003", "mnist", ("C9",), MnistConfig(first_seed=seed)),
                  Step("mnist-s001", "mnist", ("C4",),
                       MnistConfig(**S001_OVERFIT, seeds=FULL_SEEDS, first_seed=seed))]
    steps += [
        Step("mnist-speed", "mnist-speed", ("C11",),
             SpeedConfig(seed=seed, seconds=QUICK_TIMING_SECONDS if quick else 30.0)),
        # quick: mc-average trains the one model it needs, S003's dropout unit of this seed,
        # exactly as full's mnist-s003 trains it (same config, same seed: the same weights),
        # and averages as many repeats: the same computation, so the same verdict. (Fewer
        # repeats widen the intervals, and "reached" is a lower bound at or below the
        # deterministic error: 5 repeats reached it earlier than full's 10 for seed 2's model.)
        Step("mc-average", "mc-average", ("MC",),
             McAverageConfig(repeats=MC_REPEATS, seed=seed) if quick
             else McAverageConfig(repeats=MC_REPEATS, seed=seed, run="(mnist-s003)"),
             needs=None if quick else "mnist-s003"),
    ]
    if not quick:  # the paper's studies, at sweep's quick sizes (its paper sizes take days)
        steps += [Step(f"sweep-{study}", "sweep", (claim,),
                       sweep_profile(study, "quick", flags={"first_seed": seed}))
                  for study, claim in SWEEP_CLAIMS.items()]
    if not config.claims and len(frameworks_installed()) > 1:  # more than TensorFlow
        steps.append(Step("frameworks", "frameworks", (),
                          FrameworksConfig(seed=seed, size=8192 if quick else 16384)))
    if not config.claims and any(r.framework != "keras" or r.needs for r in export_routes()):
        steps.append(Step("export", "export", (),
                          ExportConfig(seed=seed, mean_calls=100 if quick else 200)))
    wanted = set(config.wanted)
    chosen = {s.name for s in steps if wanted & set(s.claims) or not s.claims}
    chosen |= {s.needs for s in steps if s.name in chosen and s.needs}
    return [s for s in steps if s.name in chosen]


def needs_full(config: ReproduceConfig) -> dict[str, NeedsFull]:
    """The wanted claims this profile leaves to the full one (none in the full profile)."""
    if config.profile != "quick":
        return {}
    return {claim: NEEDS_FULL[claim] for claim in config.wanted if claim in NEEDS_FULL}
