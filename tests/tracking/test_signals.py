"""Signals sent to real commands, as a cluster or a shell sends them: SIGTERM (SLURM at its time
limit, systemd, Docker, Kubernetes) and SIGINT to a running ``ganbench benchmark`` — to the parent
alone or to its whole process group — and SIGKILL to the parent. Every process it started must be
gone within seconds, its unfinished runs and its invocation run marked so that the next invocation
redoes them at once, what it did printed, and the exit code non-zero. A queue worker that gets
SIGTERM hands its trial back to the queue at once."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ganbench.tracking.claims import is_alive
from ganbench.tuning.hand_back import HANDED_BACK

from .conftest import client

pytestmark = pytest.mark.slow
GANBENCH = str(Path(sys.executable).parent / "ganbench")

#: Two cells that train far longer than a test waits: the signal lands mid-training.
LONG = """
name: {name}
datasets: [ring]
losses: [modified_minimax, hinge]
schedules: [{{name: alternating, d_steps: 1}}]
seeds: 2
sample_images: none
train: {{g_steps: 200000, eval_every: 100000, eval_samples: 200, batch_size: 32,
        generator: {{width: 16, depth: 1}}, discriminator: {{width: 16, depth: 1}}, metrics: [modes]}}
"""
#: Seconds within which every process of a stopped command must be gone.
STOP_SECONDS = 25


def spec(folder: Path, name: str = "signals") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(LONG.format(name=name)))
    return path


def environment() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "160"}
    for key in ("MLFLOW_TRACKING_URI", "GANBENCH_STORAGE"):
        env.pop(key, None)
    return env


def background_job() -> None:
    """``preexec_fn``: SIGINT ignored, as a non-interactive shell starts a background job (``cmd &``);
    a signal sent on purpose must still stop ganbench."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def launch(folder: Path, *args: str) -> subprocess.Popen:
    """A ganbench command in a process group of its own, started as a background job."""
    return subprocess.Popen(
        [GANBENCH, *args],
        cwd=folder,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=background_job,
    )


def group(pgid: int) -> list[int]:
    """Live processes (not zombies) of the process group ``pgid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def won_claims(store: Path) -> int:
    """Runs that a benchmark is training now or has trained (read-only: the benchmark writes)."""
    if not store.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1)) as db:
            query = "select count(*) from tags where key = 'ganbench.claim' and value = 'won'"
            return db.execute(query).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def wait_for(condition, proc: subprocess.Popen, what: str, seconds: float = 240) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert proc.poll() is None, f"ended before {what}: {proc.communicate()[1][-3000:]}"
        assert time.time() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.5)


def stopped(proc: subprocess.Popen) -> tuple[float, str]:
    """Seconds until the command and every process of its group are gone, and its stderr."""
    start = time.time()
    try:
        _, err = proc.communicate(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"still running {STOP_SECONDS} s after the signal: {proc.communicate()[1][-3000:]}")
    try:
        while group(proc.pid) and time.time() - start < STOP_SECONDS:
            time.sleep(0.2)
        return time.time() - start, err
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def runs(store: Path, experiment: str) -> list:
    c = client(store)
    return c.search_runs([c.get_experiment_by_name(experiment).experiment_id], max_results=1000)


@pytest.mark.parametrize(
    ("sig", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGTERM, True), (signal.SIGINT, False)],
    ids=["SIGTERM-parent", "SIGTERM-group", "SIGINT-parent-of-a-background-job"],
)
def test_a_signal_stops_a_benchmark_and_its_workers_and_marks_its_runs(tmp_path, sig, to_group):
    store = tmp_path / "mlflow.db"
    proc = launch(tmp_path, "benchmark", str(spec(tmp_path)), "--jobs", "2")
    wait_for(lambda: won_claims(store) >= 4 and len(group(proc.pid)) >= 3, proc, "training workers")
    (os.killpg if to_group else os.kill)(proc.pid, sig)
    seconds, err = stopped(proc)

    assert proc.returncode == 128 + sig, err[-3000:]
    assert seconds < STOP_SECONDS and not group(proc.pid), "a process of the benchmark outlived it"
    assert f"stopped by {signal.Signals(sig).name}" in err and "Traceback" not in err
    assert "4 unfinished run(s) marked KILLED" in " ".join(err.split())
    found = runs(store, "signals")
    invocation = [r for r in found if r.data.tags.get("ganbench.role") == "invocation"]
    trained = [r for r in found if "ganbench.key" in r.data.tags]
    assert [r.info.status for r in invocation] == ["KILLED"]
    assert len(trained) == 4 and {r.info.status for r in trained} == {"KILLED"}
    # Resumable at once: no run counts as held by a live process any more (no lease to wait out).
    assert not any(is_alive(dict(r.data.tags)) for r in found)


def test_workers_of_a_benchmark_killed_with_sigkill_stop_within_seconds(tmp_path):
    store = tmp_path / "mlflow.db"
    proc = launch(tmp_path, "benchmark", str(spec(tmp_path)), "--jobs", "2")
    wait_for(lambda: won_claims(store) >= 4 and len(group(proc.pid)) >= 3, proc, "training workers")
    workers = [pid for pid in group(proc.pid) if pid != proc.pid]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.time() + STOP_SECONDS
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists() and pid in group(proc.pid)]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    assert not alive, "worker processes outlived their killed parent"


def test_a_queue_worker_hands_its_trial_back_at_once_on_sigterm(tmp_path):
    import optuna
    from optuna.trial import TrialState

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    path = spec(tmp_path, "queued")
    queued = subprocess.run(
        [GANBENCH, "benchmark", str(path), "--storage", storage, "--jobs", "0", "--population", "2"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert queued.returncode == 0, queued.stderr[-3000:]
    worker = launch(tmp_path, "worker", "--storage", storage, "--grace", "600")
    study = optuna.load_study(study_name="benchmark:queued", storage=storage)
    wait_for(lambda: won_claims(tmp_path / "mlflow.db") >= 2, worker, "a model in training")
    os.kill(worker.pid, signal.SIGTERM)
    seconds, err = stopped(worker)

    assert worker.returncode == 143 and seconds < STOP_SECONDS, err[-3000:]
    assert "handed back to the queue" in err and "Traceback" not in err
    trials = study.get_trials(deepcopy=False)
    (failed,) = [t for t in trials if t.state == TrialState.FAIL]
    (copy,) = [t for t in trials if t.system_attrs.get(HANDED_BACK)]
    # Queued again at once (the heartbeat's grace of 600 s has not passed): same model, same units.
    assert copy.state == TrialState.WAITING and copy.system_attrs["failed_trial"] == failed.number
    assert copy.user_attrs == failed.user_attrs
    trained = [r for r in runs(tmp_path / "mlflow.db", "queued") if "ganbench.key" in r.data.tags]
    assert len(trained) == 2 and not any(is_alive(dict(r.data.tags)) for r in trained)
