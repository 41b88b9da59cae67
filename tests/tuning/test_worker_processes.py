"""Worker processes carry their parent's plugins and fail the command when they fail, and the runs of
tuning studies have owners: all for real, with the ``ganbench`` command.

- ``ganbench --registry DIR benchmark SPEC --storage URL --jobs 2`` and ``tune --jobs 2`` train a
  loss that only DIR holds (their local workers are started the one way every worker is);
- a worker that cannot load the spec's loss fails the command (exit 1, run FAILED, the reason said),
  and so does a model whose loss raises in training;
- a study's run left RUNNING by a killed ``tune`` is closed as KILLED by the next ``worker``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from .conftest import GANBENCH, env_without_stores, ganbench, mlflow_runs

pytestmark = pytest.mark.slow

LOSS = '''
"""`{name}`: the hinge loss, from a plugin folder of the test's own."""
import multiprocessing

import torch.nn.functional as F

from ganbench.api import Loss, batch_mean, losses

if {fail_in_workers} and multiprocessing.parent_process() is not None:
    raise RuntimeError("this plugin refuses to load in a worker process")


@losses.register("{name}")
class PluginHinge(Loss):
    """D: E[relu(1 − s_real)] + E[relu(1 + s_fake)];  G: −E[s_fake]."""

    def d_loss(self, real, fake):
        return batch_mean(F.relu(1 - real)) + batch_mean(F.relu(1 + fake))

    def g_loss(self, fake, real):
        {g_loss}
