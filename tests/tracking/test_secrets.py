"""Secrets never leave the process: a unique password in the study storage URL and in the MLflow
tracking URI (both PostgreSQL servers of the test's own, which accept any password) is searched for in
everything a user or another user of the machine could read — the printed output, both stores
(every table), the files written (artifacts, logs) and the command lines of every child process
(what ``ps`` shows), for a benchmark queued through the storage with local workers, a benchmark with
worker processes, and ``ganbench ui``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from .conftest import GANBENCH, QUICK, free_port

pytestmark = pytest.mark.slow


def children_command_lines(session: int, parent: int) -> list[str]:
    """Command lines of the processes of a session (``start_new_session``), its leader left out."""
    found = []
    try:  # a child between fork and exec still shows the leader's own arguments: the user's, not a leak
        own = (Path("/proc") / str(parent) / "cmdline").read_bytes()
        own = own.replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        own = None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == parent:
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if line != own:
                found.append(line)
        except (OSError, ProcessLookupError):
            continue
    return found


def watch(
    args: list[str], cwd: Path, until: str | None = None, timeout: float = 900
) -> tuple[str, list[str]]:
    """Run ganbench with ``args``, collecting its children's command lines every 0.2 s; with
    ``until``, stop it (SIGINT) once that text is printed. Returns (output, command lines)."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MLFLOW_TRACKING_URI", None)
    log = cwd / f"out-{uuid.uuid4().hex[:6]}.txt"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [GANBENCH, *args], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        seen: list[str] = []
        deadline = time.time() + timeout
        try:
            while proc.poll() is None and time.time() < deadline:
                seen += children_command_lines(proc.pid, proc.pid)
                if until and until in log.read_text():
                    os.killpg(proc.pid, signal.SIGINT)
                    proc.wait(timeout=60)
                    break
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text()
    log.unlink()
    return output, seen


def every_value(url: str) -> str:
    """Every row of every table of a PostgreSQL database, as text."""
    import psycopg

    rows = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        tables = db.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
        for (table,) in tables:
            rows += [repr(r) for r in db.execute(f'select * from "{table}"').fetchall()]
    return "\n".join(rows)


def test_a_password_is_found_nowhere(postgres_url, tmp_path):
    import psycopg

    secret = f"pw-{uuid.uuid4().hex}"
    with psycopg.connect(postgres_url.replace("/ganbench", "/postgres"), autocommit=True) as db:
        db.execute("CREATE DATABASE mlflow_secret")
    storage = postgres_url.replace("not-a-secret", secret)
    tracking = storage.replace("/ganbench", "/mlflow_secret")
    cells = ["--only", "loss=modified_minimax", "--only", "schedule=alternating", "--seeds", "1"]

    outputs, commands = [], []
    for args in (
        ["benchmark", str(QUICK), *cells, "--storage", storage, "--tracking-uri", tracking, "--jobs", "2"],
        ["benchmark", str(QUICK), *cells, "--seeds", "2", "--tracking-uri", tracking, "--jobs", "2"],
        ["benchmark", str(QUICK), "--only", "nothing=here", "--tracking-uri", tracking],  # an error message
        ["report", "quick", "--tracking-uri", tracking.replace("/mlflow_secret", "/missing")],  # another
    ):
        out, seen = watch(args, tmp_path)
        outputs.append(out)
        commands += seen
    out, seen = watch(
        ["ui", "--tracking-uri", tracking, "--port", str(free_port())], tmp_path, until="ready on"
    )
    outputs.append(out)
    commands += seen

    assert any("worker" in c for c in commands) and any("mlflow" in c and "server" in c for c in commands)
    assert any("mlflow_secret" in o for o in outputs)  # the URIs were printed — masked
    assert not [o for o in outputs if secret in o]
    assert not [c for c in commands if secret in c]
    assert secret not in every_value(tracking) and secret not in every_value(storage)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not [p for p in written if secret.encode() in p.read_bytes()]
