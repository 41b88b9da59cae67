"""A library's error record about what a stop signal left behind does not reach the user while a
command runs: SQLAlchemy logs "Error closing cursor" with a traceback when the signal lands in a
fetch and the cursor's close then fails (seen once on a report stopped by SIGTERM). Every other
record is printed as before, and outside a command nothing changes."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging
from ganbench.experiment.interrupts import Interrupted, stopping_on_signals
log = logging.getLogger("sqlalchemy.pool.impl.QueuePool")  # no handler configured: logging's last resort

def fail_closing(stopped):
    try:
        if stopped:
            raise Interrupted(15)  # the signal lands in a fetch
        raise ValueError("the fetch failed on its own")
    except BaseException:
        try:
            raise RuntimeError("Cannot operate on a closed database.")
        except RuntimeError:
            log.error("Error closing cursor (%s)", "stopped" if stopped else "not stopped", exc_info=True)

with stopping_on_signals():
    fail_closing(stopped=True)
    fail_closing(stopped=False)
fail_closing(stopped=True)  # outside a command
"""


def test_records_caused_by_a_stop_are_dropped_inside_a_command_alone():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    said = [line for line in proc.stderr.splitlines() if line.startswith("Error closing cursor")]
    assert said == ["Error closing cursor (not stopped)", "Error closing cursor (stopped)"], proc.stderr
    assert proc.stderr.count("Traceback") == 4  # two records, each a chain of two exceptions
    assert "the fetch failed on its own" in proc.stderr
