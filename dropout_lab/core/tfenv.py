"""TensorFlow import, log silencing and seeding: the only place TF is set up.

``import_tf`` silences TF's C++ log lines (oneDNN notices, CUDA stub lookups,
CPU-feature banners) that otherwise land on stderr at import time, unless the
user asked for them with ``DROPOUT_LAB_TF_LOGS=1``. ``seed_everything`` is the
one seeding function every run calls exactly once.

The import takes seconds and runs in a thread of its own while the main
thread waits for it: Ctrl-C (or SIGTERM) then stops the command at once, and
is never raised inside TensorFlow's own import code, where it could be
swallowed (the run went on), abort the process from C++, or leave a
half-imported TensorFlow that crashes at exit. An import abandoned that way
keeps its log lines from the terminal, and the CLI leaves without Python's
shutdown (``import_abandoned``, ``core.signals.hard_exit``).

Keras must run on TensorFlow in this process (other backends run in worker
processes of their own): ``KERAS_BACKEND`` naming another is a config error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
import tempfile
import threading
from types import ModuleType

from dropout_lab.core.errors import ConfigError
from dropout_lab.core.signals import checkpoint

_tf: ModuleType | None = None
_abandoned: threading.Thread | None = None  # an import the main thread stopped waiting for
WAIT = 0.05  # seconds between the main thread's looks at the import

#: Environment variables that change TensorFlow's numbers or logs, as the user set them:
#: read when this module is first imported, before dropout-lab sets any itself.
USER_ENVIRONMENT = {name: os.environ.get(name) for name in
                    ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES",
                     "OMP_NUM_THREADS", "DROPOUT_LAB_MEMORY_LIMIT")}


def import_tf() -> ModuleType:
    """Import TensorFlow (and Keras) quietly; return the ``tensorflow`` module.

    The absl messages printed before TF's logging starts ignore
    ``TF_CPP_MIN_LOG_LEVEL``, so file descriptor 2 is redirected to a temporary
    file during the import; what was captured is replayed if the import fails
    (not if it is interrupted). The import runs in a thread of its own (see the
    module docstring).

    Raises:
        ConfigError: ``KERAS_BACKEND`` (or Keras's config file) names another backend.
        KeyboardInterrupt: Ctrl-C, SIGTERM or SIGHUP during the import, at once.
    """
    global _tf
    require_tensorflow_backend()
    if _tf is not None:
        return _tf
    verbose = os.environ.get("DROPOUT_LAB_TF_LOGS") == "1"
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with contextlib.nullcontext() if verbose else _CapturedStderr() as captured:
        tf = _in_thread(_load, captured)
    if not verbose:
        tf.get_logger().setLevel("ERROR")
    import keras

    if keras.backend.backend() != "tensorflow":  # e.g. "backend" in ~/.keras/keras.json
        raise _backend_error(keras.backend.backend(), "Keras's config file (keras.json)")
    _tf = tf
    return tf


def _load() -> ModuleType:
    import keras  # noqa: F401  (both imported under the redirect)
    import tensorflow as tf

    # Find the devices now, under the redirect: with CUDA libraries installed (PyTorch's
    # and JAX's wheels bring them) and no GPU, the first op logs a cuInit failure.
    tf.config.list_physical_devices()
    return tf


def _in_thread(load, captured: _CapturedStderr | None) -> ModuleType:
    """``load()`` in a thread; the main thread waits, interruptible (see the module docstring)."""
    global _abandoned
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = load()
        except BaseException as exc:  # noqa: BLE001  (raised again in the main thread)
            box["error"] = exc

    thread = threading.Thread(target=target, name="dropout-lab: importing TensorFlow",
                              daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(WAIT)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM or SIGHUP while TensorFlow is imported
        if thread.is_alive():
            _abandoned = thread
            if captured is not None:
                captured.abandon()
        raise
    checkpoint()  # a Ctrl-C swallowed by the main thread's wait
    if "error" in box:
        raise box["error"]
    return box["value"]


def import_abandoned() -> bool:
    """True when TensorFlow's import was interrupted half-way and is still running."""
    return _abandoned is not None and _abandoned.is_alive()


def require_tensorflow_backend() -> None:
    """ConfigError when ``KERAS_BACKEND`` names another backend than TensorFlow."""
    backend = os.environ.get("KERAS_BACKEND")
    if backend is not None and backend.strip().lower() != "tensorflow":
        raise _backend_error(backend, "$KERAS_BACKEND")


def _backend_error(backend: str, where: str) -> ConfigError:
    return ConfigError(
        f"Invalid value for `KERAS_BACKEND`: expected tensorflow (dropout-lab runs Keras on "
        f"TensorFlow in its own process; other backends run in worker processes: `frameworks`, "
        f"`compare --framework`). Received: KERAS_BACKEND={backend!r} (from {where}); unset it "
        "or set KERAS_BACKEND=tensorflow.", param="KERAS_BACKEND")


class _CapturedStderr:
    """File descriptor 2 sent to a temporary file while TensorFlow is imported.

    What was captured is replayed on stderr if the import fails (not when it
    is interrupted: Ctrl-C gets one line, not TensorFlow's banners). An
    abandoned import keeps writing: descriptor 2 then stays away from the
    terminal (``/dev/null``) and ``sys.stderr`` moves to the terminal's own copy.
    """

    def __enter__(self) -> _CapturedStderr:
        sys.stderr.flush()
        self.saved: int | None = os.dup(2)
        self.sink = tempfile.TemporaryFile()
        os.dup2(self.sink.fileno(), 2)
        self.abandoned = False
        return self

    def abandon(self) -> None:
        self.abandoned = True

    def __exit__(self, kind, exc, traceback) -> None:
        saved = self.saved
        assert saved is not None  # set by __enter__
        try:
            if self.abandoned:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
                os.close(null)
                errors = getattr(sys.stderr, "errors", None) or "backslashreplace"
                sys.stderr = open(saved, "w", encoding="utf-8", errors=errors)  # noqa: SIM115  (sys.stderr now)
                self.saved = None  # owned by sys.stderr now
                return
            os.dup2(saved, 2)
            if exc is not None and not isinstance(exc, KeyboardInterrupt):
                self.sink.seek(0)
                sys.stderr.write(self.sink.read().decode(errors="replace"))
        finally:
            if self.saved is not None:
                os.close(self.saved)
            self.sink.close()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras from one integer.

    Keras 3 draws layer seeds from Python's ``random``, so
    ``tf.random.set_seed`` alone is not enough; ``keras.utils.set_random_seed``
    covers all four. Call it once per run, before any layer is built.
    """
    import_tf()
    import keras

    keras.utils.set_random_seed(seed)


def versions() -> dict[str, str]:
    """Versions of the packages a run depends on, for the manifest.

    TensorFlow's and Keras's are those installed, read from their metadata
    without importing them, so a run that never imported TensorFlow (numpy-demo)
    records them too; ``imported()`` says whether it did. A module already
    imported reports its own ``__version__`` (the code that ran).
    """
    found = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        version = _version(name)
        if version is not None:
            found[name] = version
    return found


def imported() -> list[str]:
    """Which of TensorFlow and Keras this process has imported (for the manifest)."""
    return [name for name in ("tensorflow", "keras") if name in sys.modules]


#: The packages ``versions`` reports and the distributions that may install each.
_DISTRIBUTIONS = {"numpy": ("numpy",), "h5py": ("h5py",),
                  "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos",
                                 "tf-nightly"),
                  "keras": ("keras", "keras-nightly")}


def _version(name: str) -> str | None:
    version = getattr(sys.modules.get(name), "__version__", None)
    return version if isinstance(version, str) else _installed(name)


@functools.cache
def _installed(name: str) -> str | None:
    """The installed version of package ``name`` from its distribution's metadata, or None."""
    import importlib.metadata  # not at module level: tens of ms that --help need not pay

    for distribution in _DISTRIBUTIONS[name]:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None
