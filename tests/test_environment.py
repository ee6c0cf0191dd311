"""The environment a command runs in: bad values are config errors naming them (issue 16, kind 9).

An invalid ``DROPOUT_LAB_MEMORY_LIMIT`` was ignored silently; with
``KERAS_BACKEND=torch`` (or jax, or a ``keras.json`` naming another backend)
the error never named the backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dropout_lab.core import limits, tfenv
from dropout_lab.core.errors import ConfigError


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Internal error" not in stderr
    return lines[0]


@pytest.mark.parametrize("value", ["lots", "0", "-5G", "1e9", "8 gigabytes", "0.0M", "G"])
def test_an_invalid_memory_limit_is_a_config_error(monkeypatch, value):
    monkeypatch.setenv("DROPOUT_LAB_MEMORY_LIMIT", value)
    with pytest.raises(ConfigError) as failed:
        limits.memory_limit()
    assert str(failed.value) == (
        "Invalid value for `DROPOUT_LAB_MEMORY_LIMIT`: expected a positive size in bytes, or "
        "with a K, M, G or T suffix (e.g. 8G or 512M). Received: "
        f"DROPOUT_LAB_MEMORY_LIMIT={value!r}")


@pytest.mark.parametrize("value, size", [("8G", 8 << 30), ("512M", 512 << 20), ("1.5k", 1536),
                                         ("123", 123), (" 2 GiB ", 2 << 30), ("1t", 1 << 40)])
def test_a_valid_memory_limit_is_read(monkeypatch, value, size):
    monkeypatch.setenv("DROPOUT_LAB_MEMORY_LIMIT", value)
    assert limits.memory_limit() == size


def test_no_memory_limit_is_half_of_what_is_free(monkeypatch):
    for value in (None, "", "  "):
        if value is None:
            monkeypatch.delenv("DROPOUT_LAB_MEMORY_LIMIT", raising=False)
        else:
            monkeypatch.setenv("DROPOUT_LAB_MEMORY_LIMIT", value)
        assert limits.memory_limit() > 0


def test_the_cli_names_an_invalid_memory_limit(cli, out, monkeypatch):
    monkeypatch.setenv("DROPOUT_LAB_MEMORY_LIMIT", "lots")
    result = cli("probe", "--size", "4096", "--layer", "numpy-inverted", "--out", out, expect=2)
    assert _error_line(result.stderr).endswith("Received: DROPOUT_LAB_MEMORY_LIMIT='lots'")
    assert not any(out.iterdir())


@pytest.mark.parametrize("backend", ["torch", "jax", "numpy"])
def test_another_keras_backend_is_named_in_the_error(cli, out, monkeypatch, backend):
    monkeypatch.setenv("KERAS_BACKEND", backend)
    result = cli("train", "--epochs", "3", "--out", out, expect=2)
    assert _error_line(result.stderr) == (
        "Error: Invalid value for `KERAS_BACKEND`: expected tensorflow (dropout-lab runs Keras "
        "on TensorFlow in its own process; other backends run in worker processes: "
        "`frameworks`, `compare --framework`). Received: "
        f"KERAS_BACKEND={backend!r} (from $KERAS_BACKEND); unset it or set "
        "KERAS_BACKEND=tensorflow.")
    assert not (out / "train").exists() or not any((out / "train").iterdir())


def test_keras_backend_tensorflow_is_fine(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "TensorFlow")
    tfenv.require_tensorflow_backend()


def test_a_keras_config_file_naming_another_backend_is_named(tmp_path):
    home = tmp_path / "keras-home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": "jax"}))
    env = {**os.environ, "KERAS_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERAS_BACKEND", None)
    done = subprocess.run([sys.executable, "-m", "dropout_lab", "train", "--epochs", "3",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 2
    assert "Received: KERAS_BACKEND='jax' (from Keras's config file (keras.json))" in \
        _error_line(done.stderr)
