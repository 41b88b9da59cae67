"""A store written before networks became a registered kind resumes with nothing retrained.

``tests/fixtures/store_before_networks/mlflow.db.gz`` holds the 16 finished runs of that folder's
spec (MLP settings, maxout, batch norm, packing, spectral norm, unrolling; ring and digits),
trained by the code of commit 31d9219 — before ``generator``/``discriminator`` became ``{name:
mlp, ...}`` of ``registry/networks/`` and before digits kept their (1, 8, 8) shape. Today's
code must find every run by its key.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

from ganbench.tracking.tracker import KEY

from .conftest import benchmark, client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_networks"


def _store(folder: Path) -> Path:
    """The fixture store, unpacked into ``folder``, its artifact locations moved under it."""
    db = folder / "mlflow.db"
    with gzip.open(FIXTURE / "mlflow.db.gz", "rb") as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    artifacts = (folder / "mlruns").as_uri()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE experiments SET artifact_location = ? || '/' || experiment_id", (artifacts,))
        con.execute("UPDATE runs SET artifact_uri = ? || '/' || run_uuid || '/artifacts'", (artifacts,))
    return db


def test_a_store_written_before_networks_were_plugins_resumes_with_nothing_retrained(tmp_path):
    db = _store(tmp_path)
    runs_before = {r.info.run_id for r in client(db).search_runs(["1"], max_results=1000)}
    assert len(runs_before) == 17  # 16 runs and their parent

    done = benchmark(tmp_path, str(FIXTURE / "spec.yaml"), "--tracking-uri", f"sqlite:///{db}", "--jobs", "1")

    assert done.returncode == 0, done.stderr
    assert "16 runs; 16 already finished, 0 to train" in done.stdout
    trained = [r for r in client(db).search_runs(["1"], max_results=1000) if r.info.run_id not in runs_before]
    assert not [r for r in trained if KEY in r.data.tags], "a (cell, seed) run was trained again"
