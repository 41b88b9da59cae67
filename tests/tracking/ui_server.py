"""Start the MLflow UI the way ``make ui`` does (``ganbench ui``) on a free loopback port, for tests.

``ganbench ui`` starts ``mlflow server`` (one worker, job execution off), waits until it answers and
then prints each experiment's runs link; :func:`ui_server` waits for those links and hands them to
the test, so a test opens exactly what a user is told to open.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from services import stop_group

from .conftest import free_port

GANBENCH = str(Path(sys.executable).parent / "ganbench")
STARTUP_SECONDS = 300  # measured ≈ 80 s on a loaded 2-core machine; be generous
LINK_LINE = re.compile(r"^\s+(?P<name>.+?): (?P<url>http://\S+)$")


@dataclass
class UiServer:
    """A running ``ganbench ui``: its base address, the links it printed, everything it wrote."""

    base: str
    links: dict[str, str] = field(default_factory=dict)  # experiment name → runs link
    output: list[str] = field(default_factory=list)


@contextmanager
def ui_server(store: Path, timeout: float = STARTUP_SECONDS) -> Iterator[UiServer]:
    """``ganbench ui`` over ``store/mlflow.db`` on a free port; yields once the links are printed."""
    port = free_port()
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.Popen(
        [GANBENCH, "ui", "--tracking-uri", f"sqlite:///{store / 'mlflow.db'}", "--port", str(port)],
        cwd=store,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = UiServer(base=f"http://127.0.0.1:{port}")
    reader = threading.Thread(target=_drain, args=(proc, server.output), daemon=True)
    reader.start()
    try:
        deadline = time.time() + timeout
        while not _links_printed(server):
            assert proc.poll() is None, "ganbench ui exited:\n" + "".join(server.output)[-3000:]
            assert time.time() < deadline, "no UI links in time:\n" + "".join(server.output)[-3000:]
            time.sleep(0.5)
        yield server
    finally:
        stop_group(proc)
        reader.join(timeout=10)


def _drain(proc: subprocess.Popen, lines: list[str]) -> None:
    """Keep reading the server's output so that a full pipe never blocks it."""
    for line in proc.stdout:
        lines.append(line)


def _links_printed(server: UiServer) -> bool:
    """Parse the lines after "Runs of each experiment"; True once at least one link is there."""
    lines = list(server.output)
    starts = [i for i, line in enumerate(lines) if line.startswith("Runs of each experiment")]
    if not starts:
        return False
    for line in lines[starts[0] + 1 :]:
        found = LINK_LINE.match(line.rstrip("\n"))
        if found and "/#/experiments/" in found["url"]:
            server.links[found["name"]] = found["url"]
    return bool(server.links)
