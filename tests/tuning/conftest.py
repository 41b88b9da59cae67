"""Helpers of the tuning and multi-worker tests: the ganbench CLI run for real, and store readers
(the services they start are in ``tests/services.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GANBENCH = str(Path(sys.executable).parent / "ganbench")
TUNE_QUICK = ROOT / "experiments" / "tune_quick.yaml"
QUICK = ROOT / "experiments" / "quick.yaml"


def env_without_stores() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "160"}
    for key in ("MLFLOW_TRACKING_URI", "GANBENCH_STORAGE"):
        env.pop(key, None)
    return env


def ganbench(cwd: Path, *args: str, timeout: int = 600, **popen) -> subprocess.CompletedProcess:
    """Run the installed ``ganbench`` command for real in ``cwd``."""
    return subprocess.run(
        [GANBENCH, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env_without_stores(),
        **popen,
    )


def mlflow_runs(uri: str, experiment: str, role: str | None = None) -> list:
    """Every active run of ``experiment`` (optionally of one ``ganbench.role``)."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return []
    runs = client.search_runs([exp.experiment_id], max_results=5000)
    return [r for r in runs if role is None or r.data.tags.get("ganbench.role") == role]
