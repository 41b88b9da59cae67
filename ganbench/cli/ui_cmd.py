"""``ganbench ui`` (what ``make ui`` runs): serve the MLflow UI over a store and print the links.

It starts ``mlflow server`` with settings a small machine can carry (one worker, background jobs
off: MLflow's defaults start 4 uvicorn workers and about 8 job processes), waits until it answers,
then prints, for each experiment that holds runs, the direct link to its runs table in Model-training
mode (:mod:`ganbench.tracking.ui_links`). A tracking *server* already has its UI: then the links
are printed and nothing is started.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ganbench.errors import GanbenchError
from ganbench.experiment.masking import mask_url
from ganbench.experiment.store_check import check_sqlite_store
from ganbench.tracking.tracker import resolve_uri
from ganbench.tracking.ui_links import comparison_links, experiments_with_runs, is_server, ui_address

POLL_SECONDS = 1.0


#: ``mlflow server`` reads its store from this variable when ``--backend-store-uri`` is not given:
#: the URI (and any password in it) then never shows on a command line.
BACKEND_ENV = "MLFLOW_BACKEND_STORE_URI"


def server_command(host: str, port: int) -> list[str]:
    """``mlflow server`` on ``host:port``, one worker; its store comes from :data:`BACKEND_ENV`."""
    return [
        *(sys.executable, "-m", "mlflow", "server"),
        *("--host", host, "--port", str(port), "--workers", "1"),
    ]


def print_links(console: Console, tracking_uri: str, host: str, port: int) -> None:
    """A line per experiment with runs: its name and its runs-table link."""
    found = experiments_with_runs(tracking_uri)
    if not found:
        console.print("No runs in this store yet: [bold]make benchmark[/] writes some.")
        return
    lines = ["Runs of each experiment (MLflow's Model training view, grouped by configuration):"]
    for experiment_id, name in found:
        for dataset, link in comparison_links(tracking_uri, experiment_id, host, port):
            label = f"{name} ({dataset})" if dataset else name
            lines.append(f"  {escape(label)}: [link={link}]{link}[/link]")
    console.print("\n".join(lines), soft_wrap=True)  # one write: a reader never sees half the list


def answers(base: str) -> bool:
    """Whether an MLflow server at ``base`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=5) as resp:
            return resp.read().strip() == b"OK"
    except OSError:
        return False


def check_port_free(host: str, port: int, base: str) -> None:
    """Refuse a port another process listens on — another MLflow UI (which would answer our health
    check and show its own store under our "ready") or any other program."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is free
        try:
            probe.bind((host, port))
            return
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise GanbenchError(f"cannot serve the MLflow UI on {host}:{port}: {exc.strerror}.") from None
    raise port_taken(host, port, base)


def port_taken(host: str, port: int, base: str) -> GanbenchError:
    """The paragraph for a port another process holds (an MLflow server, or any other program)."""
    who = (
        "an MLflow server already (another `ganbench ui`? it shows its own store)"
        if answers(base)
        else ("another program")
    )
    return GanbenchError(
        f"port {port} on {host} is taken by {who}. Stop it, or serve this store on another port: "
        f"ganbench ui --port {port + 1} (make ui UI_PORT={port + 1})."
    )


def _descendants(pid: int) -> set[int]:
    """``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        if p not in found:
            found.add(p)
            todo.extend(children.get(p, []))
    return found


def listens_on(pid: int, port: int) -> bool | None:
    """Whether ``pid`` or a process below it holds the listening TCP socket on ``port``; None where
    this cannot be told (no Linux /proc)."""
    inodes: set[str] = set()
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not any(t.exists() for t in tables):
        return None
    for table in tables:
        with contextlib.suppress(OSError):
            for line in table.read_text().splitlines()[1:]:
                f = line.split()
                if len(f) > 9 and f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{f[9]}]")
    for p in _descendants(pid):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{p}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return True
    return False


def _ours_answers(base: str, pid: int, port: int) -> bool:
    """Whether the server at ``base`` answers and is the one this process started (``pid``): a UI
    started a moment earlier elsewhere binds the port after our check that it was free, answers our
    health check while our own server is still loading, and would show its store under our "ready"."""
    return answers(base) and listens_on(pid, port) is not False


def run_ui(console: Console, tracking_uri: str | None, host: str, port: int) -> int:
    """Serve the UI until the server stops (Ctrl-C); returns the exit code."""
    uri = resolve_uri(tracking_uri)
    if is_server(uri):
        console.print(f"{escape(mask_url(uri))} is a tracking server with its own UI; nothing to start.")
        print_links(console, uri, host, port)
        return 0
    check_sqlite_store(uri)  # a damaged file, a server that does not answer, a refused login: at once
    base = ui_address(uri, host, port)
    check_port_free(host, port, base)
    console.print(
        f"Starting the MLflow UI over {escape(mask_url(uri))} on {base} (the first start can take a minute) …"
    )
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", BACKEND_ENV: uri}
    server = subprocess.Popen(server_command(host, port), env=env)
    signal.signal(signal.SIGTERM, _interrupt)  # a plain `kill` must not leave the server behind
    try:
        while server.poll() is None and not _ours_answers(base, server.pid, port):
            time.sleep(POLL_SECONDS)
        if server.poll() is None:
            console.print(f"MLflow UI ready on {base}; Ctrl-C stops it.")
            print_links(console, uri, host, port)
            return server.wait()
        if answers(base):  # our server ended (it could not bind): another took the port meanwhile
            raise port_taken(host, port, base)
        return server.returncode
    except KeyboardInterrupt:  # a terminal's Ctrl-C reaches the server too; a lone SIGINT may not
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
