"""``ganbench report`` writes its folder whole or not at all: a report is written beside the old one
and moved into place, and SIGINT or SIGTERM while it is written says so and leaves the earlier
report — every figure its index.html points at — untouched."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
GANBENCH = str(Path(sys.executable).parent / "ganbench")


def report(store: Path, out: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "160", "PYTHONFAULTHANDLER": "1"}  # SIGABRT dumps every thread's stack
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.Popen(
        [GANBENCH, "report", "quick", "--tracking-uri", f"sqlite:///{store}", "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **popen,
    )


def figures_exist(folder: Path) -> list[str]:
    """The figures index.html points at; asserts each exists."""
    pointed = re.findall(r'<img src="([^"]+)"', (folder / "index.html").read_text())
    assert pointed and all((folder / p).is_file() for p in pointed)
    return pointed


def stopped_output(proc: subprocess.Popen) -> str:
    """The stderr of a report after its stop signal; where it has not ended within 60 s, the test
    fails with where every thread of it was (faulthandler's dump on SIGABRT), or says that it had
    ended and something else held its output open."""
    try:
        return proc.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        alive = proc.poll() is None
        ps = ["ps", "-o", "pid,stat,args", "-g", str(proc.pid)]
        group = subprocess.run(ps, capture_output=True, text=True)
        if alive:
            os.kill(proc.pid, signal.SIGABRT)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        state = "still running; its threads:" if alive else "ended, but its output stayed open:"
        pytest.fail(
            f"the report did not end within 60 s of its stop signal: {state}\n{err[-6000:]}\n"
            f"its process group then:\n{group.stdout}"
        )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_report_leaves_the_earlier_one_whole(quick_store, tmp_path, sig):
    out = tmp_path / "report"
    first = report(quick_store / "mlflow.db", out)
    assert first.wait(timeout=600) == 0, first.stderr.read()[-3000:]
    for _ in range(3):  # (a report that finished before the signal landed is tried again)
        before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*")}
        pointed = figures_exist(out)
        second = report(
            quick_store / "mlflow.db", out, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
        )
        deadline = time.time() + 300
        while not list(tmp_path.glob(".report.writing-*/figures/*.png")):  # mid-way through the figures
            assert second.poll() is None and time.time() < deadline, second.stderr.read()[-3000:]
            time.sleep(0.1)
        os.kill(second.pid, sig)
        err = stopped_output(second)
        if second.returncode != 0:
            break

    assert second.returncode == 128 + sig and "Traceback" not in err
    assert f"report stopped by {signal.Signals(sig).name}" in err and "untouched" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging folder left
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert figures_exist(out) == pointed


def test_a_rewritten_report_replaces_the_old_one_whole(quick_store, tmp_path):
    out = tmp_path / "report"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "stale.png").write_bytes(b"not a figure of this report")
    proc = report(quick_store / "mlflow.db", out)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()[-3000:]
    figures_exist(out)
    assert not (out / "figures" / "stale.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
