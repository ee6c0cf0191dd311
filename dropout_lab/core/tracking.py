"""MLflow tracking of finished runs (``--mlflow``, or ``MLFLOW_TRACKING_URI`` when set).

``log_run(result, out)`` logs a complete run folder as one MLflow run, in the
experiment ``dropout-lab <kind>``:

- params: the config, flattened (``hidden_units`` -> ``"256,128"``);
- tags: each claim's outcome (``claim/C1`` = ``confirmed``), the kind, the
  run folder, the command and dropout-lab's version;
- metrics: each ``Series`` of the result (``core.series``) per step, and its
  final numbers; a sweep's units are child runs (their hparams as params);
- artifacts: results.json, manifest.json, config.toml, report.md and
  report.html, and every figure (PNG, SVG); never weights or event files;
- the runs a result names as its parts (``part_runs()``: the training run a
  comparison made, a reproduction's steps) as child runs, each logged the same
  way, in the parent's experiment (MLflow nests runs only within one).

The tracking store is ``MLFLOW_TRACKING_URI`` when set, else a SQLite
database under ``--out`` (``<out>/mlflow/mlflow.db``, artifacts beside it in
``<out>/mlflow/artifacts``; ``mlflow ui --backend-store-uri
sqlite:///<out>/mlflow/mlflow.db`` shows it). A server that cannot be
reached is one ``TrackingError`` line, after a 5-second check, before MLflow
retries for minutes; the run folder is complete either way (it was written
before). mlflow is imported only here, only when asked (it takes seconds);
importing this module imports nothing heavy (every command's --help reads it).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dropout_lab import __version__
from dropout_lab.core import config as cfg
from dropout_lab.core import kinds, results
from dropout_lab.core.atomic import to_jsonable
from dropout_lab.core.errors import DropoutLabError, ExperimentError
from dropout_lab.core.reading import open_run
from dropout_lab.core.series import series_of

if TYPE_CHECKING:
    from dropout_lab.core.series import Series

ENV = "MLFLOW_TRACKING_URI"
FOLDER = "mlflow"
ARTIFACTS = ("results.json", "manifest.json", "config.toml", "report.md", "report.html")
FIGURES = (".png", ".svg")
CONNECT_SECONDS = 5.0
# MLflow's own limits per log_batch call
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}


class TrackingError(ExperimentError):
    """The run could not be logged (exit 1); its folder is complete all the same."""


def wanted(flag: bool | None) -> bool:
    """Whether to log: ``--mlflow``/``--no-mlflow`` when given, else whether the URI is set."""
    return bool(os.environ.get(ENV)) if flag is None else flag


def tracking_uri(out: Path) -> str:
    """``MLFLOW_TRACKING_URI``, else the SQLite database under ``out``."""
    return os.environ.get(ENV) or f"sqlite:///{(Path(out) / FOLDER / 'mlflow.db').resolve()}"


def log_run(result: Any, out: Path) -> dict[str, str]:
    """Log ``result``'s complete run folder (and its parts) to MLflow.

    Returns:
        ``{"uri", "experiment", "run_id"}`` of the run logged.

    Raises:
        TrackingError: the tracking store cannot be reached or refused a call.
    """
    uri = tracking_uri(out)
    if uri.startswith(("http://", "https://")):
        _check_reachable(uri)
    client = _client(uri, out)
    kind = type(result).KIND
    try:
        run_id = _log(client, _experiment(client, kind, out), result, kind, None)
    except TrackingError:
        raise
    except Exception as exc:  # noqa: BLE001  (mlflow, requests, SQLAlchemy: one line each)
        raise TrackingError(f"MLflow at {_shown(uri)} refused the run ({type(exc).__name__}: "
                            f"{_first_line(exc)}); the run folder {result.run_dir} is complete "
                            f"but was not logged.") from None
    return {"uri": _shown(uri), "experiment": _experiment_name(kind), "run_id": run_id}


def _check_reachable(uri: str) -> None:
    """TrackingError unless the server answers ``/health`` within ``CONNECT_SECONDS``."""
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=CONNECT_SECONDS):
            return
    except urllib.error.HTTPError:
        return  # it answered: a server, if not one with /health
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TrackingError(f"Cannot reach the MLflow tracking server at {_shown(uri)} "
                            f"({_first_line(reason)}); the run folder is complete but was "
                            f"not logged (unset {ENV} or start the server).") from None


def _client(uri: str, out: Path) -> Any:
    # retry a failing call twice within a minute, not 7 times over minutes (MLflow's default)
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    if uri.startswith("sqlite:///") and ENV not in os.environ:
        (Path(out) / FOLDER).mkdir(parents=True, exist_ok=True)
    from mlflow.tracking import MlflowClient

    # after the import, which sets them to INFO: "Creating initial MLflow database tables..."
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri)


def _experiment_name(kind: str) -> str:
    return f"dropout-lab {kind}"


def _experiment(client: Any, kind: str, out: Path) -> str:
    name = _experiment_name(kind)
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    local = ENV not in os.environ  # the default store keeps its artifacts under --out too
    location = (Path(out) / FOLDER / "artifacts").resolve().as_uri() if local else None
    return client.create_experiment(name, artifact_location=location)


def _log(client: Any, experiment: str, result: Any, kind: str, parent: str | None) -> str:
    """One run folder as an MLflow run (under ``parent``), its series and parts as children,
    all in ``experiment`` (MLflow nests a child only within its parent's experiment)."""
    from mlflow.entities import Param


    run_dir = Path(result.run_dir)
    tags = {"dropout-lab.kind": kind, "dropout-lab.run_dir": str(run_dir),
            "dropout-lab.version": __version__, **claim_tags(result)}
    if parent:
        tags["mlflow.parentRunId"] = parent
    manifest = _manifest(run_dir, kind)
    if isinstance(manifest.get("command"), str):
        tags["dropout-lab.command"] = manifest["command"][:5000]
    run = client.create_run(experiment, run_name=f"{kind}/{run_dir.name}", tags=tags)
    run_id = run.info.run_id
    params = [Param(k, v) for k, v in flatten(_config(result)).items()]
    found = series_of(result)
    own = next((s for s in found if not s.name), None)
    _batch(client, run_id, params=params, metrics=_metrics(own) if own else [])
    for path, folder in artifacts(run_dir):
        client.log_artifact(run_id, str(path), folder)
    for series in found:
        if series.name:
            _child(client, experiment, series, kind, run_id, run_dir.name)
    for part_kind, part in parts(result):
        _log(client, experiment, part, part_kind, run_id)
    client.set_terminated(run_id, "FINISHED")
    return run_id


def _child(client: Any, experiment: str, series: Series, kind: str, parent: str,
           run_name: str) -> None:
    """A unit of a sweep: its hparams as params, its curves and final numbers as metrics."""
    from mlflow.entities import Param

    run = client.create_run(experiment,
                            run_name=f"{kind}/{run_name}/{series.name}",
                            tags={"mlflow.parentRunId": parent, "dropout-lab.kind": kind,
                                  "dropout-lab.unit": series.name})
    _batch(client, run.info.run_id, params=[Param(k, str(v)) for k, v in series.hparams.items()],
           metrics=_metrics(series))
    client.set_terminated(run.info.run_id, "FINISHED")


def _metrics(series: Series) -> list[Any]:
    from mlflow.entities import Metric

    metrics = [Metric(key, value, 0, step) for key, pairs in series.scalars.items()
               for step, value in pairs]
    last = max((step for pairs in series.scalars.values() for step, _ in pairs), default=0)
    return metrics + [Metric(key, value, 0, last) for key, value in series.metrics.items()]


def _batch(client: Any, run_id: str, **entries: list[Any]) -> None:
    """``log_batch`` in pieces within MLflow's limits per call."""
    for name, items in entries.items():
        size = _BATCH[name]
        for start in range(0, len(items), size):
            client.log_batch(run_id, **{name: items[start:start + size]})


def claim_tags(result: Any) -> dict[str, str]:
    """``claim/<id>`` -> outcome for each verdict (outcomes joined when a claim has several)."""
    outcomes: dict[str, list[str]] = {}
    for verdict in getattr(result, "verdicts", []) or []:
        seen = outcomes.setdefault(f"claim/{_key(verdict.claim)}", [])
        if verdict.outcome not in seen:
            seen.append(verdict.outcome)
    return {key: ", ".join(found) for key, found in outcomes.items()}


def flatten(config: Any, prefix: str = "") -> dict[str, str]:
    """A config dict as MLflow params: nested keys joined by ``.``, lists by ``,``."""
    flat: dict[str, str] = {}
    for key, value in (config or {}).items():
        name = f"{prefix}{_key(str(key))}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = ",".join("" if v is None else str(v) for v in value)[:6000]
        else:
            flat[name] = ("" if value is None else str(value))[:6000]
    return flat


def artifacts(run_dir: Path) -> list[tuple[Path, str | None]]:
    """(file, artifact folder) of what is logged: the records and every figure."""
    found: list[tuple[Path, str | None]] = [(run_dir / name, None) for name in ARTIFACTS
                                            if (run_dir / name).is_file()]
    for path in sorted(run_dir.rglob("*")):
        relative = path.relative_to(run_dir)
        if path.suffix.lower() in FIGURES and path.is_file() and not path.is_symlink() \
                and not any(part.startswith(".") for part in relative.parts):
            folder = relative.parent.as_posix()
            found.append((path, None if folder == "." else folder))
    return found


def parts(result: Any) -> list[tuple[str, Any]]:
    """(kind, result) of the complete runs a result names as its parts, read back from disk."""

    method = getattr(result, "part_runs", None)
    found = []
    for path in (method() if callable(method) else []):
        kind = kinds.canonical(Path(path).parent.name)
        data = open_run(path, (kind,)).read_json("results.json")
        found.append((kind, results.from_json(kinds.experiment(kind).Result, data)))
    return found


def _config(result: Any) -> dict[str, Any]:

    try:
        return to_jsonable(cfg.to_dict(result.config))
    except (TypeError, AttributeError):
        return {}


def _manifest(run_dir: Path, kind: str) -> dict[str, Any]:

    try:
        return open_run(run_dir, (kind,)).manifest
    except DropoutLabError:
        return {}


def _key(text: str) -> str:
    """A name MLflow accepts (letters, digits, ``_ - . / :`` and spaces)."""
    return re.sub(r"[^\w\-./: ]", "_", text)


def _shown(uri: str) -> str:
    """A URI without the password it may carry (``https://user:pw@host``)."""
    return re.sub(r"//[^/@]*@", "//", uri)


def _first_line(value: Any) -> str:
    return (str(value).strip().splitlines() or [""])[0][:200]
