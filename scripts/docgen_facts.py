"""The numbers and sentences the docs quote: from the code's constants and the reference runs.

``code()`` gathers the defaults and constants behind each test (docs/methods.md):
levels, bounds, sizes, each computed the way the code computes it. ``fill``
evaluates a paragraph written as an f-string over them, so the prose stays in
the doc and only the numbers come from here. The README's claims table, the
``--seed`` sentence and the reproduce profiles table are built whole.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import textwrap
from types import SimpleNamespace
from typing import Any
from unittest import mock

import click
import docgen_commands
import docgen_runs as runs

from dropout_lab.cli import main
from dropout_lab.core import config as cfg
from dropout_lab.core import kinds
from dropout_lab.core import timing as core_timing
from dropout_lab.core.stats import normal_quantile
from dropout_lab.core.verdict import CLAIMS
from dropout_lab.dropouts.classify import RTOL
from dropout_lab.dropouts.drawstats import SHARED_CHANCE, TESTS_PER_ROW, per_test_alpha
from dropout_lab.frameworks.config import FrameworksConfig
from dropout_lab.gradients.config import GradientsConfig
from dropout_lab.mnist import config as mnist_config
from dropout_lab.numpy_demo import config as numpy_config
from dropout_lab.numpy_demo import timing as numpy_timing
from dropout_lab.probe.config import NoiseShapeConfig, ProbeConfig
from dropout_lab.reproduce import config as reproduce_config
from dropout_lab.toy import verdicts as toy_verdicts
from dropout_lab.toy.common import INPUTS
from dropout_lab.toy.config import CompareConfig
from dropout_lab.workers.parent import WORKERS

REPRODUCE = "reproduce-full"  # the reference reproduction the README's claims table shows


def sci(value: float, digits: int = 2) -> str:
    """``2.1 × 10⁻⁵``: a small number as the docs write it."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    superscript = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa} × 10{superscript}"


def short(value: float) -> str:
    """``1e-4``, ``1.11e-5``, ``0.2``, ``4.5``: as the docs write a level or a bound."""
    if value and abs(value) < 1e-3:
        mantissa, exponent = f"{value:.3g}".split("e") if "e" in f"{value:.3g}" else (
            f"{value:.3e}".split("e"))
        return f"{float(mantissa):g}e{int(exponent)}"
    return f"{value:g}"


def count(value: int) -> str:
    """``131 072``: thousands grouped by a space."""
    return f"{value:,}".replace(",", " ")


def pct(value: float, digits: int = 2) -> str:
    """``99.98 %``."""
    return f"{100 * value:.{digits}f}".rstrip("0").rstrip(".") + " %"


def rates(values) -> str:
    """``0.2, 0.5 and 0.8``."""
    texts = [f"{v:g}" for v in values]
    return ", ".join(texts[:-1]) + " and " + texts[-1] if len(texts) > 1 else texts[0]


def join(values) -> str:
    """``1, 2, 5``."""
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


@functools.cache
def code() -> SimpleNamespace:
    """The constants and defaults behind every test, by family."""
    compare = CompareConfig()
    probe, frameworks = ProbeConfig(), FrameworksConfig()
    numpy, mnist = numpy_config.NumpyDemoConfig(), mnist_config.MnistConfig()
    mc = mnist_config.McAverageConfig()
    probe_alpha = per_test_alpha(probe.false_alarm, len(probe.rates))
    return SimpleNamespace(
        compare=SimpleNamespace(
            rtol=compare.rtol, z=compare.z, mc_samples=compare.mc_samples, runs=compare.runs,
            inputs=len(INPUTS),
            false_alarm=toy_verdicts.false_alarm(compare.z, len(INPUTS))),
        probe=SimpleNamespace(
            size=probe.size, rates=probe.rates, R=len(probe.rates), tests=TESTS_PER_ROW,
            false_alarm=probe.false_alarm, alpha=probe_alpha, z=normal_quantile(probe_alpha),
            shared_chance=SHARED_CHANCE, rtol=RTOL),
        noise_shape=SimpleNamespace(draws=NoiseShapeConfig().draws),
        gradients=SimpleNamespace(**dataclasses.asdict(GradientsConfig())),
        numpy=SimpleNamespace(
            comparisons=numpy_config.COMPARISONS, false_alarm=numpy.false_alarm,
            gradient_bound=numpy_config.GRADIENT_BOUND, repeats=numpy.repeats,
            samples=numpy.samples, timing_confidence=numpy_config.TIMING_CONFIDENCE,
            min_rounds=numpy_config.TIMING_MIN_ROUNDS, precision=numpy_config.TIMING_PRECISION,
            timing_seconds=numpy.timing_seconds, repetitions=numpy_timing.REPETITIONS,
            wall_factor=core_timing.WALL_FACTOR),
        mnist=SimpleNamespace(confidence=mnist.confidence, seeds=mnist.seeds,
                              steps=mnist.steps),
        mc=SimpleNamespace(paper_k=mnist_config.PAPER_K, repeats=mc.repeats, ks=mc.ks,
                           confidence=mc.confidence),
        frameworks=SimpleNamespace(
            rates=frameworks.rates, size=frameworks.size, false_alarm=frameworks.false_alarm,
            alpha=per_test_alpha(frameworks.false_alarm, len(frameworks.rates))),
        reproduce=SimpleNamespace(full_seeds=reproduce_config.FULL_SEEDS))


