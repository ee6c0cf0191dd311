"""The executors for real: local vs Ray bit for bit, a killed worker, a failing unit, Ctrl-C,
a two-node cluster, and the one-line errors of bad Ray input.

Every test starts the Ray it needs and stops it: the sweep's own local
instance (``--executor ray``, this machine's 2 CPUs, a temp dir of its own
through RAY_TMPDIR), or ``ray start --block`` node processes, each with its
own temp dir, killed with their process group at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sweep_helpers import cleanup, dataset_bytes, ray_env, sweep, tiny_config, unit_numbers

ray = pytest.importorskip("ray", reason="the [ray] extra is not installed")


def _unit_processes(env: dict[str, str]) -> list[int]:
    """Processes running a unit of the Ray instance started with ``env`` (``ray::run_unit``)."""
    found, mine = [], f"RAY_TMPDIR={env['RAY_TMPDIR']}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::run_unit") and \
                        mine in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _kill_a_unit_worker(env: dict[str, str], after: float, killed: list[int],
                        timeout: float = 300) -> threading.Thread:
    """A thread that SIGKILLs the first worker seen running a unit, ``after`` seconds into it."""
    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = _unit_processes(env)
            if running:
                time.sleep(after)
                if running[0] in _unit_processes(env):
                    os.kill(running[0], signal.SIGKILL)
                    killed.append(running[0])
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A tiny rate study with units of a few seconds, and its local run (its own process)."""
    folder = tmp_path_factory.mktemp("executors")
    config = tiny_config(folder, steps=400, seeds=2)
    local = sweep("rate", "--config", config, "--out", folder / "local")
    return config, folder, unit_numbers(local["run_dir"])


@pytest.mark.slow  # a Ray instance and two sweeps: ~40 s; .ci/run runs it
def test_ray_units_are_bit_identical_to_local_ones(study):
    config, folder, local = study
    data = sweep("rate", "--config", config, "--executor", "ray", "--out", folder / "ray")
    assert data["executor"]["name"] == "ray" and data["executor"]["nodes"] == 1
    assert data["executor"]["cpus"] == os.cpu_count() and data["complete"]
    assert unit_numbers(data["run_dir"]) == local  # unit.json (no timings), weights, attributes


@pytest.mark.slow  # a Ray instance, a worker killed: ~35 s; .ci/run runs it
def test_a_killed_worker_is_retried_and_reported(study):
    config, folder, local = study
    killed: list[int] = []
    env = ray_env()
    watcher = _kill_a_unit_worker(env, after=1.0, killed=killed)
    data = sweep("rate", "--config", config, "--executor", "ray", "--out", folder / "killed",
                 env=env)
    watcher.join(timeout=5)
    assert len(killed) == 1, "no unit worker was seen running"
    assert data["complete"] and data["failed_units"] == []
    ((unit, failures),) = data["retried_units"].items()
    assert len(failures) == 1 and failures[0].startswith("worker died: ")
    assert unit_numbers(data["run_dir"]) == local  # the retried unit computed anew, the same


@pytest.mark.slow
def test_a_unit_that_keeps_failing_is_reported_and_resumes(study):
    config, folder, local = study
    killed: list[int] = []
    out, env = folder / "failing", ray_env()
    watcher = _kill_a_unit_worker(env, after=1.0, killed=killed)
    data = sweep("rate", "--config", config, "--executor", "ray", "--retries", "0", "--out", out,
                 env=env, expect=1)
    watcher.join(timeout=5)
    assert killed and not data["complete"] and len(data["failed_units"]) == 1
    (failure,) = data["failed_units"]
    assert failure["attempts"] == 1 and failure["error"].startswith("worker died: ")
    keep, seed = failure["unit"].removeprefix("keep").split("_seed")
    assert data["missing"] == [f"keep {keep} (seed {seed})"]
    assert f"Missing points: keep {keep} (seed {seed})" in data["verdicts"][0]["evidence"]
    assert data["run_dir"].endswith(".partial")
    resumed = sweep("--resume", data["run_dir"], "--executor", "ray")
    assert resumed["complete"] and unit_numbers(resumed["run_dir"]) == local
    assert sum(u["resumed"] for u in resumed["units"]) == 3


