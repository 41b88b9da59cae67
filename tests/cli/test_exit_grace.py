"""A stopped command ends within the grace period even where the interpreter's exit would wait for
ever (an exit handler waiting on a lock the signal left taken) — and only a process that is ending
arms it: the same functions called in-process (a test, a notebook) leave their caller running."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import time

import pytest

from ganbench.experiment.interrupts import Interrupted, exit_code

app_module = importlib.import_module("ganbench.cli.app")

SCRIPT = """
import atexit, sys, threading
from ganbench.experiment import interrupts
interrupts.EXIT_GRACE_SECONDS = 1.0
held = threading.Lock()
held.acquire()  # taken where the signal landed, never given back
atexit.register(held.acquire)  # a library's exit handler that needs it
print("stopped", flush=True)
interrupts.end_within_grace(143)
sys.exit(143)
"""


def test_a_stopped_process_ends_though_an_exit_handler_waits_for_ever():
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 143 and proc.stdout == "stopped\n", proc.stderr
    assert time.monotonic() - start < 30


def test_the_exit_code_of_a_stop_arms_nothing_in_process():
    before = set(threading.enumerate())
    assert exit_code(Interrupted()) == 130
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize(("code", "armed"), [(130, [130]), (143, [143]), (0, []), (2, []), (1, [])])
def test_the_console_script_arms_the_grace_only_after_a_stop(monkeypatch, code, armed):
    calls = []

    def ended(c=code):
        raise SystemExit(c)

    monkeypatch.setattr(app_module, "_run", ended)
    monkeypatch.setattr(app_module, "end_within_grace", calls.append)
    with pytest.raises(SystemExit) as leaving:
        app_module.main()
    assert leaving.value.code == code and calls == armed


TEARDOWN = """
import atexit, sys
from ganbench.experiment import interrupts
class Teardown:
    def __del__(self):
        print("torn down", flush=True)
kept = Teardown()  # a module global: its finaliser runs in the interpreter's teardown
atexit.register(print, "exit handler ran", flush=True)  # a library's, registered after ganbench's
if sys.argv[1] == "stopped":
    interrupts.end_within_grace(143)
sys.exit(143)
"""


@pytest.mark.parametrize(
    ("how", "said"), [("stopped", "exit handler ran\n"), ("plain", "exit handler ran\ntorn down\n")]
)
def test_a_stopped_process_runs_the_exit_handlers_and_skips_the_teardown(how, said):
    """Stopped: the libraries' exit handlers run, then the process ends before the interpreter's
    teardown (where a library thread still running can abort it: exit 134). A plain exit with the
    same code is torn down as usual — the finaliser speaks, so the probe works."""
    proc = subprocess.run([sys.executable, "-c", TEARDOWN, how], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 143 and proc.stdout == said, proc.stderr
