"""The SLURM recipe of docs/many-machines.md (``experiments/slurm/worker.sbatch``) against a real
queue: a benchmark's models queued in a SQLite Optuna storage, the script's ``ganbench worker``
training one of them when the signal comes.

- Near the time limit SLURM sends SIGUSR1 to the script (``--signal=B:USR1@120``): the worker hands
  its trial back to the queue at once, the script requeues its task and exits 0.
- SIGTERM to the script (scancel, preemption): the trial goes back the same way, no requeue, exit 143.

Without SLURM the script runs under bash with the ``SLURM_*`` variables a job has and a stand-in
``scontrol`` that records the requeue; with Debian's ``slurm-wlm`` installed (and root), the last test
submits it for real to a private one-node cluster (``services.slurm_cluster``)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from services import slurm_cluster

from ganbench.tuning.hand_back import HANDED_BACK

from .test_signals import GANBENCH, STOP_SECONDS, environment, group, spec, stopped, wait_for, won_claims

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "slurm" / "worker.sbatch"


def queued(folder: Path) -> dict[str, str]:
    """Two models of a long benchmark queued in ``folder``'s stores; the variables a job gets."""
    storage = f"sqlite:///{folder / 'optuna.db'}"
    path = spec(folder, "slurm")
    proc = subprocess.run(
        [GANBENCH, "benchmark", str(path), "--storage", storage, "--jobs", "0", "--population", "2"],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    tracking = f"sqlite:///{folder / 'mlflow.db'}"
    return {
        **environment(),
        "GANBENCH": GANBENCH,
        "GANBENCH_STORAGE": storage,
        "MLFLOW_TRACKING_URI": tracking,
    }


def trials(folder: Path) -> list:
    import optuna

    study = optuna.load_study(study_name="benchmark:slurm", storage=f"sqlite:///{folder / 'optuna.db'}")
    return study.get_trials(deepcopy=False)


def handed_back(folder: Path) -> bool:
    """One trial failed and a copy of it waits in the queue, flagged as handed back."""
    from optuna.trial import TrialState

    found = trials(folder)
    failed = [t for t in found if t.state == TrialState.FAIL]
    copies = [t for t in found if t.system_attrs.get(HANDED_BACK) and t.state == TrialState.WAITING]
    return (
        len(failed) == 1 and len(copies) == 1 and copies[0].system_attrs["failed_trial"] == failed[0].number
    )


def store_said(folder: Path, state: str, log: Path) -> str:
    """What the job's store and log hold, for a failure message."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{folder / 'mlflow.db'}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "select key, value, count(*) from tags where key like 'ganbench.%' group by 1, 2"
            )
            tags = rows.fetchall()
    except sqlite3.Error as exc:
        tags = f"store unreadable: {exc}"
    said = log.read_text() if log.exists() else "(no job log)"
    return f"job {state}; ganbench tags in the store: {tags}\njob log:\n{said}"


def stand_in_scontrol(folder: Path, status: int = 0) -> Path:
    """A folder with an ``scontrol`` that appends its arguments to ``folder/scontrol.log``."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "scontrol"
    tool.write_text(f'#!/bin/sh\necho "$@" >> {folder / "scontrol.log"}\nexit {status}\n')
    tool.chmod(0o755)
    return bin_dir


def as_a_job(folder: Path, env: dict[str, str], scontrol_status: int = 0) -> subprocess.Popen:
    """The script under bash as SLURM starts it: task 3 of array job 41 (job 44), in a session of its own."""
    job = {"SLURM_JOB_ID": "44", "SLURM_ARRAY_JOB_ID": "41", "SLURM_ARRAY_TASK_ID": "3"}
    job |= {"SLURM_CPUS_PER_TASK": "1", "SLURM_SUBMIT_DIR": str(folder)}
    path = f"{stand_in_scontrol(folder, scontrol_status)}{os.pathsep}{env['PATH']}"
    return subprocess.Popen(
        ["bash", str(SCRIPT), "--grace", "600"],
        cwd=folder,
        env={**env, **job, "PATH": path},
        stdout=(folder / "job.out").open("w"),  # what SLURM writes to the --output file
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.parametrize(
    ("sig", "scontrol_status", "exit_code", "requeued"),
    [(signal.SIGUSR1, 0, 0, True), (signal.SIGTERM, 0, 143, False), (signal.SIGUSR1, 1, 143, False)],
    ids=["time-limit-requeues", "scancel-ends", "requeue-refused"],
)
def test_the_sbatch_script_hands_the_trial_back_and_requeues_only_at_the_time_limit(
    tmp_path, sig, scontrol_status, exit_code, requeued
):
    job = as_a_job(tmp_path, queued(tmp_path), scontrol_status)
    wait_for(lambda: won_claims(tmp_path / "mlflow.db") >= 2, job, "a model in training")
    os.kill(job.pid, sig)  # to the script alone, as --signal=B:… sends it
    seconds, err = stopped(job)
    out = (tmp_path / "job.out").read_text()
    said = f"stdout:\n{out[-2000:]}\nstderr:\n{err[-3000:]}"

    assert job.returncode == exit_code and seconds < STOP_SECONDS and not group(job.pid), said
    assert "handed back to the queue" in err and "Traceback" not in err, said
    assert handed_back(tmp_path), said
    log = tmp_path / "scontrol.log"
    if sig == signal.SIGUSR1:
        assert log.read_text() == "requeue 44\n"
    else:
        assert not log.exists()
    assert ("task requeued" in out) == requeued, said
    if scontrol_status:
        assert "scontrol requeue failed" in err, said


def test_the_sbatch_script_under_a_real_slurm_requeues_its_task_at_the_time_limit(tmp_path):
    with slurm_cluster() as slurm:
        # The job's stores win over the cluster's environment (a copy of this process's, where an earlier
        # in-process test may have left MLFLOW_TRACKING_URI: the job then logged into another store).
        env = {**slurm, **queued(tmp_path)}
        submit = [
            "sbatch",
            "--parsable",
            "--array=0-0",
            f"--chdir={tmp_path}",
            f"--output={tmp_path}/worker-%A_%a.out",
            "--time=10",
            str(SCRIPT),
            "--grace",
            "600",
        ]
        sent = subprocess.run(submit, env=env, capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        task = f"{sent.stdout.strip().split(';')[0]}_0"
        log = tmp_path / f"worker-{task}.out"

        def job(field: str) -> str:
            shown = subprocess.run(
                ["scontrol", "show", "job", task], env=env, capture_output=True, text=True, timeout=30
            ).stdout
            return next((w.split("=", 1)[1] for w in shown.split() if w.startswith(f"{field}=")), "")

        deadline = time.time() + 480  # a loaded 2-core machine: 240 s was too short once
        while won_claims(tmp_path / "mlflow.db") < 2:
            state = job("JobState")
            assert state in ("PENDING", "RUNNING"), store_said(tmp_path, state, log)
            assert time.time() < deadline, "no model in training within 480 s"
            time.sleep(1)
        # What SLURM does at --signal=B:USR1@120, sent now: USR1 to the batch script alone.
        signalled = subprocess.run(
            ["scancel", "--signal=USR1", "--batch", task], env=env, capture_output=True, text=True, timeout=30
        )
        assert signalled.returncode == 0, signalled.stderr
        start = time.time()
        while not (job("Restarts") == "1" and job("JobState") == "PENDING"):
            assert time.time() - start < STOP_SECONDS, f"not requeued: {job('JobState')}\n{log.read_text()}"
            time.sleep(0.5)
        text = log.read_text()
        assert "handed back to the queue" in text and "task requeued" in text and "Traceback" not in text
        assert handed_back(tmp_path), text
