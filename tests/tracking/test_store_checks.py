"""Bad stores and bad data are refused at once, before anything is written: a read-only store, a
corrupted store, and an npz data file with NaNs — each ends with exit code 2 and its cause, without
MLflow's retries (no timing is asserted: the shared CPU makes wall times noisy), and leaves the store
(or its folder) exactly as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest

from .conftest import GANBENCH, QUICK

pytestmark = pytest.mark.slow


def digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(cwd: Path, *args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [*(wrap or []), GANBENCH, "benchmark", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def read_only(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` is read-only: a read-only bind mount of it when we are
    root (root ignores permission bits), else its permission bits."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if not shutil.which("unshare"):
        pytest.skip("unshare is needed to mount a folder read-only as root")
    return [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        f'mount --bind -o ro "{folder}" "{folder}" && exec "$0" "$@"',
    ]


def test_a_read_only_store_is_refused_at_once(quick_store, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    shutil.copy(quick_store / "mlflow.db", store / "mlflow.db")
    before = digest(store)
    proc = run(tmp_path, str(QUICK), "--tracking-uri", f"sqlite:///{store}/mlflow.db", wrap=read_only(store))
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "read-only" in proc.stderr and "Traceback" not in proc.stderr
    assert "WARNING" not in proc.stderr  # no MLflow retry warnings (minutes of them before the check)
    store.chmod(0o755)
    assert digest(store) == before and not (tmp_path / "mlruns").exists()


def test_a_corrupted_store_is_refused_at_once(quick_store, tmp_path):
    db = tmp_path / "mlflow.db"
    shutil.copy(quick_store / "mlflow.db", db)
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 65536] = np.random.default_rng(0).bytes(65536)[: len(data) - middle]
    db.write_bytes(bytes(data))
    before = digest(tmp_path)
    proc = run(tmp_path, str(QUICK))
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "damaged" in proc.stderr and "quick_check" in proc.stderr and "Traceback" not in proc.stderr
    assert digest(tmp_path) == before  # nothing written, nothing created


def test_bad_npz_data_is_refused_before_the_store_is_touched(tmp_path):
    data = np.random.default_rng(0).normal(size=(200, 2))
    data[5, 1] = np.nan
    np.savez(tmp_path / "points.npz", x=data)
    spec = tmp_path / "npz.yaml"
    spec.write_text(
        QUICK.read_text()
        .replace("name: quick", "name: npz_check")
        .replace("datasets: [ring]", f"datasets: [{{name: npz, path: {tmp_path / 'points.npz'}}}]")
    )
    proc = run(tmp_path, str(spec))
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "NaN" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "mlruns").exists()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgresql", "http"])
def test_a_server_store_that_does_not_answer_is_refused_at_once(scheme, tmp_path):
    """MLflow retries an unreachable database for about two minutes (SQLAlchemy engine creation with
    backoff); the port check ends it with the cause, the password masked, and nothing written."""
    secret = "Zq81UniquePw"
    uri = f"{scheme}://user:{secret}@127.0.0.1:{free_port()}/store"
    proc = run(tmp_path, str(QUICK), "--tracking-uri", uri)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "nothing answers at 127.0.0.1" in proc.stderr and "Traceback" not in proc.stderr
    assert "retried" not in proc.stderr  # MLflow's retry warnings never started
    assert secret not in proc.stdout + proc.stderr
    assert digest(tmp_path) == {}
