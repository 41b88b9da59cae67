"""Live runs: while a benchmark trains, its (cell, seed) runs are in the store as RUNNING (not
complete) with their curves growing; at the end the same runs are FINISHED and complete, with each
curve point written once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import GANBENCH

pytestmark = pytest.mark.slow

SPEC = """
name: live
datasets: [ring]
losses: [hinge]
schedules: [simultaneous]
seeds: 2
sample_images: none
train: {g_steps: 1500, eval_every: 500, eval_samples: 200, batch_size: 32, log_every: 20,
        generator: {width: 16, depth: 1}, discriminator: {width: 16, depth: 1}}
"""

LIVE = """
select r.run_uuid, count(m.key) from runs r join metrics m on m.run_uuid = r.run_uuid
where r.status = 'RUNNING' and m.key = 'd_loss' and r.lifecycle_stage = 'active'
  and r.run_uuid in (select run_uuid from tags where key = 'ganbench.key')
  and r.run_uuid not in (select run_uuid from tags where key = 'ganbench.complete')
group by r.run_uuid
"""


def query(store: Path, sql: str, *args) -> list[tuple]:
    """Read the store while the benchmark writes it (read-only; a locked moment reads as nothing)."""
    if not store.exists():
        return []
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
            return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:
        return []


def test_a_run_is_visible_as_running_with_metrics_while_it_trains(tmp_path):
    (tmp_path / "live.yaml").write_text(SPEC)
    env = {**os.environ, "COLUMNS": "160", "GANBENCH_FLUSH_SECONDS": "0.5"}
    env.pop("MLFLOW_TRACKING_URI", None)
    store = tmp_path / "mlflow.db"
    proc = subprocess.Popen(
        [GANBENCH, "benchmark", "live.yaml", "--jobs", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: dict[str, int] = {}
    try:
        while proc.poll() is None and not seen:
            seen = dict(query(store, LIVE))
            time.sleep(0.2)
        out, err = proc.communicate(timeout=900)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert seen, "no RUNNING run with metrics was seen while the benchmark trained"
    for run_id, points in seen.items():
        status = query(store, "select status from runs where run_uuid = ?", run_id)
        assert status == [("FINISHED",)]  # the live run itself was completed, not replaced
        total, steps = query(
            store,
            "select count(*), count(distinct step) from metrics where run_uuid = ? and key = 'd_loss'",
            run_id,
        )[0]
        assert 0 < points < total and total == steps  # it grew after we looked, each point once
