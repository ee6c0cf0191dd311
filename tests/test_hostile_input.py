"""Hostile options, configs, special files and data: one line each, the right exit code,
nothing written.

Each case is one kind of input the careless user, a full disk or a stranger's
file gives; none may produce a traceback, a hang, or unbounded memory use.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib

import numpy as np
import pytest

from dropout_lab.core.data import sources
from dropout_lab.core.data.idx import IdxFormatError, parse_idx
from dropout_lab.core.errors import ConfigError


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


def _nothing_written(out) -> bool:
    return [p for p in out.rglob("*") if p.is_file()] == []


SEED_RANGE = "expected an integer in [0, 4294967295] (NumPy and Keras seeds are 32-bit)"
BAD_OPTIONS = [
    (("train", "--seed", "-1"), f"Invalid value for `seed`: {SEED_RANGE}. Received: seed=-1"),
    (("compare", "--seed", "4294967296"), f"{SEED_RANGE}. Received: seed=4294967296"),
    (("probe", "--seed", "99999999999999999999"), "Received: seed=99999999999999999999"),
    (("noise-shape", "--seed", "-5"), "Received: seed=-5"),
    (("gradients", "--seed", "-1"), "Received: seed=-1"),
    (("numpy-demo", "--seed", "-1"), "Received: seed=-1"),
    (("mnist", "--first-seed", "4294967295", "--seeds", "2"),
     "Invalid value for `first_seed + seeds - 1`"),
    (("mc-average", "--seed", "-1"), "Received: seed=-1"),
    (("train", "--epochs", "1000000000000"),
     "Invalid value for `epochs`: expected an integer in [1, 2147483647] (a 32-bit count). "
     "Received: epochs=1000000000000"),
    (("compare", "--mc-samples", "3000000000"),
     "Invalid value for `mc_samples`: expected an integer in [100, 2147483647] (the consistency "
     "bound relies on the central limit theorem)"),
    (("compare", "--runs", "100000000"), "expected an integer in [1, 1000000] (repeated "
                                         "predictions are kept in memory). "
                                         "Received: runs=100000000"),
    (("mc-average", "--k", "1,99999999999"), "Received: k='1,99999999999'"),
    (("mc-average", "--repeats", "3000000000"), "Received: repeats=3000000000"),
    (("noise-shape", "--input-shape", "2,²,4"), "Received: input_shape='2,²,4'"),
    (("noise-shape", "--input-shape", "2,٣,4"), "Received: input_shape='2,٣,4'"),
    (("noise-shape", "--input-shape", "100000,100000"), "expected at most 1048576 entries"),
    (("probe", "--size", "1000000000000"),
     "Invalid value for `size`: expected a value whose run fits in memory (a draw of "
     "1000000000000 entries needs ~"),
    (("gradients", "--batch-size", "100000000"),
     "Invalid value for `batch_size`: expected a value whose run fits in memory (a batch of "
     "100000000 images needs ~"),
    (("mnist", "--steps", "100000000", "--eval-every", "1"),
     "Invalid value for `eval_every`: expected an integer >= steps / 10000"),
    (("mnist", "--seeds", "100000"), "expected an integer in [1, 10000] (units per arm)"),
    (("train", "--out", ""), "Invalid value for `--out`: expected a writable folder. Received: "
                             "out='' (an empty name would write into the current folder)"),
    (("train", "--out", "x" * 300), "File name too long"),
    (("mnist", "--resume", "/"), "Invalid value for `--resume`: expected an interrupted mnist "
                                 "run"),
    (("mnist", "--resume", "."), "Invalid value for `--resume`"),
    (("mc-average", "r" * 300), "Invalid value for `RUN`"),
]


@pytest.mark.parametrize("args, message", BAD_OPTIONS, ids=[" ".join(a)[:40] for a, _ in
                                                             BAD_OPTIONS])
def test_bad_options_exit_2_with_one_line(cli, out, args, message):
    extra = () if "--out" in args else ("--out", out)
    line = _error_line(cli(*args, *extra, expect=2))
    assert message in line
    assert _nothing_written(out)


def test_config_files_that_are_not_configs(cli, out, tmp_path):
    cases = {"bytes.toml": os.urandom(4096),
             "nested.toml": b"x = " + b"[" * 200_000 + b"]" * 200_000 + b"\n",
             "huge.toml": b"#" * (2 << 20)}
    expected = {"bytes.toml": "is not UTF-8 text", "nested.toml": "nest too deeply",
                "huge.toml": "is 2.0 MiB, more than the 1 MiB expected of it"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        line = _error_line(cli("train", "--config", tmp_path / name, "--out", out, expect=2))
        assert expected[name] in line, (name, line)
    assert _nothing_written(out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_as_config_never_hang(cli, out, tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    assert "is a FIFO (named pipe), not a regular file" in _error_line(
        cli("probe", "--config", fifo, "--out", out, expect=2))
    if os.path.exists("/dev/zero"):
        line = _error_line(cli("probe", "--config", "/dev/zero", "--out", out, expect=2))
        assert "is a character device, not a regular file" in line


def test_an_idx_header_whose_dimensions_overflow_is_refused_before_allocating():
    header = bytes([0, 0, 0x08, 4]) + np.array([2**32 - 1] * 4, ">u4").tobytes()
    with pytest.raises(IdxFormatError, match="header declares shape .* more than the"):
        parse_idx(header + b"\0" * 16)


def test_a_gzip_bomb_is_refused_after_its_header():
    # a valid idx header declaring 100 bytes, followed by 512 MiB of zeros, gzipped (~0.5 MB)
    header = bytes([0, 0, 0x08, 1]) + np.array([100], ">u4").tobytes()
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk, parts = b"\0" * (1 << 24), [packer.compress(header)]
    parts += [packer.compress(chunk) for _ in range(32)]
    bomb = b"".join(parts) + packer.flush()
    assert len(bomb) < 1 << 20
    with pytest.raises(IdxFormatError, match="trailing bytes"):
        parse_idx(bomb)  # only the header and 100 bytes (plus one) are inflated
    headerless = gzip.compress(b"\1" * (1 << 20))
    with pytest.raises(IdxFormatError, match="more than 1000 bytes; refused"):
        parse_idx(headerless, max_bytes=1000)


def _npz_with_header(shape) -> bytes:
    buffer = io.BytesIO()
    with __import__("zipfile").ZipFile(buffer, "w") as archive:
        for role in ("x_train", "y_train", "x_test", "y_test"):
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                         "shape": shape})
            archive.writestr(f"{role}.npy", header.getvalue() + b"\0" * 16)
    return buffer.getvalue()


def test_an_npz_declaring_a_huge_array_is_refused_before_allocating(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(_npz_with_header((10**6, 10**6)))
    with pytest.raises(sources.SourceFailed, match=r"declares shape \(1000000, 1000000\) of "
                                                   r"uint8 \(1000000000000 bytes\)"):
        sources.read_npz(path)
    path.write_bytes(_npz_with_header((4, 4)))  # declares 16 bytes and holds them: accepted
    assert sources.read_npz(path)["x_train"].shape == (4, 4)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_the_mnist_cache_is_reported_not_read(tmp_path):
    os.mkfifo(tmp_path / "mnist.npz")
    with pytest.raises(sources.SourceFailed, match="is a FIFO"):
        sources.read_npz(tmp_path / "mnist.npz")


def test_user_layers_that_fail_after_construction(cli, out):
    cases = [("hostile_layers:WrongShape", 1, "returns shape (None, 50) for its input of "
                                              "shape (None, 100); a dropout layer keeps the "
                                              "shape."),
             ("hostile_layers:RaisesInCall", 1, "The dropout layer hostile_layers:RaisesInCall "
                                                "failed in training mode: "
                                                "RuntimeError: this layer breaks when called"),
             ("hostile_layers:RaisesInTraining", 1, "failed in training mode: "
                                                    "ZeroDivisionError: training mode divides"),
             ("hostile_layers:ExitsInInit", 2, "(SystemExit: 3)"),
             ("hostile_layers:ExitsInCall", 1, "failed in training mode: SystemExit: 4")]
    for layer, code, message in cases:
        line = _error_line(cli("train", "--layer", layer, "--epochs", "3", "--out", out,
                               expect=code))
        assert message in line, (layer, line)
    assert _nothing_written(out)


def test_a_module_that_exits_at_import_is_one_line(cli, out, tmp_path, monkeypatch):
    (tmp_path / "exits_at_import.py").write_text("import sys\nsys.exit(5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    line = _error_line(cli("probe", "--layer", "exits_at_import:X", "--out", out, expect=2))
    assert "(SystemExit: 5)" in line


def test_a_layer_raising_systemexit_is_a_probe_finding(cli, out):
    data = cli.json("probe", "--layer", "hostile_layers:ExitsInCall", "--rate", "0.2",
                    "--size", "4096", "--out", out)
    assert data["rows"][0]["behaviour"] == "raises SystemExit: 4"


def test_a_printing_plugin_does_not_spoil_json(cli, out):
    result = cli("compare", "--layer", "hostile_layers:Prints", "--epochs", "5",
                 "--mc-samples", "100", "--out", out, "--json")
    data = json.loads(result.stdout)  # exactly one JSON object: the prints went to stderr
    assert data["classification"] == "inverted"
    assert "Prints: constructed" in result.stderr


def test_diverging_training_says_so(cli, out):
    for command in ("train", "compare"):
        line = _error_line(cli(command, "--lr", "1e10", "--epochs", "200", "--out", out,
                               expect=1))
        assert "Training diverged: the loss became" in line and "learning rate 1e+10" in line
    assert _nothing_written(out)


def test_nan_never_reaches_json(cli, out):
    def refuse(constant):
        raise AssertionError(f"non-standard JSON number {constant}")

    result = cli("mnist", "--arms", "none", "--seeds", "1", "--steps", "10", "--eval-every",
                 "10", "--train-subset", "100", "--out", out, "--json")
    data = json.loads(result.stdout, parse_constant=refuse)  # one seed: infinite intervals
    assert data["summary"][0]["test_accuracy"]["low"] is None
    assert result.stdout.endswith("}\n") and result.stdout.count("\n}\n") == 1


def test_config_errors_name_the_file_and_the_key(cli, out, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[rate]\nx = 1\n")
    line = _error_line(cli("train", "--config", path, "--out", out, expect=2))
    assert f"Invalid value for `rate` in {path}: expected a number. Received: rate={{'x': 1}}" \
        in line
    with pytest.raises(ConfigError):
        from dropout_lab.core.config import load_toml

        path.write_bytes(b"\xff\xfe")
        load_toml(path)
