"""A real benchmark run of experiments/quick.yaml into a fresh SQLite store, shared by the tracking tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from services import free_port  # noqa: F401  (re-exported for the tests of this folder)

ROOT = Path(__file__).resolve().parents[2]
GANBENCH = str(Path(sys.executable).parent / "ganbench")
QUICK = ROOT / "experiments" / "quick.yaml"


def benchmark(cwd: Path, *args: str, timeout: int = 600, **popen) -> subprocess.CompletedProcess:
    """Run ``ganbench benchmark`` for real in ``cwd`` (its SQLite store lands there)."""
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [GANBENCH, "benchmark", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **popen,
    )


def client(store: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{store}")


@pytest.fixture(scope="session")
def quick_store(tmp_path_factory) -> Path:
    """Folder holding mlflow.db (and mlruns/) after a complete quick benchmark."""
    folder = tmp_path_factory.mktemp("quick")
    proc = benchmark(folder, str(QUICK))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return folder
