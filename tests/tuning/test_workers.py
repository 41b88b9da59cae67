"""Many workers on one study, for real: two worker processes on one SQLite study, and a worker killed
with SIGKILL in the middle of a cell (the distributed benchmark on PostgreSQL is in
``tests/tracking/test_distributed_benchmark.py``)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from .conftest import GANBENCH, QUICK, TUNE_QUICK, env_without_stores, ganbench, mlflow_runs

pytestmark = pytest.mark.slow


def test_two_workers_on_one_sqlite_study_lose_and_duplicate_nothing(tmp_path):
    proc = ganbench(tmp_path, "tune", str(TUNE_QUICK), "--jobs", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    import optuna

    (summary,) = optuna.get_all_study_summaries(f"sqlite:///{tmp_path / 'optuna.db'}")
    trials = optuna.load_study(
        study_name=summary.study_name, storage=f"sqlite:///{tmp_path / 'optuna.db'}"
    ).trials
    # Two workers may both start a trial when one is left: at most one extra, never fewer.
    assert 5 <= len(trials) <= 6 and all(t.state.is_finished() for t in trials)
    runs = mlflow_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", "tune_quick", "trial")
    keys = Counter(r.data.tags["ganbench.key"] for r in runs)
    assert set(keys.values()) == {1}  # no trial logged twice
    assert sorted(int(r.data.tags["optuna.trial_number"]) for r in runs) == [t.number for t in trials]


def complete_runs(uri: str, experiment: str) -> dict[str, object]:
    runs = [r for r in mlflow_runs(uri, experiment) if r.data.tags.get("ganbench.complete") == "true"]
    runs = [r for r in runs if r.data.tags.get("ganbench.role") != "reference"]  # reference rows: no key
    keys = Counter(r.data.tags["ganbench.key"] for r in runs)
    assert set(keys.values()) == {1}, keys  # exactly one complete run per (cell, seed)
    return {r.data.tags["ganbench.key"]: r for r in runs}


def _running_trials(storage: str) -> list:
    import optuna
    from optuna.trial import TrialState

    (summary,) = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    return study.get_trials(states=(TrialState.RUNNING,))


def _beating_trials(db: Path) -> list[int]:
    """Numbers of RUNNING trials that have recorded a heartbeat (read from the SQLite file)."""
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as con:
        try:
            rows = con.execute(
                "SELECT t.number FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id "
                "WHERE t.state = 'RUNNING'"
            ).fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return []
    return [r[0] for r in rows]


def test_a_worker_killed_mid_trial_is_retried_and_mlflow_keeps_one_complete_run_per_key(tmp_path):
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    only = ["--only", "loss=wasserstein"]
    queued = ganbench(tmp_path, "benchmark", str(QUICK), *only, "--storage", storage, "--jobs", "0")
    assert queued.returncode == 0, queued.stderr[-3000:]
    beat = ["--heartbeat", "1", "--grace", "4"]
    env = env_without_stores()
    doomed = subprocess.Popen(
        [GANBENCH, "worker", "--storage", storage, *beat],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 180
    # Kill only once a running trial has beaten: Optuna fails (and we retry) a trial whose heartbeat
    # went stale, not one that never beat. A fixed wait raced with a quick cell here (it finished in
    # 3.5 s and the kill hit the next trial before its first heartbeat; the rescue then waited on it).
    while not _beating_trials(tmp_path / "optuna.db"):
        assert doomed.poll() is None and time.time() < deadline, "the worker never started a trial"
        time.sleep(0.1)
    time.sleep(1)  # inside the cell's training (a quick cell takes 3 s or more)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    (lost,) = _running_trials(storage)  # still RUNNING: nobody has noticed yet

    rescue = ganbench(tmp_path, "worker", "--storage", storage, *beat)
    assert rescue.returncode == 0, rescue.stderr[-3000:]
    import optuna

    (summary,) = optuna.get_all_study_summaries(storage)
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).trials
    states = Counter(t.state.name for t in trials)
    assert states == {"COMPLETE": 2, "FAIL": 1}, states  # the lost trial failed, its retry completed
    retry = [t for t in trials if t.system_attrs.get("failed_trial") == lost.number]
    assert len(retry) == 1 and retry[0].state.name == "COMPLETE"
    assert retry[0].user_attrs["ganbench.units"] == lost.user_attrs["ganbench.units"]  # the same model
    runs = complete_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", "quick")
    assert len(runs) == 4  # 2 cells × 2 seeds
    assert {r.info.status for r in runs.values()} <= {"FINISHED", "FAILED"}
