"""Two `ganbench ui` started a moment apart on one port: the second finds the port free (the first's
server still loads), then the first's server binds it and answers the second's health check while the
second's own server is still loading — the second printed "ready" and links into the first's store,
then its server failed to bind (address already in use) and it exited 0. Now "ready" needs the answer
to come from the server this command started; otherwise the port is said to be taken.

The servers here stand in for ``mlflow server`` (seconds to load): one that answers /health, and one
that, like MLflow's, fails to bind a taken port after loading."""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from rich.console import Console

from ganbench.cli import ui_cmd
from ganbench.errors import GanbenchError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

#: A server that loads for a second, then binds the port and answers /health for a few seconds.
HEALTHY = """
import sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"OK")
    def log_message(self, *a): pass
time.sleep(1)
server = HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
threading.Timer(4, server.shutdown).start()
server.serve_forever()
"""


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_mlflow_ui_that_took_the_port_after_the_check_is_not_taken_for_ours(monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setattr(ui_cmd, "check_port_free", lambda *a: None)  # the port was free at the check
    other = HTTPServer(("127.0.0.1", port), Health)  # ... then the other UI's server bound it
    threading.Thread(target=other.serve_forever, daemon=True).start()
    loading_then_bind = f"import socket, time; time.sleep(2); socket.socket().bind(('127.0.0.1', {port}))"
    monkeypatch.setattr(ui_cmd, "server_command", lambda h, p: [sys.executable, "-c", loading_then_bind])
    console = Console(file=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    try:
        with pytest.raises(GanbenchError, match=f"port {port} on 127.0.0.1 is taken by an MLflow server"):
            ui_cmd.run_ui(console, f"sqlite:///{tmp_path / 'mlflow.db'}", "127.0.0.1", port)
    finally:
        other.shutdown()
    console.file.close()
    assert "ready" not in (tmp_path / "out.txt").read_text()


def test_our_own_server_is_ready(monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setattr(ui_cmd, "server_command", lambda h, p: [sys.executable, "-c", HEALTHY, str(p)])
    monkeypatch.setattr(ui_cmd, "print_links", lambda *a: None)
    console = Console(file=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    assert ui_cmd.run_ui(console, f"sqlite:///{tmp_path / 'mlflow.db'}", "127.0.0.1", port) == 0
    console.file.close()
    assert f"MLflow UI ready on http://127.0.0.1:{port}" in (tmp_path / "out.txt").read_text()
