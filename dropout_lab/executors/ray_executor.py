"""The Ray executor: each unit one Ray task, on this machine's cores or on a cluster.

Without an address a local Ray instance is started with this machine's
cores and stopped at the end; each task asks for ``threads_per_unit`` CPUs
and its worker runs TensorFlow with that many threads, so the workers
together use the cores once (no oversubscription). With ``--address`` the
sweep joins a running cluster (``ray start --head`` on one node, ``ray start
--address HEAD:6379`` on the others) and leaves it running.

The shared data (MNIST) is put in the object store once; every task gets a
reference. A task returns its unit's payload; the driver writes the unit.
A worker that dies mid-unit (killed, out of memory, its node lost) is
retried up to ``retries`` times, each retry reported; a unit whose task
raises, or whose retries are spent, is a failure. Ctrl-C cancels every task
still queued or running (their workers are killed) before it propagates.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import socket
from collections.abc import Iterator
from typing import Any

from dropout_lab import __version__
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.executors import ray_task
from dropout_lab.executors.base import (
    Failure,
    Job,
    Outcome,
    Report,
    Tally,
    Writer,
    describe,
)

OBJECT_STORE_BYTES = 512 << 20  # a local instance: MNIST is 55 MB, payloads a few MB each
POLL_SECONDS = 0.25  # how often the driver looks up from waiting (Ctrl-C, progress)
CONNECT_SECONDS = 3.0  # a cluster's address must answer within this
INSTALL = "pip install 'dropout-lab[ray]'"
WORKER_NICENESS = "RAY_worker_niceness"  # read by the raylet when it starts workers


def import_ray():
    """Ray, or a usage error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("Invalid value for `--executor`: ray needs Ray, which is not "
                          f"installed here; install it with: {INSTALL}. Received: "
                          "executor='ray'", param="executor") from None
    return ray


def check_address(address: str) -> None:
    """Usage error unless ``host:port`` answers a TCP connection (before Ray tries for a minute).

    ``auto`` (the cluster ``ray start`` left on this machine) is Ray's to find.
    """
    if address == "auto":
        return
    expected = ("Invalid value for `--address`: expected the HOST:PORT of a running Ray "
                "cluster's head (`ray start --head` prints it; e.g. 10.0.0.5:6379) or auto")
    host, _, port = address.rpartition(":")
    if address.startswith("ray://") or not host or not port.isdigit():
        raise ConfigError(f"{expected}. Received: address={address!r}", param="address")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS):
            pass
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or describe(exc)
        raise ConfigError(f"{expected}; nothing answers there ({reason}): start the cluster "
                          f"first with `ray start --head`. Received: address={address!r}",
                          param="address") from None


