"""Ctrl-C, racing resumes and full disks: nothing that looks complete unless it is."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from procs import alive, children

from dropout_lab.core import atomic
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.resume import RESUME_FILE, reopen_run, resumable_run
from dropout_lab.core.runs import MANIFEST


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _start(*args: str) -> subprocess.Popen:
    """``dropout-lab ARGS`` in a process of its own, its output captured, Ctrl-C at its default.

    A suite started in the background by a script inherits SIGINT ignored, and Python
    keeps an ignored SIGINT ignored: the child would never see the Ctrl-C sent to it.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "dropout_lab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=sigint_default)


def sigint_default() -> None:
    """In the child before it runs Python: SIGINT to its default, so Python handles it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ctrl_c(process: subprocess.Popen) -> tuple[float, str]:
    """SIGINT to ``process`` a second after its work began: seconds until it exited, stderr."""
    time.sleep(1.0)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    return time.monotonic() - sent, stderr


def test_ctrl_c_during_a_long_train_ends_it_within_two_seconds(tmp_path):
    out = tmp_path / "results"
    process = _start("train", "--epochs", "5000000", "--out", str(out))
    try:  # the partial folder appears once training has started
        assert _wait_for(lambda: any((out / "train").glob(".*.partial"))
                         if (out / "train").exists() else False, 120)
        elapsed, stderr = _ctrl_c(process)
    finally:
        process.kill()
    assert process.returncode == 1 and elapsed <= 2.0, (process.returncode, elapsed, stderr)
    assert "Error: Interrupted; no complete run folder was written." in stderr
    assert "Traceback" not in stderr
    assert list((out / "train").iterdir()) == []  # neither a complete nor a partial folder


def test_a_second_process_cannot_resume_a_folder_in_use(tmp_path):
    with pytest.raises(RuntimeError), resumable_run(tmp_path, "sweep", {"a": 1}, 0, "first"):
        raise RuntimeError("interrupted")
    (partial,) = (tmp_path / "sweep").iterdir()
    first = reopen_run(partial, "sweep", "again")
    with resumable_run(tmp_path, "sweep", {}, 0, "x", resume=first):
        second = reopen_run(partial, "sweep", "again")
        with (pytest.raises(ConfigError, match="is being written by another dropout-lab process"),
              resumable_run(tmp_path, "sweep", {}, 0, "x", resume=second)):
            pass
    (final,) = (tmp_path / "sweep").iterdir()
    assert not final.name.startswith(".") and not (final / ".lock").exists()


def test_temp_files_and_locks_are_never_recorded(tmp_path):
    with resumable_run(tmp_path, "sweep", {}, 0, "x") as run:
        (run.path / "units" / ".unit.tmp").mkdir(parents=True)
        (run.path / "units" / ".unit.tmp" / "unit.json").write_text("{}")
        (run.path / "units" / "a.json").write_text("{}")
    manifest = json.loads((run.path / MANIFEST).read_text())
    assert set(manifest["files"]) == {"units/a.json"}
    assert not (run.path / RESUME_FILE).exists()


def test_resuming_when_the_final_folder_exists_strands_nothing(tmp_path):
    with pytest.raises(RuntimeError), resumable_run(tmp_path, "sweep", {}, 0, "x") as run:
        raise RuntimeError("interrupted")
    partial = run.path
    run.final_path.mkdir()
    with pytest.raises(ConfigError, match="cannot be finished because .* already exists"):
        reopen_run(partial, "sweep", "again")
    assert (partial / RESUME_FILE).exists()


def test_a_partial_folder_named_without_its_dot_keeps_its_name(tmp_path):
    parent = tmp_path / "sweep"
    with pytest.raises(RuntimeError), resumable_run(tmp_path, "sweep", {}, 0, "x") as run:
        raise RuntimeError("interrupted")
    visible = parent / run.path.name[1:]  # e.g. copied without the leading dot
    run.path.rename(visible)
    folder = reopen_run(visible, "sweep", "again")
    assert folder.final_path.name == run.final_path.name


def test_a_full_disk_is_one_clean_error(cli, out, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    result = cli("train", "--epochs", "3", "--out", out, expect=1)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and lines[0].endswith(": No space left on device."), result.stderr
    assert "Traceback" not in result.stderr
    assert list((out / "train").iterdir()) == []


def test_an_unwritable_unit_is_an_experiment_error(tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(ExperimentError, match="No space left on device"):
        atomic.atomic_write_json(tmp_path / "x.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc (Linux)")
def test_ctrl_c_stops_the_framework_workers_too(tmp_path):
    out = tmp_path / "results"
    process = _start("frameworks", "--framework", "tensorflow", "--size", "1048576", "--out",
                     str(out))
    try:
        assert _wait_for(lambda: len(children(process.pid)) == 2, 60)  # both workers running
        workers = children(process.pid)
        elapsed, stderr = _ctrl_c(process)  # to the parent alone: it must stop its workers
    finally:
        process.kill()
    assert process.returncode == 1 and elapsed <= 2.0, (process.returncode, elapsed, stderr)
    assert "Error: Interrupted; no complete run folder was written." in stderr
    assert not any(alive(pid) for pid in workers)
    assert not (out / "frameworks").exists() or list((out / "frameworks").iterdir()) == []
