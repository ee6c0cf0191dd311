"""``--mlflow``: finished runs logged to MLflow, read back with MLflow's own client.

The slow tests start a real ``mlflow server`` with a SQLite backend on a free
localhost port (and stop it), run dropout-lab commands against it, and read
back params, metrics per step, tags and artifacts. The fast ones need no
server: an unreachable one, ``--no-mlflow``, the option on every command,
and the pieces (params flattened, claim tags, artifacts chosen).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dropout_lab.core import kinds, tracking
from dropout_lab.core.reading import open_run
from dropout_lab.core.verdict import Verdict

SERVER_START_SECONDS = 300  # under load on 2 shared cores it has taken 53 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real MLflow tracking server on localhost (SQLite backend), stopped afterwards."""
    pytest.importorskip("mlflow", reason="the [mlflow] extra is not installed")
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    log = open(root / "server.log", "wb")  # noqa: SIM115  (closed at teardown)
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
         f"sqlite:///{root / 'mlflow.db'}", "--artifacts-destination", str(root / "artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=root)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("mlflow server did not start: "
                            + (root / "server.log").read_text()[-2000:])
            time.sleep(0.5)
        yield uri
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def client_for(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def logged_run(client, kind: str, run_dir: str):
    """The MLflow run that logged ``run_dir``."""
    experiment = client.get_experiment_by_name(f"dropout-lab {kind}")
    (run,) = client.search_runs([experiment.experiment_id],
                                f"tags.`dropout-lab.run_dir` = '{run_dir}'")
    return run


def children(client, run) -> list:
    return client.search_runs([run.info.experiment_id],
                              f"tags.`mlflow.parentRunId` = '{run.info.run_id}'")


def history(client, run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in
            sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)]


@pytest.mark.slow
def test_train_run_read_back_params_metrics_tags_artifacts(cli, out, server, monkeypatch,
                                                          tmp_path):
    monkeypatch.setenv(tracking.ENV, server)  # the URI alone turns tracking on
    result = cli("train", "--epochs", 20, "--rate", 0.25, "--seed", 3, "--out", out, "--json")
    data = json.loads(result.stdout)
    assert f"Logged to MLflow at {server}: experiment 'dropout-lab train'" in result.stderr
    client = client_for(server)
    run = logged_run(client, "train", data["run_dir"])
    assert run.info.status == "FINISHED" and run.info.run_name.startswith("train/")
    assert {k: run.data.params[k] for k in ("rate", "epochs", "seed", "layer")} == {
        "rate": "0.25", "epochs": "20", "seed": "3", "layer": "keras"}
    assert history(client, run.info.run_id, "train/loss") == [
        (step, pytest.approx(loss, rel=1e-12)) for step, loss in enumerate(data["train/loss"])]
    assert run.data.tags["dropout-lab.kind"] == "train"
    assert run.data.tags["dropout-lab.command"].startswith("dropout-lab train --epochs 20")
    names = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    assert names == ["config.toml", "manifest.json", "results.json"]  # no weights, no events
    local = client.download_artifacts(run.info.run_id, "results.json", str(tmp_path))
    assert json.loads(Path(local).read_text()) == data


@pytest.mark.slow
def test_a_sweep_is_a_parent_run_with_each_unit_a_child(cli, out, server, monkeypatch):
    monkeypatch.setenv(tracking.ENV, server)
    data = cli.json("mnist", "--train-subset", 200, "--steps", 20, "--eval-every", 10,
                    "--seeds", 1, "--arms", "none,dropout", "--out", out, "--mlflow",
                    "--quiet")
    client = client_for(server)
    parent = logged_run(client, "mnist", data["run_dir"])
    expected = {f"claim/{v['claim']}": v["outcome"] for v in data["verdicts"]}
    assert expected and {k: parent.data.tags[k] for k in expected} == expected
    assert parent.data.params["arms"] == "none,dropout"
    assert parent.data.params["hidden_units"] == "256,128,64,32"
    figures = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert set(data["plots"]) | {"results.json", "manifest.json", "config.toml"} <= figures
    units = {r.data.tags["dropout-lab.unit"]: r for r in children(client, parent)}
    assert sorted(units) == sorted(data["curves"])
    for name, unit in units.items():
        arm = data["arms"][[f"{a['arm']}_seed{a['seed']}" for a in data["arms"]].index(name)]
        assert unit.data.params == {"run": Path(data["run_dir"]).name, "arm": arm["arm"],
                                    "seed": "0", "drop_rate": "0.5" if arm["arm"] == "dropout"
                                    else "0.0", "l2_weight": "0.0"}
        curve = data["curves"][name]
        assert history(client, unit.info.run_id, "test/accuracy") == [
            (step, pytest.approx(v, rel=1e-12)) for step, v in zip(curve["steps"],
                                                                 curve["test/accuracy"],
                                                                 strict=True)]
        assert unit.data.metrics["final/test_accuracy"] == pytest.approx(
            arm["final_test_accuracy"])