class RayExecutor:
    """Units as Ray tasks; see the module docstring."""

    name = "ray"

    def __init__(self, address: str | None = None, threads_per_unit: int = 1,
                 retries: int = 2, cpus: int | None = None):
        self.address, self.threads, self.retries = address, threads_per_unit or 1, retries
        self.cpus = cpus or os.cpu_count() or 1
        self.cluster: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        """What the manifest records about how the units ran."""
        return {"name": self.name, "threads_per_unit": self.threads,
                "address": self.address, "retries": self.retries, **self.cluster}

    @contextlib.contextmanager
    def connected(self) -> Iterator[Any]:
        """Ray, initialised (joined or started), shut down on the way out."""
        ray = import_ray()
        if self.address is not None:
            check_address(self.address)
        options: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False,
                                       logging_level=logging.ERROR, configure_logging=True)
        if self.address is None:  # "local": a new instance, never one `ray start` left running
            options.update(num_cpus=self.cpus, object_store_memory=OBJECT_STORE_BYTES)
            # Ray runs its workers at nice 15 (to keep its own daemons responsive); here the
            # units are the work asked for, as the local executor's are: the same priority
            os.environ.setdefault(WORKER_NICENESS, "0")
        try:
            ray.init(address=self.address or "local", **options)
        except (RuntimeError, ConnectionError, ValueError) as exc:
            raise _init_error(exc, self.address) from None
        try:
            with _quiet_worker_deaths():
                self._check_workers(ray)
                yield ray
        finally:
            ray.shutdown()

    def _check_workers(self, ray) -> None:
        """One tiny task first: a worker without dropout-lab, or another version, stops here."""
        resources = ray.cluster_resources()
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        self.cluster = {"nodes": len(nodes), "cpus": int(resources.get("CPU", 0))}
        if self.cluster["cpus"] < self.threads:
            raise ConfigError(f"Invalid value for `threads_per_unit`: expected at most the "
                              f"cluster's {self.cluster['cpus']} CPUs. Received: "
                              f"threads_per_unit={self.threads}", param="threads_per_unit")
        probe = ray.remote(ray_task.preflight).options(num_cpus=0, max_retries=0)
        try:
            found = ray.get(probe.remote(), timeout=120)
        except Exception as exc:  # noqa: BLE001  (any failure of the probe is the cluster's)
            cause = getattr(exc, "cause", None) or exc
            # a worker without the module fails to unpickle the task (Ray says "failed to
            # import", with the worker's whole sys.path): name the module instead
            if isinstance(cause, ImportError) or "failed to import" in str(exc) \
                    or "dropout_lab" in str(exc):
                raise ExperimentError(
                    f"The Ray cluster's workers cannot import {ray_task.__name__}: install "
                    f"the same dropout-lab as here ({__version__}) on every node, e.g. "
                    f"{INSTALL}.") from None
            raise ExperimentError(f"The Ray cluster's workers failed their first task "
                                  f"({describe(cause)}).") from None
        here = {"dropout-lab": __version__, "ray": ray.__version__,
                "python": platform.python_version()}
        different = [f"{name} {found.get(name)} there, {version} here"
                     for name, version in here.items() if found.get(name) != version]
        if different:
            raise ExperimentError("The Ray cluster's workers run other versions ("
                                  + "; ".join(different) + "): install the same versions on "
                                  "every node and on this machine.")

    def run(self, task: str, jobs: list[Job], shared: dict[str, Any], write: Writer,
            report: Report, already: int = 0, steps: int | None = None) -> Outcome:
        """Compute every job as a Ray task and ``write`` each payload here, as it arrives.

        Same arguments as ``LocalExecutor.run`` (``steps`` is not shown: a task
        reports nothing until it ends).
        """
        tally, outcome = Tally(self.name, already + len(jobs), already, report), Outcome()
        if not jobs:  # a resumed sweep with every unit done: no cluster needed
            tally.show()
            return outcome
        tally.note = "starting Ray"
        tally.show()
        with self.connected() as ray:
            slots = max(1, self.cluster["cpus"] // self.threads)
            remote = ray.remote(ray_task.run_unit).options(num_cpus=self.threads,
                                                           max_retries=0)
            data = ray.put(shared)  # once: every task reads the same object
            pending = {remote.remote(task, job.args, data, self.threads): (job, 1)
                       for job in jobs}
            tally.note = ""
            try:
                while pending:
                    tally.running = min(len(pending), slots)
                    tally.show()
                    ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
                    for ref in ready:
                        job, attempt = pending.pop(ref)
                        retry = self._collect(ray, ref, job, attempt, write, outcome, tally)
                        if retry:
                            pending[remote.remote(task, job.args, data, self.threads)] = (
                                job, attempt + 1)
            except BaseException:
                for ref in pending:  # queued and running: their workers are killed
                    with contextlib.suppress(Exception):
                        ray.cancel(ref, force=True)
                raise
        tally.running = 0
        tally.show()
        return outcome

    def _collect(self, ray, ref, job: Job, attempt: int, write: Writer, outcome: Outcome,
                 tally: Tally) -> bool:
        """Take one finished task: write it, or record why not; True when it is to be retried."""
        try:
            payload = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the unit itself raised: not retried
            failure = describe(getattr(exc, "cause", None) or exc)
        except (ray.exceptions.RayError, OSError) as exc:  # the worker or its node went away
            failure = f"worker died: {describe(exc)}"
            if attempt <= self.retries:
                outcome.retried.setdefault(job.key, []).append(failure)
                tally.retries += 1
                return True
        else:
            write(job, payload)
            outcome.done.append(job.key)
            tally.done += 1
            return False
        outcome.failed.append(Failure(job.key, failure, attempt))
        tally.failed += 1
        return False


@contextlib.contextmanager
def _quiet_worker_deaths() -> Iterator[None]:
    """Keep Ray's driver thread from printing the raylet's worker-death notices on stdout.

    Ray prints them at any moment (through ``ray._private.worker.print_to_stdstream``,
    looked up at each call); the sweep reports each death itself, with the unit it hit,
    so those lines only break the tables. Other lines pass through unchanged.
    """
    from ray._private import worker

    original = getattr(worker, "print_to_stdstream", None)
    if original is None:
        yield
        return

    def filtered(data, *args, **kwargs):
        if data.get("pid") != "raylet":
            original(data, *args, **kwargs)

    worker.print_to_stdstream = filtered
    try:
        yield
    finally:
        worker.print_to_stdstream = original


def _init_error(exc: Exception, address: str | None) -> Exception:
    """One line for a failed ``ray.init``: a version mismatch, or no cluster there."""
    text = " ".join(str(exc).split())
    if "version mismatch" in text.lower():
        return ExperimentError(f"The Ray cluster at {address} runs another Ray or Python than "
                               f"this machine ({text[:300]}): install the same versions on "
                               "every node and here.")
    if "authenticat" in text.lower():
        return ExperimentError(f"The Ray cluster at {address} refused this machine's "
                               "authentication token: set RAY_AUTH_MODE=token here and give it "
                               "the cluster's token (RAY_AUTH_TOKEN, or ~/.ray/auth_token "
                               "copied from the head node).")
    where = f"the Ray cluster at {address}" if address else "a local Ray instance"
    return ExperimentError(f"Cannot start or join {where}: {text[:300]}.")
