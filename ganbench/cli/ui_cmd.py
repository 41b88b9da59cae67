"""``ganbench ui`` (what ``make ui`` runs): serve the MLflow UI over a store and print the links.

It starts ``mlflow server`` with settings a small machine can carry (one worker, background jobs
off: MLflow's defaults start 4 uvicorn workers and about 8 job processes), waits until it answers,
then prints, for each experiment that holds runs, the direct link to its runs table in Model-training
mode (:mod:`ganbench.tracking.ui_links`). A tracking *server* already has its UI: then the links
are printed and nothing is started.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

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
    who = (
        "an MLflow server already (another `ganbench ui`? it shows its own store)"
        if answers(base)
        else ("another program")
    )
    raise GanbenchError(
        f"port {port} on {host} is taken by {who}. Stop it, or serve this store on another port: "
        f"ganbench ui --port {port + 1} (make ui UI_PORT={port + 1})."
    )


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
        while server.poll() is None and not answers(base):
            time.sleep(POLL_SECONDS)
        if server.poll() is None:
            console.print(f"MLflow UI ready on {base}; Ctrl-C stops it.")
            print_links(console, uri, host, port)
        return server.wait()
    except KeyboardInterrupt:  # a terminal's Ctrl-C reaches the server too; a lone SIGINT may not
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
