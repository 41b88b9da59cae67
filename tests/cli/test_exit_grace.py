"""A stopped command ends within the grace period even where the interpreter's exit would wait for
ever (an exit handler waiting on a lock the signal left taken)."""

from __future__ import annotations

import subprocess
import sys
import time

SCRIPT = """
import atexit, signal, sys, threading
from ganbench.experiment import interrupts
interrupts.EXIT_GRACE_SECONDS = 1.0
held = threading.Lock()
held.acquire()  # taken where the signal landed, never given back
atexit.register(held.acquire)  # a library's exit handler that needs it
print("stopped", flush=True)
sys.exit(interrupts.exit_code(interrupts.Interrupted(signal.SIGTERM)))
"""


def test_a_stopped_command_exits_though_an_exit_handler_waits_for_ever():
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 143 and proc.stdout == "stopped\n", proc.stderr
    assert time.monotonic() - start < 30
