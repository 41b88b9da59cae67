"""A SQLite store left by a process killed in the middle of a write (SIGKILL after SLURM's grace, the
OOM killer) holds a hot journal. It is not damaged: the next opener rolls the journal back. The store
check once opened it read-only, which cannot roll back ("attempt to write a readonly database"), and
refused the store as damaged — every later `tune`, `worker` or `benchmark` on it, until someone opened
it by hand."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

from ganbench.errors import GanbenchError
from ganbench.experiment.store_check import check_sqlite_store

KILLED_MID_WRITE = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("pragma cache_size=1")  # spill to the file: the journal holds the old pages
db.execute("begin immediate")
db.execute("update t set x = x + 1000")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_store_left_by_a_killed_writer_is_not_called_damaged(tmp_path):
    path = tmp_path / "optuna.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t(x)")
        db.executemany("insert into t values (?)", [(i,) for i in range(2000)])
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, str(path)])
    assert proc.returncode == -signal.SIGKILL
    assert (tmp_path / "optuna.db-journal").exists()  # hot: the killed write is half in the file

    check_sqlite_store(f"sqlite:///{path}", "study storage")  # no "damaged"

    with sqlite3.connect(path) as db:  # the last committed state: the killed update undone
        assert db.execute("select min(x), max(x), count(*) from t").fetchone() == (0, 1999, 2000)


def test_a_damaged_store_is_still_refused(tmp_path):
    path = tmp_path / "mlflow.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t(x)")
        db.executemany("insert into t values (?)", [(i,) for i in range(5000)])
    data = bytearray(path.read_bytes())
    data[4096:8192] = bytes(range(256)) * 16
    path.write_bytes(bytes(data))
    with pytest.raises(GanbenchError, match="damaged"):
        check_sqlite_store(f"sqlite:///{path}")