@pytest.mark.slow
def test_ctrl_c_stops_the_ray_tasks_and_the_sweep_resumes(study):
    config, folder, local = study
    out, env = folder / "interrupted", ray_env()
    command = [sys.executable, "-m", "dropout_lab", "sweep", "rate", "--config", str(config),
               "--executor", "ray", "--out", str(out)]
    # SIGINT to its default in the child: a suite run in the background starts it ignored
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("sweep/.*.partial/units/keep*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        process.kill()
    assert process.returncode == 1 and "Traceback" not in stderr, stderr
    assert "Error: Interrupted: " in stderr and "Continue with: dropout-lab sweep --resume" \
        in stderr
    assert elapsed < 15, elapsed  # Ray's shutdown included
    time.sleep(2)
    assert not _unit_processes(env)  # no task of the sweep goes on
    lingering = subprocess.run(["pgrep", "-f", env["RAY_TMPDIR"]], capture_output=True)
    assert lingering.stdout == b""  # the local Ray instance is gone
    (partial,) = (out / "sweep").iterdir()
    resumed = sweep("--resume", partial, "--executor", "ray")
    assert resumed["complete"] and unit_numbers(resumed["run_dir"]) == local
    assert 1 <= sum(u["resumed"] for u in resumed["units"]) < 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """``ray start --block`` nodes on this machine, each in its own temp dir and process group."""

    def __init__(self, nodes: int, env: dict[str, str]):
        self.port, self.env, self.processes = _free_port(), env, []
        self.dirs = [tempfile.mkdtemp(prefix="rn", dir="/tmp") for _ in range(nodes)]
        for index, temp in enumerate(self.dirs):
            where = (["--head", "--port", str(self.port), "--include-dashboard=false"] if index == 0
                     else ["--address", self.address])
            self.processes.append(subprocess.Popen(
                ["ray", "start", "--block", *where, "--num-cpus", "1", "--temp-dir", temp,
                 "--object-store-memory", str(200 << 20)], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
            if index == 0:
                self._wait_for_port()
        self._wait_for_nodes(nodes)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the head node did not start")

    def _wait_for_nodes(self, nodes: int) -> None:
        code = (f"import ray, time\nray.init(address='{self.address}', logging_level='ERROR')\n"
                "for _ in range(240):\n"
                f"    if sum(n['Alive'] for n in ray.nodes()) >= {nodes:d}: break\n"
                "    time.sleep(0.5)\nprint(sum(n['Alive'] for n in ray.nodes()))\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=self.env, timeout=180)
        assert done.stdout.strip() == str(nodes), done.stderr[-2000:]

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        for temp in self.dirs:
            cleanup(temp)


def _cluster_env(**extra: str) -> dict[str, str]:
    return ray_env(RAY_AUTH_MODE="token", **extra)


@pytest.mark.slow
def test_a_two_node_cluster_writes_the_local_runs_unit_folders(study):
    config, folder, local = study
    env = _cluster_env()
    cluster = Cluster(2, env)
    try:
        data = sweep("rate", "--config", config, "--executor", "ray", "--address",
                     cluster.address, "--out", folder / "cluster", env=env)
    finally:
        cluster.stop()
    assert data["executor"]["nodes"] == 2 and data["executor"]["cpus"] == 2
    assert unit_numbers(data["run_dir"]) == local


def _shadow(folder: Path, version: str, modules: bool) -> str:
    """A dropout_lab package of another version (optionally without its modules) for a node."""
    package = folder / f"shadow-{version}-{modules}" / "dropout_lab"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    if modules:  # the real modules under another version number
        real = Path(__file__).resolve().parents[1] / "dropout_lab"
        for item in real.iterdir():
            if item.name != "__init__.py" and item.name != "__pycache__":
                (package / item.name).symlink_to(item)
    return str(package.parent)


@pytest.mark.slow
@pytest.mark.parametrize("modules, message", [
    (True, "The Ray cluster's workers run other versions (dropout-lab 0.0.1 there, {here} here): "
           "install the same versions on every node and on this machine."),
    (False, "The Ray cluster's workers cannot import dropout_lab.executors.ray_task: install "
            "the same dropout-lab as here ({here}) on every node, e.g. pip install "
            "'dropout-lab[ray]'."),
])
def test_a_cluster_without_this_dropout_lab_is_one_line(study, tmp_path, modules, message):
    from dropout_lab import __version__

    config, folder, _ = study
    node_env = _cluster_env(PYTHONPATH=_shadow(tmp_path, "0.0.1", modules))
    cluster = Cluster(1, node_env)
    try:
        # this checkout's dropout_lab for the driver, by PYTHONPATH; Ray puts the driver's
        # working folder on its workers' path, so it must not hold a dropout_lab of its own
        driver = {**node_env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        data = sweep("rate", "--config", config, "--executor", "ray", "--address",
                     cluster.address, "--out", tmp_path / "out", env=driver, expect=1,
                     cwd=tmp_path)
    finally:
        cluster.stop()
    assert data["stderr"].strip().splitlines() == ["Error: " + message.format(here=__version__)]


def test_bad_ray_input_is_one_line(tmp_path):
    config = tiny_config(tmp_path)
    port = _free_port()  # nothing listens there
    data = sweep("rate", "--config", config, "--executor", "ray", "--address",
                 f"127.0.0.1:{port}", "--out", tmp_path, expect=2)
    (line,) = [line for line in data["stderr"].splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: Invalid value for `--address`: expected the HOST:PORT of a "
                           "running Ray cluster's head") and "start the cluster first with " \
                                                           "`ray start --head`" in line
    assert not (tmp_path / "sweep").exists()
    without_ray = ("import sys; sys.modules['ray'] = None\nfrom dropout_lab.cli import main\n"
                   "main(['sweep', 'rate', '--config', sys.argv[1], '--executor', 'ray', "
                   "'--out', sys.argv[2]])")
    done = subprocess.run([sys.executable, "-c", without_ray, str(config), str(tmp_path)],
                          capture_output=True, text=True, env=ray_env())
    assert done.returncode == 2 and done.stderr.splitlines()[-1] == (
        "Error: Invalid value for `--executor`: ray needs Ray, which is not installed here; "
        "install it with: pip install 'dropout-lab[ray]'. Received: executor='ray'")


@pytest.mark.slow
def test_mnist_units_are_the_same_on_ray(tmp_path):
    def mnist(*extra: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "dropout_lab", "mnist", "--arms", "none,dropout", "--seeds",
             "1", "--steps", "40", "--eval-every", "20", "--train-subset", "300", "--out",
             str(tmp_path), "--json", "--quiet", *extra], capture_output=True, text=True,
            env=ray_env(), timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    local, on_ray = mnist(), mnist("--executor", "ray")
    assert local["curves"] == on_ray["curves"]
    assert unit_numbers_mnist(local["run_dir"]) == unit_numbers_mnist(on_ray["run_dir"])


def unit_numbers_mnist(run_dir: str) -> dict:
    """Each mnist unit's weights and attributes (its numbers are in the curves)."""
    import h5py

    found = {}
    for unit in sorted((Path(run_dir) / "units").iterdir()):
        with h5py.File(unit / "weights.h5") as handle:
            found[unit.name] = (dataset_bytes(handle),
                                {k: str(v) for k, v in handle.attrs.items()})
    return found
