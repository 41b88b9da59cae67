"""Real services for tests, started for real on 127.0.0.1 and a free port: an MLflow tracking
server over a store of the test's own, and a PostgreSQL server (Debian's binaries, run as the
'postgres' user when the tests run as root) with an empty database."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mlflow_server(store_uri: str, cwd: Path, startup_seconds: int = 300):
    """``mlflow server`` on 127.0.0.1 and a free port over ``store_uri``; yields its URL."""
    port = free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    mlflow = str(Path(sys.executable).parent / "mlflow")
    args = ["server", "--backend-store-uri", store_uri, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", "1", "--artifacts-destination", str(cwd / "mlartifacts")]
    server = subprocess.Popen(
        [mlflow, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=10) as resp:
                    if resp.read().decode().strip() == "OK":
                        break
            except OSError:
                pass
            assert server.poll() is None, f"mlflow server exited: {server.stderr.read()[-2000:]}"
            assert time.time() < deadline, "mlflow server did not start in time"
            time.sleep(1)
        yield url
    finally:
        stop_group(server)


def stop_group(proc: subprocess.Popen, grace: float = 30) -> None:
    """Stop a process started with ``start_new_session=True`` and its children: SIGTERM to the
    group, SIGKILL if it has not ended after ``grace`` seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def missing(message: str) -> None:
    """A system tool a test needs is absent: skip outside CI; in CI (``CI`` set) fail, so a test can
    never pass by not running (``.ci/run`` installs the tools)."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the 'postgres' user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server(password: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL server on 127.0.0.1 (free port) with an empty database ``ganbench``; yields
    its URL and stops it afterwards. Without ``password`` any password is let in (the URL's only
    shows whether URLs are masked); with one, logins need it (scram-sha-256).
    Outside CI a missing PostgreSQL skips the test; in CI it fails (.ci/run installs it)."""
    bindir = _pg_bin()
    if bindir is None:
        missing("PostgreSQL is not installed (apt-get install postgresql)")
    # Not under pytest's tmp folder: that is private to root, and the server runs as 'postgres'.
    base = Path(tempfile.mkdtemp(prefix="ganbench-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = free_port()
    run = lambda *cmd: subprocess.run(_as_postgres(list(cmd)), check=True, capture_output=True, timeout=120)  # noqa: E731
    auth = ["-A", "trust"]
    if password is not None:
        (base / "pw").write_text(password)
        if os.geteuid() == 0:
            shutil.chown(base / "pw", "postgres")
        auth = ["-A", "scram-sha-256", f"--pwfile={base / 'pw'}"]
    run(str(bindir / "initdb"), "-D", str(data), *auth, "-U", "postgres")
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=100"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start")
    try:
        env = {**os.environ, "PGPASSWORD": password or ""}
        subprocess.run(
            _as_postgres(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "ganbench"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
            env=env,
        )
        yield f"postgresql://postgres:{password or 'not-a-secret'}@127.0.0.1:{port}/ganbench"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def _slurm_tool(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}",) if os.access(p, os.X_OK)), None)


SLURM_CONF = """\
ClusterName=ganbenchtest
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
StateSaveLocation={base}/state
SlurmdSpoolDir={base}/spool
SlurmctldPidFile={base}/slurmctld.pid
SlurmdPidFile={base}/slurmd.pid
SlurmctldLogFile={base}/slurmctld.log
SlurmdLogFile={base}/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
NodeName={host} NodeHostname={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=100 State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


@contextmanager
def slurm_cluster(startup_seconds: int = 60) -> Iterator[dict[str, str]]:
    """A private one-node SLURM cluster of Debian's ``slurm-wlm`` (slurmctld and slurmd on 127.0.0.1,
    free ports, state in a temporary folder, no munge: ``auth/none``); yields the environment its
    commands (sbatch, squeue, scancel, scontrol) need. Skips where SLURM is not installed or the
    tests do not run as root (slurmd starts jobs as their user); every job is cancelled at the end."""
    tools = {
        name: _slurm_tool(name) for name in ("slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel")
    }
    if not all(tools.values()):
        lacking = ", ".join(name for name, path in tools.items() if not path)
        pytest.skip(f"SLURM is not installed ({lacking} not found; Debian: apt-get install slurm-wlm)")
    if os.geteuid() != 0:
        pytest.skip("a private one-node SLURM needs root: slurmd starts each job as its user")
    base = Path(tempfile.mkdtemp(prefix="ganbench-slurm-"))
    (base / "state").mkdir()
    (base / "spool").mkdir()
    host = socket.gethostname().split(".")[0]
    conf = base / "slurm.conf"
    conf.write_text(
        SLURM_CONF.format(
            host=host, base=base, ctld_port=free_port(), d_port=free_port(), cpus=os.cpu_count() or 1
        )
    )
    env = {**os.environ, "SLURM_CONF": str(conf)}
    daemons = []
    try:
        for daemon in ("slurmctld", "slurmd"):
            daemons.append(
                subprocess.Popen(
                    [tools[daemon], "-D", "-f", str(conf)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(base / f"{daemon}.out").open("w"),
                    start_new_session=True,
                )
            )
        deadline = time.time() + startup_seconds
        while True:
            sinfo = subprocess.run(
                [tools["scontrol"], "show", "node", host], env=env, capture_output=True, text=True, timeout=30
            )
            if sinfo.returncode == 0 and "State=IDLE" in sinfo.stdout:
                break
            logs = "".join(
                (base / f).read_text()[-1500:] for f in ("slurmctld.out", "slurmd.out") if (base / f).exists()
            )
            assert all(d.poll() is None for d in daemons), f"a SLURM daemon exited:\n{logs}"
            assert time.time() < deadline, f"no idle SLURM node within {startup_seconds} s:\n{logs}"
            time.sleep(1)
        yield env
    finally:
        if daemons:
            subprocess.run(
                [tools["scancel"], "--full", "--user", "root"], env=env, capture_output=True, timeout=30
            )
            squeue = [tools["squeue"], "--noheader"]
            deadline = time.time() + 60
            while time.time() < deadline:  # the jobs' processes gone before the daemons go
                listed = subprocess.run(squeue, env=env, capture_output=True, text=True, timeout=30)
                if listed.returncode != 0 or not listed.stdout.strip():
                    break
                time.sleep(1)
        for daemon in reversed(daemons):
            stop_group(daemon)
        shutil.rmtree(base, ignore_errors=True)