@pytest.mark.slow
def test_without_a_uri_the_store_is_sqlite_under_out(cli, out, monkeypatch):
    pytest.importorskip("mlflow", reason="the [mlflow] extra is not installed")
    monkeypatch.delenv(tracking.ENV, raising=False)
    data = cli.json("train", "--epochs", 4, "--out", out, "--mlflow", "--quiet")
    local = tracking.tracking_uri(out)
    assert local == f"sqlite:///{(out / 'mlflow' / 'mlflow.db').resolve()}"
    client = client_for(local)
    run = logged_run(client, "train", data["run_dir"])
    assert len(client.get_metric_history(run.info.run_id, "train/loss")) == 4
    # its artifacts are under --out too, not in the working directory's mlruns/
    assert run.info.artifact_uri.startswith((out / "mlflow" / "artifacts").resolve().as_uri())
    assert (out / "mlflow" / "artifacts").is_dir() and not Path("mlruns").exists()
    # runs list is not confused by the store's folder
    assert [r["kind"] for r in cli.json("runs", "list", "--out", out)["runs"]] == ["train"]


@pytest.mark.slow
def test_compare_tags_its_claim_and_logs_its_training_run_as_a_child(cli, out, server,
                                                                    monkeypatch):
    monkeypatch.setenv(tracking.ENV, server)
    data = cli.json("compare", "--epochs", 50, "--runs", 2, "--mc-samples", 100, "--out", out,
                    "--mlflow", "--quiet")
    client = client_for(server)
    run = logged_run(client, "compare", data["run_dir"])
    assert run.data.tags["claim/C1"] == data["verdicts"][0]["outcome"] == "confirmed"
    assert run.data.params["mc_samples"] == "100"
    (training,) = children(client, run)
    assert training.data.tags["dropout-lab.run_dir"] == data["source_run"]
    train = open_run(data["source_run"], ("train",)).read_json("results.json")
    assert history(client, training.info.run_id, "train/loss") == [
        (step, pytest.approx(v, rel=1e-12)) for step, v in enumerate(train["train/loss"])]


def test_an_unreachable_server_is_one_line_and_the_run_folder_is_complete(cli, out,
                                                                         monkeypatch):
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv(tracking.ENV, uri)
    result = cli("train", "--epochs", 5, "--out", out, "--json", "--quiet", expect=1)
    data = json.loads(result.stdout)  # the run's JSON object is still printed, alone
    (line,) = [x for x in result.stderr.splitlines() if x.strip()]
    assert line.startswith(f"Error: Cannot reach the MLflow tracking server at {uri} (")
    assert line.endswith("the run folder is complete but was not logged (unset "
                         "MLFLOW_TRACKING_URI or start the server).")
    assert open_run(data["run_dir"], ("train",)).read_json("results.json") == data


def test_no_mlflow_wins_over_the_environment(cli, out, monkeypatch):
    monkeypatch.setenv(tracking.ENV, f"http://127.0.0.1:{free_port()}")
    result = cli("train", "--epochs", 3, "--out", out, "--no-mlflow")
    assert "MLflow" not in result.stdout + result.stderr
    assert not (out / "mlflow").exists()


def test_every_kind_offers_mlflow(cli):
    for name in kinds.names():
        shown = cli(name, "--help").stdout
        assert "--mlflow / --no-mlflow" in shown, name
        assert "MLFLOW_TRACKING_URI" in shown, name


def test_wanted_follows_the_flag_then_the_environment(monkeypatch):
    monkeypatch.delenv(tracking.ENV, raising=False)
    assert (tracking.wanted(None), tracking.wanted(True), tracking.wanted(False)) == (
        False, True, False)
    monkeypatch.setenv(tracking.ENV, "http://example.invalid")
    assert (tracking.wanted(None), tracking.wanted(False)) == (True, False)
    assert tracking.tracking_uri(Path("anywhere")) == "http://example.invalid"


def test_params_tags_and_artifacts_chosen(tmp_path):
    assert tracking.flatten({"rate": 0.5, "hidden_units": (256, 128), "seed": None,
                             "nested": {"a b": 1, "k=v": [None, 2]}}) == {
        "rate": "0.5", "hidden_units": "256,128", "seed": "", "nested.a b": "1",
        "nested.k_v": ",2"}

    class Result:
        verdicts = [Verdict("C10", "S003", "", "refuted", "", ""),
                    Verdict("C10", "S003", "", "confirmed", "", ""),
                    Verdict("C10", "S003", "", "refuted", "", ""),
                    Verdict("order?", None, "", "confirmed", "", "")]

    assert tracking.claim_tags(Result()) == {"claim/C10": "refuted, confirmed",
                                             "claim/order_": "confirmed"}
    for name in ("results.json", "manifest.json", "weights.h5", "units/a/weights.h5",
                 "plot.png", "figures/c1.PNG", ".tmp/x.png", "tensorboard/events.out.tfevents.1"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [(p.relative_to(tmp_path).as_posix(), folder)
            for p, folder in tracking.artifacts(tmp_path)] == [
        ("results.json", None), ("manifest.json", None), ("figures/c1.PNG", "figures"),
        ("plot.png", None)]
    assert tracking._shown("https://me:secret@host:5000/x") == "https://host:5000/x"
