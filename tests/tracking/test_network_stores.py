"""Stores over the network give up within 10 s: a PostgreSQL server of the test's own that wants a
password, asked with the wrong one, for the tracking store (``benchmark``, ``ui``) and the study
storage (``tune``, ``worker``). MLflow alone retries for about 100 s, and ``mlflow server`` for ever.
A second UI on a port that is taken says so instead of printing "ready"."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
SECRET = "right-horse-battery"


@pytest.fixture(scope="module")
def guarded_postgres():
    """A PostgreSQL server whose logins need :data:`SECRET`: its URL with a wrong password."""
    from services import postgres_server

    with postgres_server(password=SECRET) as url:
        yield url.replace(SECRET, "wrong-staple")


@pytest.mark.parametrize(
    "args",
    [
        ["benchmark", str(ROOT / "experiments" / "quick.yaml"), "--tracking-uri", "{url}"],
        ["ui", "--tracking-uri", "{url}", "--port", "1"],
        ["tune", str(ROOT / "experiments" / "tune_quick.yaml"), "--storage", "{url}"],
        ["worker", "--storage", "{url}"],
    ],
    ids=["benchmark-tracking", "ui-tracking", "tune-storage", "worker-storage"],
)
def test_a_wrong_database_password_gives_up_within_10_s(guarded_postgres, tmp_path, args):
    start = time.time()
    proc = run_cli(*(a.format(url=guarded_postgres) for a in args), cwd=tmp_path, timeout=120)
    seconds = time.time() - start
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    message = " ".join(proc.stderr.split())
    assert "password authentication failed" in message and "Traceback" not in message
    assert "wrong-staple" not in proc.stdout + proc.stderr  # masked
    assert seconds < 10 + 8  # the login's 10 s at most, plus the command's start-up


class Health(http.server.BaseHTTPRequestHandler):
    """Answers like an MLflow server's health check."""

    def do_GET(self):  # noqa: N802 — http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        return None


def test_a_ui_on_a_port_another_mlflow_ui_holds_says_the_port_is_taken(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = str(server.server_address[1])
        proc = run_cli("ui", "--port", port, cwd=tmp_path, timeout=120)
    finally:
        server.shutdown()
    assert proc.returncode == 2 and "ready" not in proc.stdout
    message = " ".join(proc.stderr.split())
    assert f"port {port} on 127.0.0.1 is taken by an MLflow server already" in message
    assert f"--port {int(port) + 1}" in message and not (tmp_path / "mlflow.db").exists()


def test_a_ui_on_a_port_another_program_holds_says_so(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = str(other.getsockname()[1])
        proc = run_cli("ui", "--port", port, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken by another program" in " ".join(proc.stderr.split())
