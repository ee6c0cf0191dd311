"""TensorFlow import, log silencing and seeding: the only place TF is set up.

``import_tf`` silences TF's C++ log lines (oneDNN notices, CUDA stub lookups,
CPU-feature banners) that otherwise land on stderr at import time, unless the
user asked for them with ``DROPOUT_LAB_TF_LOGS=1``. ``seed_everything`` is the
one seeding function every run calls exactly once.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sys
import tempfile
from types import ModuleType

_tf: ModuleType | None = None

#: Environment variables that change TensorFlow's numbers or logs, as the user set them:
#: read when this module is first imported, before dropout-lab sets any itself.
USER_ENVIRONMENT = {name: os.environ.get(name) for name in
                    ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES",
                     "OMP_NUM_THREADS", "DROPOUT_LAB_MEMORY_LIMIT")}


def import_tf() -> ModuleType:
    """Import TensorFlow (and Keras) quietly; return the ``tensorflow`` module.

    The absl messages printed before TF's logging starts ignore
    ``TF_CPP_MIN_LOG_LEVEL``, so file descriptor 2 is redirected to a temporary
    file during the import; what was captured is replayed if the import fails.
    """
    global _tf
    if _tf is not None:
        return _tf
    verbose = os.environ.get("DROPOUT_LAB_TF_LOGS") == "1"
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with contextlib.nullcontext() if verbose else _captured_stderr_fd():
        import keras  # noqa: F401  (import both under the redirect)
        import tensorflow as tf

        # Find the devices now, under the redirect: with CUDA libraries installed (PyTorch's
        # and JAX's wheels bring them) and no GPU, the first op logs a cuInit failure.
        tf.config.list_physical_devices()
    if not verbose:
        tf.get_logger().setLevel("ERROR")
    _tf = tf
    return tf


@contextlib.contextmanager
def _captured_stderr_fd():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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
