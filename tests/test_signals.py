"""SIGTERM and SIGHUP do what Ctrl-C does; Ctrl-C while TensorFlow is imported; workers that
hang or are orphaned (issue 16, kind 5).

Every process that is sent SIGINT here is started with SIGINT at its default
(``preexec_fn``): a suite run in the background starts with SIGINT ignored,
and a child inherits that.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from procs import alive, children

from dropout_lab.core import signals
from dropout_lab.core.errors import ExperimentError
from dropout_lab.workers import parent

LINUX_PROC = pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")


def _default_sigint() -> None:
    # a suite started in the background (nohup, &) starts its children with SIGINT and SIGHUP
    # ignored, which the program rightly keeps: the tests send them, so they restore them
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("DROPOUT_LAB_TF_LOGS", None)
    return subprocess.Popen([sys.executable, "-m", "dropout_lab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _partial_appears(kind_folder: Path) -> bool:
    return kind_folder.exists() and any(kind_folder.glob(".*.partial"))


def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_a_run_as_ctrl_c_does(tmp_path, signum):
    out = tmp_path / "results"
    process = _start("train", "--epochs", "5000000", "--out", str(out))
    try:
        assert _wait_for(lambda: _partial_appears(out / "train"), 120)
        time.sleep(0.5)
        sent = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        process.kill()
    name = signal.Signals(signum).name
    assert process.returncode == 1 and elapsed <= 2.0, (process.returncode, elapsed, stderr)
    assert _lines(stderr) == [f"Error: Interrupted by {name}; no complete run folder was "
                              "written."]
    assert list((out / "train").iterdir()) == []  # no .partial left behind


def test_sigterm_keeps_a_resumable_sweep_and_says_so(tmp_path):
    out = tmp_path / "results"
    process = _start("mnist", "--arms", "none", "--seeds", "1", "--steps", "200000",
                     "--eval-every", "100000", "--train-subset", "64", "--out", str(out))
    try:
        assert _wait_for(lambda: _partial_appears(out / "mnist"), 180)
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    (partial,) = (out / "mnist").iterdir()
    assert process.returncode == 1 and partial.name.endswith(".partial")
    assert _lines(stderr)[-1] == (f"Error: Interrupted: 0 of 1 units are complete in {partial}. "
                                  f"Continue with: dropout-lab mnist --resume {partial}")


@LINUX_PROC
def test_sigterm_stops_the_framework_workers_too(tmp_path):
    out = tmp_path / "results"
    process = _start("frameworks", "--framework", "tensorflow", "--size", "1048576", "--out",
                     str(out))
    try:
        assert _wait_for(lambda: len(children(process.pid)) == 2, 60)  # both workers running
        workers = children(process.pid)
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, stderr
    assert _lines(stderr) == ["Error: Interrupted by SIGTERM; no complete run folder was "
                              "written."]
    assert _wait_for(lambda: not any(alive(pid) for pid in workers), 5)


def test_interruptible_raises_in_the_main_thread_and_restores_the_handlers():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(signals.Terminated) as stopped, signals.interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted at once
    assert isinstance(stopped.value, KeyboardInterrupt) and stopped.value.signal_name == "SIGTERM"
    assert signals.interrupted_words(stopped.value) == "Interrupted by SIGTERM"
    assert signals.interrupted_words(KeyboardInterrupt()) == "Interrupted"
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_ignored_signal_stays_ignored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with signals.interruptible():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.1)
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_interruptible_outside_the_main_thread_does_nothing():
    seen = []

    def body():
        with signals.interruptible():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGTERM)]


#: ``python -m dropout_lab ARGS``, once Python itself has started (its ``site`` may run the
#: environment's .pth files, which no program can guard): says @go on stderr, then runs.
LAUNCH = ("import runpy, sys\n"
          "sys.stderr.write('@go\\n'); sys.stderr.flush()\n"
          "sys.argv = ['dropout-lab', *sys.argv[1:]]\n"
          "runpy.run_module('dropout_lab', run_name='__main__', alter_sys=True)\n")


def _ctrl_c_trials(tmp_path: Path, trials: int, seed: int) -> list[str]:
    """``train --epochs 3`` interrupted at a random moment of its first seconds, ``trials``
    times: dropout-lab's imports, TensorFlow's import, training. Returns what went wrong
    (empty when every trial ended cleanly)."""
    rng = random.Random(seed)
    problems = []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for trial in range(trials):
        out = tmp_path / f"r{trial}"
        process = subprocess.Popen([sys.executable, "-c", LAUNCH, "train", "--epochs", "3",
                                    "--out", str(out)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env,
                                   preexec_fn=_default_sigint)
        assert process.stderr.readline() == "@go\n"
        delay = rng.uniform(0.0, 4.0)
        time.sleep(delay)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        elapsed = time.monotonic() - sent
        lines = _lines(stderr)
        completed = process.returncode == 0 and any((out / "train").iterdir())
        clean = process.returncode == 1 and len(lines) == 1 and lines[0] in (
            "Error: Interrupted.", "Error: Interrupted; no complete run folder was written.")
        left = list((out / "train").iterdir()) if (out / "train").exists() else []
        if completed and not lines:  # the run finished before the signal came: not a miss
            continue
        if not clean or left or elapsed > 3.0:
            problems.append(f"trial {trial}: SIGINT after {delay:.2f} s -> exit "
                            f"{process.returncode} in {elapsed:.2f} s, left {left}: {lines}")
    return problems


def test_ctrl_c_in_the_import_window_always_ends_cleanly(tmp_path):
    """12 trials. In 0.2 three of four trials went wrong (TensorFlow's log lines printed,
    death by SIGINT without a word, now and then a run that ignored it): 12 clean trials would
    happen by chance with probability 0.25**12 then. A failure rate of 1 in 10 would still slip
    through 12 trials with probability 0.28; the slow test runs 80 (0.9**80 = 2e-4)."""
    assert _ctrl_c_trials(tmp_path, 12, seed=16) == []


@pytest.mark.slow
def test_ctrl_c_in_the_import_window_always_ends_cleanly_many_trials(tmp_path):
    """80 trials: a failure rate of 1 in 10 passes with probability 2e-4, 1 in 30 with 0.07."""
    assert _ctrl_c_trials(tmp_path, 80, seed=1616) == []


def _hanging_module(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text("import time\ntime.sleep(3600)\n")
    return folder


def test_a_worker_whose_framework_import_hangs_is_stopped_with_a_clear_error(tmp_path,
                                                                          monkeypatch):
    fake = _hanging_module(tmp_path / "fake", "torch")
    monkeypatch.setenv("PYTHONPATH", f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    started = time.monotonic()
    with pytest.raises(ExperimentError) as failed:
        parent.call("torch", {"task": "dropout_lab.dropouts.worker_probe:probe_task",
                              "names": ["torch.nn.Dropout"]}, timeout=600, startup=3)
    assert time.monotonic() - started < 30
    assert str(failed.value) == (
        "The torch worker did not start within 3 s: importing its framework did not finish (a "
        "broken installation, or a file system that hangs); try `python -c 'import "
        "<framework>'` to see it.")
    assert not parent._LIVE  # killed and forgotten


def test_the_whole_calls_limit_bounds_the_start_up_too(tmp_path, monkeypatch):
    fake = _hanging_module(tmp_path / "fake", "torch")
    monkeypatch.setenv("PYTHONPATH", f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    with pytest.raises(ExperimentError, match=r"^The torch worker did not finish within 2 s; "
                                              r"smaller sizes, or fewer implementations, "
                                              r"finish sooner \(it was still importing its "
                                              r"framework\)\.$"):
        parent.call("torch", {"task": "x"}, timeout=2)
    assert not parent._LIVE


@LINUX_PROC
def test_a_worker_dies_with_its_parent(tmp_path):
    fake = _hanging_module(tmp_path / "fake", "torch")
    code = ("from dropout_lab.workers import parent\n"
            "parent.call('torch', {'task': 'x'}, timeout=None, startup=None)\n")
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    caller = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        assert _wait_for(lambda: len(children(caller.pid)) == 1, 60)
        (worker,) = children(caller.pid)
        time.sleep(1.0)  # the worker is hanging in its import, its death signal set
        caller.kill()  # SIGKILL: no cleanup runs in the parent
        caller.wait(timeout=10)
        assert _wait_for(lambda: not alive(worker), 10), "the worker outlived its parent"
    finally:
        caller.kill()


def test_ctrl_c_after_the_run_is_complete_says_it_is(cli, out, monkeypatch):
    from dropout_lab.numpy_demo import render

    def interrupted(result):
        raise KeyboardInterrupt  # while its tables are drawn

    monkeypatch.setattr(render, "numpy_demo", interrupted)  # the kind's renderer
    result = cli("numpy-demo", "--samples", "300", "--repeats", "3", "--out", out, expect=1)
    (run,) = (out / "numpy-demo").iterdir()
    assert _lines(result.stderr) == [f"Error: Interrupted; the run itself is complete: {run}."]
    assert (run / "manifest.json").is_file()