'''
TRAIN = """  g_steps: {g_steps}
  eval_every: 20
  eval_samples: 200
  batch_size: 32
  generator: {{width: 16, depth: 1}}
  discriminator: {{width: 16, depth: 1}}
  metrics: [modes]"""
BENCHMARK = """name: {name}
datasets: [ring]
losses: [{loss}]
schedules: [{{name: alternating, d_steps: 1}}, simultaneous]
seeds: 2
sample_images: none
train:
{train}
"""
TUNE = """name: {name}
datasets: [ring]
losses: [{loss}]
schedules: [{{name: alternating, d_steps: 1}}]
seeds: 2
sample_images: none
train:
{train}
search:
  d_optimizer.lr: {{low: 1.0e-4, high: 3.0e-3, log: true}}
objective: {{maximize: modes/high_quality}}
sampler: {{name: random, seed: 0}}
pruner: none
n_trials: {n_trials}
"""


def plugin(folder: Path, name: str, fail_in_workers: bool = False, raises: bool = False) -> Path:
    """A plugin folder holding one loss."""
    plugins = folder / "plugins"
    plugins.mkdir(exist_ok=True)
    g_loss = 'raise RuntimeError("boom in g_loss")' if raises else "return -batch_mean(fake)"
    text = LOSS.format(name=name, fail_in_workers=fail_in_workers, g_loss=g_loss)
    (plugins / f"{name}.py").write_text(textwrap.dedent(text))
    return plugins


def spec(folder: Path, template: str, name: str, loss: str, g_steps: int = 40, n_trials: int = 2) -> Path:
    path = folder / f"{name}.yaml"
    train = TRAIN.format(g_steps=g_steps)
    path.write_text(template.format(name=name, loss=loss, train=train, n_trials=n_trials))
    return path


def test_local_queue_workers_train_a_loss_from_the_registry_folder(tmp_path):
    plugins = plugin(tmp_path, "plugin_hinge")
    path = spec(tmp_path, BENCHMARK, "plugged", "plugin_hinge")
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    proc = ganbench(tmp_path, "--registry", str(plugins), "benchmark", str(path), "--storage", storage)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    runs = [r for r in mlflow_runs(uri, "plugged") if r.data.tags.get("ganbench.complete") == "true"]
    runs = [r for r in runs if "ganbench.key" in r.data.tags]  # seed runs, not the reference rows
    assert len(runs) == 4  # 2 cells × 2 seeds, trained by the 2 local workers
    assert {r.data.tags["plugin.loss"] for r in runs} == {str((plugins / "plugin_hinge.py").resolve())}
    (invocation,) = mlflow_runs(uri, "plugged", "invocation")
    assert invocation.info.status == "FINISHED"


def test_local_tuning_workers_train_a_loss_from_the_registry_folder(tmp_path):
    plugins = plugin(tmp_path, "plugin_hinge")
    path = spec(tmp_path, TUNE, "tune_plugged", "plugin_hinge")
    proc = ganbench(tmp_path, "--registry", str(plugins), "tune", str(path), "--jobs", "2", "--batch", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    trials = mlflow_runs(uri, "tune_plugged", "trial")
    assert len(trials) >= 2 and {r.data.tags["trial_state"] for r in trials} == {"complete"}
    (study_run,) = mlflow_runs(uri, "tune_plugged", "study")
    assert study_run.info.status == "FINISHED" and study_run.data.tags["ganbench.lease_until"] == "0"


def test_a_worker_that_cannot_load_the_loss_fails_the_command(tmp_path):
    plugins = plugin(tmp_path, "shy_hinge", fail_in_workers=True)
    path = spec(tmp_path, BENCHMARK, "shy", "shy_hinge")
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    proc = ganbench(tmp_path, "--registry", str(plugins), "benchmark", str(path), "--storage", storage)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    err = " ".join(proc.stderr.split())
    assert "2 of 2 local worker(s) failed" in err and "refuses to load in a worker process" in err
    (invocation,) = mlflow_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", "shy", "invocation")
    assert invocation.info.status == "FAILED"
    assert "refuses to load" in invocation.data.tags["failure_reason"]


def test_a_model_whose_loss_raises_fails_the_command_with_the_reason(tmp_path):
    plugins = plugin(tmp_path, "boom_hinge", raises=True)
    path = spec(tmp_path, BENCHMARK, "boom", "boom_hinge")
    proc = ganbench(tmp_path, "--registry", str(plugins), "benchmark", str(path), "--jobs", "2")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    err = " ".join(proc.stderr.split())
    assert "training failed: RuntimeError: boom in g_loss (at" in err and "boom_hinge.py:" in err
    assert "Traceback" not in proc.stderr
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (invocation,) = mlflow_runs(uri, "boom", "invocation")
    assert invocation.info.status == "FAILED"
    trained = [r for r in mlflow_runs(uri, "boom") if "ganbench.key" in r.data.tags]
    assert trained and {r.info.status for r in trained} == {"KILLED"}  # released: redone at once


def test_a_killed_tune_leaves_its_study_run_to_be_closed_by_the_next_worker(tmp_path):
    path = spec(tmp_path, TUNE, "tune_killed", "hinge", g_steps=200000, n_trials=4)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    log = tmp_path / "tune.log"
    with log.open("w") as out:  # a file, not a pipe nobody reads: the log is there when it fails
        proc = subprocess.Popen(
            [GANBENCH, "tune", str(path), "--jobs", "2", "--batch", "1"],
            cwd=tmp_path,
            env=env_without_stores(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.time() + 240
        while not (tmp_path / "optuna.db").exists() or not _running_trials(storage):
            alive = proc.poll() is None and time.time() < deadline
            assert alive, f"no trial started:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)  # tune and its workers at once: nobody lets go
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    (study_run,) = mlflow_runs(uri, "tune_killed", "study")
    assert study_run.info.status == "RUNNING"  # what the issue measured: stuck for ever

    worker = ganbench(tmp_path, "worker", "--storage", storage, "--timeout", "0")
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    assert "now marked KILLED" in " ".join(worker.stdout.split())
    (study_run,) = mlflow_runs(uri, "tune_killed", "study")
    assert study_run.info.status == "KILLED"
    assert "closed by ganbench worker" in study_run.data.tags["ganbench.closed"]


def _running_trials(storage: str) -> list:
    import optuna
    from optuna.trial import TrialState

    from ganbench.experiment.store_check import creating_lock, retry_creation_race

    with creating_lock(storage):  # not while tune creates the file's tables (a race of the test's)
        summaries = retry_creation_race(lambda: optuna.get_all_study_summaries(storage))
    if not summaries:
        return []
    study = optuna.load_study(study_name=summaries[0].study_name, storage=storage)
    return study.get_trials(states=(TrialState.RUNNING,))


def test_a_tune_whose_every_trial_fails_exits_non_zero(tmp_path):
    plugins = plugin(tmp_path, "boom_hinge", raises=True)
    path = spec(tmp_path, TUNE, "tune_boom", "boom_hinge", n_trials=2)
    proc = ganbench(tmp_path, "--registry", str(plugins), "tune", str(path), "--jobs", "1")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = " ".join(proc.stdout.split())
    assert "Every trial failed (2 failed, none complete)" in out and "0 complete" in out
    err = " ".join(proc.stderr.split())
    assert "failed: RuntimeError: boom in g_loss" in err and "Traceback" not in proc.stderr
    trials = mlflow_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", "tune_boom", "trial")
    assert trials and all("boom in g_loss" in r.data.tags["failure_reason"] for r in trials)
