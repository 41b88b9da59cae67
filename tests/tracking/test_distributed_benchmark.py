"""The benchmark spread over workers, for real: its cells queued in a PostgreSQL study (a server of
the test's own), two ``ganbench worker`` processes writing to a real MLflow tracking server. MLflow
must end with exactly the runs a one-machine benchmark gives (the session's quick benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from .conftest import QUICK, benchmark, client

pytestmark = pytest.mark.slow
GANBENCH = str(Path(sys.executable).parent / "ganbench")
CELLS = ["--only", "loss=modified_minimax"]


def complete_runs(mlflow_client) -> dict[str, object]:
    exp = mlflow_client.get_experiment_by_name("quick")
    runs = mlflow_client.search_runs(
        [exp.experiment_id], "tags.`ganbench.complete` = 'true'", max_results=1000
    )
    runs = [r for r in runs if r.data.tags.get("ganbench.role") != "reference"]  # reference rows: no key
    keys = Counter(r.data.tags["ganbench.key"] for r in runs)
    assert set(keys.values()) == {1}, keys  # exactly one complete run per (cell, seed)
    return {r.data.tags["ganbench.key"]: r for r in runs}


def test_distributed_benchmark_on_postgres_and_an_mlflow_server_equals_a_local_run(
    quick_store, postgres_url, tmp_path
):
    from mlflow.tracking import MlflowClient
    from services import mlflow_server

    local = complete_runs(client(quick_store / "mlflow.db"))
    served = tmp_path / "served"
    served.mkdir()
    with mlflow_server(f"sqlite:///{served / 'mlflow.db'}", served) as url:
        queued = benchmark(
            tmp_path, str(QUICK), *CELLS, "--storage", postgres_url, "--tracking-uri", url, "--jobs", "0"
        )
        assert queued.returncode == 0, queued.stderr[-3000:]
        assert "not-a-secret" not in queued.stdout + queued.stderr  # the password is masked
        env = {**os.environ, "GANBENCH_STORAGE": postgres_url}
        env.pop("MLFLOW_TRACKING_URI", None)
        workers = [
            subprocess.Popen(
                [GANBENCH, "worker", "--tracking-uri", url],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [w.communicate(timeout=900) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        remote = MlflowClient(url)
        got = complete_runs(remote)
        tags = [v for run in got.values() for v in remote.get_run(run.info.run_id).data.tags.values()]
    expected = {k: r for k, r in local.items() if r.data.tags["loss"] == "modified_minimax"}
    assert sorted(got) == sorted(expected) and len(got) == 4  # the same (cell, seed) runs: 2 cells × 2 seeds
    for key, run in got.items():
        assert run.info.status == expected[key].info.status
        for metric in ("final/modes/covered", "g_updates", "d_grad_evals"):
            assert run.data.metrics[metric] == pytest.approx(expected[key].data.metrics[metric])
        # Same seeds and configuration: the same training (thread counts may differ between runs).
        fd, local_fd = run.data.metrics["final/frechet/fd"], expected[key].data.metrics["final/frechet/fd"]
        assert fd == pytest.approx(local_fd, rel=1e-3, abs=1e-4)
    assert not any("not-a-secret" in v for v in tags)
    assert sum(out.count("run(s) logged") for out, _ in outputs) == 2  # each cell trained once
