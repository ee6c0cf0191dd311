"""TensorBoard event files in run folders, read back with TensorBoard's own reader.

A training run's loss curve, a sweep unit's curves, final numbers and HParams
session, the config as text: each read back with ``EventAccumulator`` and
compared with results.json. (The MNIST units are checked in test_mnist.py,
on its shared sweep; the HParams tab in a browser in test_tensorboard_server.py.)
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from dropout_lab.core import tensorboard
from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.reading import open_run
from dropout_lab.core.series import Series, finite, points, series_of

EventAccumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator").EventAccumulator


def read_events(path: Path):
    """TensorBoard's reader over one TensorBoard run folder, every event kept."""
    events = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    return events


def scalars(events, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in events.Scalars(tag)]


def text(events, tag: str) -> str:
    (event,) = events.Tensors(tag)
    return event.tensor_proto.string_val[0].decode()


def test_train_run_writes_its_loss_per_step_and_config(cli, out):
    data = cli.json("train", "--epochs", 30, "--rate", 0.3, "--seed", 4, "--out", out)
    run = open_run(data["run_dir"], ("train",))
    (event_file,) = [name for name in run.manifest["files"] if name.startswith("tensorboard/")]
    assert event_file.startswith("tensorboard/events.out.tfevents.")
    assert run.manifest["files"][event_file] == sha256_file(run.path / event_file)
    events = read_events(run.path / "tensorboard")
    assert events.Tags()["scalars"] == ["train/loss"]
    curve = scalars(events, "train/loss")
    assert [step for step, _ in curve] == list(range(30))
    # TensorBoard keeps scalars as float32
    assert [v for _, v in curve] == pytest.approx(data["train/loss"], rel=1e-6)
    shown = text(events, "config")
    assert shown.startswith("```toml\n") and "epochs = 30" in shown and "rate = 0.3" in shown
    assert "_hparams_/session_start_info" not in events.Tags()["tensors"]  # one model: no HParams


class _Folder:
    """What ``tensorboard.write`` uses of a RunFolder."""

    def __init__(self, path: Path):
        self.path, self.kind, self.run_id = path, "demo", "20260101-000000-abcdef"


@dataclasses.dataclass
class _Config:
    rate: float = 0.5


@dataclasses.dataclass
class _Result:
    units: list[Series]
    config: _Config = dataclasses.field(default_factory=_Config)

    def series(self) -> list[Series]:
        return self.units


def _units() -> list[Series]:
    return [Series(f"{arm}_seed{seed}",
                   {"test/accuracy": points([10, 20, 30], [0.5, math.nan, 0.7 + seed / 100])},
                   {"arm": arm, "seed": seed, "drop_rate": rate},
                   finite({"final/test_error": 0.3 - seed / 100, "final/bad": None}))
            for arm, rate in (("none", 0.0), ("dropout", 0.5)) for seed in (0, 1)]


def test_units_are_one_run_each_with_hparams_and_final_numbers(tmp_path):
    from tensorboard.plugins.hparams import metadata

    written = tensorboard.write(_Folder(tmp_path), _Result(_units()))
    assert sorted(Path(w).parent.name for w in written) == [
        "dropout_seed0", "dropout_seed1", "none_seed0", "none_seed1"]
    events = read_events(tmp_path / "tensorboard" / "dropout_seed1")
    assert scalars(events, "test/accuracy") == [(10, 0.5), (30, pytest.approx(0.71))]
    assert scalars(events, "final/test_error") == [(30, pytest.approx(0.29))]  # the last step
    assert "final/bad" not in events.Tags()["scalars"]
    info = metadata.parse_session_start_info_plugin_data(
        events.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
    assert {k: v.WhichOneof("kind") for k, v in info.hparams.items()} == {
        "arm": "string_value", "seed": "number_value", "drop_rate": "number_value"}
    assert (info.hparams["arm"].string_value, info.hparams["seed"].number_value,
            info.hparams["drop_rate"].number_value) == ("dropout", 1, 0.5)
    # each unit its own group: the same settings in another sweep stay another row
    assert info.group_name == "demo/20260101-000000-abcdef/dropout_seed1"
    assert "rate = 0.5" in text(events, "config")
    assert not (tmp_path / ".tensorboard.tmp").exists()


def test_writing_again_replaces_the_earlier_files(tmp_path):
    """A resumed sweep writes every unit's events anew: none of an earlier session's stay."""
    tensorboard.write(_Folder(tmp_path), _Result(_units()))
    tensorboard.write(_Folder(tmp_path), _Result(_units()[:1]))
    assert [p.name for p in (tmp_path / "tensorboard").iterdir()] == ["none_seed0"]
    assert len(list((tmp_path / "tensorboard" / "none_seed0").iterdir())) == 1


def test_a_result_without_series_writes_nothing(tmp_path):
    assert tensorboard.write(_Folder(tmp_path), object()) == []
    assert tensorboard.write(_Folder(tmp_path), _Result([])) == []
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_one_error_naming_it(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the run folder should be")
    with pytest.raises(ExperimentError, match=r"^Cannot write TensorBoard events in .*blocked"):
        tensorboard.write(_Folder(blocked), _Result(_units()))


def test_points_leave_out_what_is_not_a_finite_number():
    assert points([1, 2, 3, 4, 5], [1.0, None, math.nan, math.inf, 2]) == [(1, 1.0), (5, 2.0)]
    assert finite({"a": 1, "b": True, "c": "x", "d": -math.inf, "e": 0.5}) == {"a": 1.0,
                                                                            "e": 0.5}
    with pytest.raises(ValueError):
        points([1, 2], [1.0])  # steps and values must pair up
    assert series_of(_Result(_units()))[0].name == "none_seed0"
    assert series_of("no series method") == []
