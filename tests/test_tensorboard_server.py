"""``tensorboard --logdir results`` on real runs: the curves, and the HParams tab listing the arms.

A real ``tensorboard`` server on a free localhost port reads a folder of
dropout-lab runs (a sweep of two arms, a training run). Its HTTP API must list
every run and infer the HParams experiment (arm, seed, rates; the curves as
metrics); headless Chromium must then show the HParams tab's table with one
row per unit and its arm (text read through the page's shadow roots). Slow:
the server and the browser take tens of seconds to start on a loaded machine.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser import Browser, chromium
from conftest import Invoker

pytestmark = pytest.mark.slow
START_SECONDS = 300  # it imports TensorFlow; 72 s has been seen under load


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, body: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """(URL, runs' JSON) of a TensorBoard server over a sweep (none, dropout) and a train run."""
    out = tmp_path_factory.mktemp("tensorboard") / "results"
    invoke = Invoker(None)
    sweep = invoke.json("mnist", "--train-subset", 200, "--steps", 20, "--eval-every", 10,
                        "--seeds", 1, "--arms", "none,dropout", "--out", out, "--quiet")
    trained = invoke.json("train", "--epochs", 10, "--out", out, "--quiet")
    port = _free_port()
    log = open(out.parent / "tensorboard.log", "wb")  # noqa: SIM115  (closed at teardown)
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(out), "--host", "127.0.0.1",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if len(_get(f"{url}/data/runs")) == 3:  # both units and the training run read
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("tensorboard did not start: "
                            + (out.parent / "tensorboard.log").read_text()[-2000:])
            time.sleep(1)
        yield url, sweep, trained
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_every_run_and_its_curves_are_served(board):
    url, sweep, trained = board
    sweep_id, train_id = Path(sweep["run_dir"]).name, Path(trained["run_dir"]).name
    assert sorted(_get(f"{url}/data/runs")) == [
        f"mnist/{sweep_id}/tensorboard/dropout_seed0", f"mnist/{sweep_id}/tensorboard/none_seed0",
        f"train/{train_id}/tensorboard"]
    run = f"mnist/{sweep_id}/tensorboard/dropout_seed0"
    points = _get(f"{url}/data/plugin/scalars/scalars?run={urllib.parse.quote(run)}"
                  f"&tag={urllib.parse.quote('test/accuracy')}")
    assert [p[1] for p in points] == [10, 20]
    expected = sweep["curves"]["dropout_seed0"]["test/accuracy"]
    assert [p[2] for p in points] == pytest.approx(expected, rel=1e-6)


def test_hparams_api_infers_arms_seeds_rates_and_metrics(board):
    url, sweep, _ = board
    experiment = _get(f"{url}/data/plugin/hparams/experiment", {"experimentName": ""})
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert sorted(infos["arm"]["domainDiscrete"]) == ["dropout", "none"]
    assert infos["drop_rate"]["domainInterval"] == {"minValue": 0.0, "maxValue": 0.5}
    assert set(infos) == {"run", "arm", "seed", "drop_rate", "l2_weight"}
    metrics = {m["name"]["tag"] for m in experiment["metricInfos"]}
    assert {"test/accuracy", "train/loss", "final/test_error"} <= metrics


def test_the_hparams_tab_lists_each_unit_with_its_arm(board, tmp_path):
    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    url, sweep, _ = board
    sweep_id = Path(sweep["run_dir"]).name
    with Browser() as browser:
        browser.open(f"{url}/?darkMode=false#hparams")
        text = browser.wait_for(["Number of matching session groups: 2",
                                 f"mnist/{sweep_id}/dropout_seed0"], seconds=180)
        browser.screenshot(tmp_path / "hparams.png")
    for arm, rate in (("dropout", "0.50000"), ("none", "0.0000")):
        # the table row: trial id, then the arm, then its drop_rate
        assert re.search(rf"mnist/{sweep_id}/{re.escape(arm)}_seed0 {arm} {rate} ", text), text
    assert (tmp_path / "hparams.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
