"""TensorBoard event files in a run folder, from what the run already recorded.

``write(folder, result)`` writes one TensorBoard run per ``Series`` of the
result (``core.series``) under the run folder's ``tensorboard/``: the
run's own model in ``tensorboard/`` itself, each unit of a sweep in
``tensorboard/<unit>/``. Each holds one event file with

- the scalars per step (``train/loss``, ``test/accuracy``...), and the final
  numbers (``final/...``) at the last step;
- the config as text (tag ``config``, as TOML);
- for a unit, the HParams plugin's session summary: its hparams (run, arm,
  seed, rates), so that TensorBoard's HParams tab compares the units of every
  sweep under ``--logdir``, with each scalar as a metric.

No HParams experiment summary is written: TensorBoard keeps only the first it
finds under ``--logdir``, so with two sweeps there the second's hparams
would vanish; without one it infers the hparams and metrics of every session.

It is called where a run writes its results.json, before the folder is
finished, so the event files are listed in the manifest with their sha256
like every other file. The files are written whole into a hidden folder and
renamed to ``tensorboard/`` (a resumed sweep writes them again). Writing uses
TensorFlow's record writer and protocol buffers, loaded already by any run
that trains (1000 scalars: about 4 ms; TensorBoard's pure-Python writer took
60 ms); the HParams summary needs the ``tensorboard`` package, imported only
for units. Event files are named ``events.out.tfevents.<time>.dropout-lab``:
no host name or process id, unlike TensorFlow's own writer.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.series import Series, series_of

FOLDER = "tensorboard"
CONFIG_TAG = "config"


def write(folder: Any, result: Any) -> list[str]:
    """Write the event files of ``result``'s series into ``folder`` (a ``RunFolder``).

    Args:
        folder: the run folder being written (not yet finished).
        result: the run's result; nothing is written unless it has ``series()``.
            Its ``config`` is shown as text, as TOML.

    Returns:
        The event files written, relative to the run folder.

    Raises:
        ExperimentError: a file could not be written.
    """
    found = series_of(result)
    if not found:
        return []
    path = Path(folder.path)
    config_text = cfg.to_toml(result.config, f"dropout-lab {folder.kind}: config")
    final, tmp = path / FOLDER, path / f".{FOLDER}.tmp"
    label = f"{folder.kind}/{folder.run_id}"
    written = []
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        for series in found:
            target = tmp / series.name if series.name else tmp
            target.mkdir(parents=True, exist_ok=True)
            name = _write_series(target, series, config_text, label)
            written.append(f"{FOLDER}/{series.name + '/' if series.name else ''}{name}")
        if final.is_dir() and not final.is_symlink():
            shutil.rmtree(final)  # an earlier session's, when a sweep is resumed
        tmp.rename(final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExperimentError(f"Cannot write TensorBoard events in {path}: "
                              f"{exc.strerror or exc}.") from None
    return written


def _write_series(target: Path, series: Series, config_text: str | None, label: str) -> str:
    """One event file in ``target``: file version, config, hparams, scalars, final numbers."""
    import tensorflow as tf  # loaded already by every run that trains
    from tensorflow.core.util import event_pb2

    now = time.time()
    name = f"events.out.tfevents.{int(now)}.dropout-lab"
    events = [event_pb2.Event(wall_time=now, file_version="brain.Event:2")]
    if config_text:
        events.append(_event(now, 0, _text(CONFIG_TAG, _markdown(config_text))))
    if series.hparams:
        events.append(_event(now, 0, _hparams(series.hparams, f"{label}/{series.name}", now)))
    last = 0
    for tag, pairs in series.scalars.items():
        for step, value in pairs:
            events.append(_event(now, step, _scalar(tag, value)))
            last = max(last, step)
    for tag, value in series.metrics.items():
        events.append(_event(now, last, _scalar(tag, value)))
    with tf.io.TFRecordWriter(str(target / name)) as writer:
        for event in events:
            writer.write(event.SerializeToString())
    return name


def _event(wall_time: float, step: int, summary: Any) -> Any:
    from tensorflow.core.util import event_pb2

    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)


def _scalar(tag: str, value: float) -> Any:
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag,
                                                                simple_value=float(value))])


def _text(tag: str, text: str) -> Any:
    """A text-plugin summary (what ``tensorboard.plugins.text.summary_v2.text_pb`` builds)."""
    from tensorflow.core.framework import summary_pb2, tensor_pb2, types_pb2

    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[text.encode()])
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor,
                                                                metadata=metadata)])


def _markdown(text: str) -> str:
    """The config as a fenced block: the text plugin renders Markdown."""
    return f"```toml\n{text.rstrip()}\n```"


def _hparams(hparams: dict[str, Any], trial: str, start: float) -> Any:
    """The HParams plugin's session-start summary, as TensorFlow's Summary proto.

    ``trial`` (the unit's run path) names the session group, so two units with the
    same settings in two sweeps stay two rows.
    """
    from tensorboard.plugins.hparams import summary_v2  # the tensorboard package
    from tensorflow.core.framework import summary_pb2

    built = summary_v2.hparams_pb(hparams, trial_id=trial, start_time_secs=int(start))
    return summary_pb2.Summary.FromString(built.SerializeToString())
