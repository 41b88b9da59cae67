"""`make ui`'s server, for real: `ganbench ui` starts `mlflow server` on a free loopback port over a
benchmark's store; read the runs back through the REST API."""

import json
import urllib.request

import pytest

from .ui_server import ui_server

pytestmark = pytest.mark.slow


def call(base, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}") if path.startswith("/api") else resp.read().decode()


def test_server_serves_the_benchmark_runs_over_rest(quick_store):
    with ui_server(quick_store) as server:
        base = server.base
        assert set(server.links) == {"quick"}  # MLflow's own empty "Default" experiment is left out
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
        seeds = [r for r in found if {"key": "ganbench.role", "value": "reference"} not in r["data"]["tags"]]
        assert len(seeds) == 8 and len(found) > 8  # the seed runs, and the data's reference rows
        found = seeds
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