def fill(template: str, **extra: Any) -> str:
    """``template`` as an f-string over ``code()``'s families, the helpers above and ``extra``."""
    names: dict[str, Any] = {**vars(code()), "sci": sci, "pct": pct, "rates": rates,
                             "join": join, "short": short, "count": count, "math": math,
                             **extra}
    # the templates are this repository's own docs, evaluated at doc-generation time only
    return eval("f" + repr(template.strip("\n")), {"__builtins__": {}}, names)


# ---------------------------------------------------------------- from the registry


def seed_sentence() -> str:
    """Which commands take ``--seed``, and how the others are seeded (from the CLI's options)."""
    context = click.Context(main, info_name="dropout-lab")
    takes, other = [], []
    for kind in kinds.kinds():
        command = main.get_command(context, kind.name)
        names = {p.name: p for p in command.params}
        if "seed" in names:
            takes.append(f"`{kind.name}`")
        elif seeded := [p for n, p in names.items() if n.endswith("_seed")]:
            other.append(f"`{kind.name}` takes `{seeded[0].opts[0]}` instead")
        elif "run" in names:
            other.append(f"`{kind.name}` takes the seed recorded in its RUN")
    return textwrap.fill(f"{', '.join(takes)} take `--seed`; " + "; ".join(other) + ".",
                         width=100, break_on_hyphens=False, break_long_words=False)


# ---------------------------------------------------------------- from the reference runs


def step_command(step: dict[str, Any], run: str | None = None) -> str:
    """The command a user types for a reproduce step's config (its rerun line if none).

    ``run`` names the step's RUN argument instead of the reference run's folder.
    """
    recorded = runs.data(f"{REPRODUCE}/{step['name']}")["config"]
    if run is not None and recorded.get("run") is not None:
        recorded = {**recorded, "run": run}
    return docgen_commands.equivalent(step["command"], recorded) or step["rerun"]


def shown_command(path: str) -> str:
    """The command a transcript shows for ``name`` (its own) or ``name/step`` (the same config)."""
    name, _, step = path.partition("/")
    if not step:
        return runs.made(name)["command"]
    return step_command(next(s for s in runs.data(name)["steps"] if s["name"] == step))


def claims_table() -> str:
    """README's table: each claim, the command that settles it, the verdict, the key number.

    A step that reads another's run (mc-average) shows it as RUN.
    """
    stored = runs.result(REPRODUCE)
    by_claim = {c: s for s in runs.data(REPRODUCE)["steps"] for c in s["claims"]}
    rows = ["| claim (source) | command | verdict | key number |", "|---|---|---|---|"]
    for verdict in stored.verdicts:
        step = by_claim[verdict.claim]
        command = step_command(step, run="RUN").removeprefix("dropout-lab ")
        statement = CLAIMS[verdict.claim].statement
        rows.append(f"| **{verdict.claim}** {statement} ({verdict.source}) | `{command}` | "
                    f"**{verdict.outcome}** | {verdict.key_number().replace('|', '/')} |")
    return "\n".join(rows)


def versions(path: str = REPRODUCE) -> dict[str, str]:
    """The versions a reference run's manifest records."""
    return runs.manifest(path)["versions"]


def profiles_table() -> str:
    """Each step of ``reproduce`` in the quick and the full profile, as the command it runs
    ("—" where the quick profile leaves the step's claims to the full one).

    The frameworks step is listed as it runs with another framework installed.
    """
    with mock.patch.object(reproduce_config, "frameworks_installed", lambda: list(WORKERS)):
        plans = {p: reproduce_config.plan(reproduce_config.ReproduceConfig(profile=p))
                 for p in reproduce_config.PROFILES}
    rows = ["| step | claims | " + " | ".join(plans) + " |", "|---|---|" + "---|" * len(plans)]
    names = list(dict.fromkeys(s.name for steps in plans.values() for s in steps))
    for name in names:
        cells = []
        for steps in plans.values():
            step = next((s for s in steps if s.name == name), None)
            if step is None:  # a step this profile does not run
                cells.append("—")
                continue
            config = dataclasses.replace(step.config, run="RUN") if step.needs else step.config
            text = docgen_commands.equivalent(step.command, cfg.to_dict(config)) or "?"
            cells.append(f"`{text.removeprefix('dropout-lab ')}`")
        step = next(s for steps in plans.values() for s in steps if s.name == name)
        claims = ", ".join(step.claims) or "—"
        rows.append(f"| {step.name} | {claims} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
