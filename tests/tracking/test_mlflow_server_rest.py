"""`make ui`'s server settings, for real: start `mlflow server` on a free loopback port over a
benchmark's store and read the runs back through the REST API."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.slow
MLFLOW = str(Path(sys.executable).parent / "mlflow")
STARTUP_SECONDS = 300  # measured ≈ 80 s on a loaded 2-core machine; be generous


def call(base, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}") if path.startswith("/api") else resp.read().decode()


def test_server_serves_the_benchmark_runs_over_rest(quick_store):
    port = free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    server = subprocess.Popen(
        [
            MLFLOW,
            "server",
            "--backend-store-uri",
            f"sqlite:///{quick_store / 'mlflow.db'}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=quick_store,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + STARTUP_SECONDS
        while True:
            try:
                if call(base, "/health").strip() == "OK":
                    break
            except OSError:
                pass
            assert server.poll() is None, f"server exited: {server.stderr.read()[-2000:]}"
            assert time.time() < deadline, "server did not answer /health in time"
            time.sleep(1)

        experiment = call(base, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=quick")["experiment"]
        found = call(
            base,
            "/api/2.0/mlflow/runs/search",
            {
                "experiment_ids": [experiment["experiment_id"]],
                "filter": "tags.`ganbench.complete` = 'true'",
                "max_results": 100,
            },
        )["runs"]
        assert len(found) == 8
        run = found[0]
        metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
        tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
        assert "final/modes/covered" in metrics and "stability/oscillation" in metrics
        assert tags["dataset"] == "ring" and tags["loss"] in ("modified_minimax", "wasserstein")
        history = call(
            base, f"/api/2.0/mlflow/metrics/get-history?run_id={run['info']['run_id']}&metric_key=d_loss"
        )
        assert len(history["metrics"]) >= 3
        artifacts = call(base, f"/api/2.0/mlflow/artifacts/list?run_id={run['info']['run_id']}")
        assert {"config.yaml", "generator.pt"} <= {f["path"] for f in artifacts["files"]}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
