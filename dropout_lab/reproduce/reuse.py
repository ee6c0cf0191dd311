"""Which steps an interrupted reproduction finished, proven to be the work now asked for.

An interrupted reproduction's folder, its step records (``steps/<name>.json``)
and the run folders they name are untrusted. From a record only two things
are taken: the run id (a name, looked up as ``OUT/<the step's command>/<id>``,
never followed elsewhere) and the wall time (a finite number, else 0). Its
link and its rerun command are rebuilt here, never copied from the file. A
finished step is reused only when its run's recorded config gives every
value the plan's step config sets (seed, profile sizes, layer set...), and
the versions that change its numbers (TensorFlow, Keras, NumPy) are today's;
otherwise the step runs again, so the report never states a seed or a size
its evidence was not made with.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.atomic import to_jsonable
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.reading import MAX_MANIFEST_BYTES, parse_json
from dropout_lab.core.runs import RunFolder
from dropout_lab.core.safe_paths import check_real_dir
from dropout_lab.core.tfenv import versions as current_versions
from dropout_lab.reproduce.config import Step

STEPS_DIR, CONFIGS_DIR = "steps", "configs"
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # a run folder's name
NUMBERS_VERSIONS = ("tensorflow", "keras", "numpy")  # versions that change a step's numbers


@dataclass(frozen=True)
class StepRecord:
    """A finished step: where its run is and how to run it again."""

    name: str
    command: str
    claims: list[str]
    run_dir: str  # the step's run folder, as it was written (under --out)
    link: str  # the same, relative to the reproduce folder
    rerun: str  # the command that reruns this step alone
    wall_seconds: float


def step_config(step: Step, made: dict) -> Any:
    """The config a step runs with: the plan's, with the run it reads filled in (mc-average)."""
    if step.needs:
        return dataclasses.replace(step.config, run=str(made[step.needs].run_dir))
    return step.config


def config_file(step: Step) -> str:
    """The step's config file in the reproduce folder, ``configs/<name>.toml``."""
    return f"{CONFIGS_DIR}/{step.name}.toml"


def rerun_command(step: Step, folder: RunFolder, out: Path) -> str:
    """The command that reruns ``step`` alone: its config file, the same ``--out``."""
    return shlex.join(["dropout-lab", step.command, "--config",
                       str(folder.final_path / config_file(step)), "--out", str(out)])


def record(step: Step, folder: RunFolder, out: Path, run_dir: Path,
           wall_seconds: float) -> StepRecord:
    """The record of a finished step, every field from the plan and the folders (none read)."""
    return StepRecord(step.name, step.command, list(step.claims), str(run_dir),
                      os.path.relpath(run_dir, folder.final_path),
                      rerun_command(step, folder, out), wall_seconds)


def finished(folder: RunFolder, out: Path, steps: list[Step]) -> dict[str, StepRecord]:
    """Steps an interrupted reproduction finished whose run folders are still there.

    Raises:
        LinkRefused: ``steps/`` is a symbolic link.
    """
    found: dict[str, StepRecord] = {}
    records = folder.path / STEPS_DIR
    if not os.path.lexists(records):
        return found
    check_real_dir(records, "read")
    for step in steps:
        path = records / f"{step.name}.json"
        try:
            data = parse_json(read_bytes(path, MAX_MANIFEST_BYTES, follow_links=False), path)
            kept = results.parse(StepRecord, data)
        except (UnsafeFile, ExperimentError, TypeError, KeyError, ValueError, AttributeError):
            continue  # missing or unreadable: the step runs again
        run_id = Path(str(kept.run_dir)).name
        if kept.name != step.name or kept.command != step.command or not RUN_ID.fullmatch(run_id):
            continue
        run_dir = out / step.command / run_id
        if run_dir.is_dir() and not run_dir.is_symlink():
            seconds = kept.wall_seconds
            valid = isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0
            found[step.name] = record(step, folder, out, run_dir, seconds if valid else 0.0)
    return found


def differences(manifest: dict[str, Any], config: Any) -> list[str]:
    """How a step run's manifest differs from the work ``config`` asks for (empty: the same)."""
    recorded: dict[str, Any] = (manifest["config"] if isinstance(manifest.get("config"), dict)
                                else {})
    found = []
    for name, value in json.loads(json.dumps(to_jsonable(cfg.to_dict(config)))).items():
        if value is None:
            continue  # the experiment fills it in (e.g. compare's seed with a run)
        got = recorded.get(name)
        same = (isinstance(got, str) and Path(got).name == Path(value).name) if name == "run" \
            else got == value
        if not same:
            found.append(f"{name} {got!r}, not {value!r}")
    versions: dict[str, Any] = (manifest["versions"]
                                if isinstance(manifest.get("versions"), dict) else {})
    now = current_versions()  # as the run's manifest recorded them (core.tfenv.versions)
    for name in NUMBERS_VERSIONS:
        if name in versions and versions[name] != now.get(name):
            found.append(f"{name} {versions[name]!r}, not {now.get(name)!r}")
    return found
