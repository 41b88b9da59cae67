"""Worker processes on this machine for ``ganbench tune`` and ``ganbench benchmark --storage``: the
same queue worker that ``ganbench worker`` runs on other machines (:func:`ganbench.executor.worker.serve`),
started the one way workers are (:mod:`ganbench.executor.processes`, so they carry this process's
plugins and settings), followed here by a progress bar that reads the studies (so workers started
elsewhere show up in it too). A worker that fails fails the command, saying which and why
(:class:`~ganbench.errors.WorkFailed`). Interrupted, this process stops its workers, and each hands
its trial back."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import optuna
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ganbench.errors import WorkFailed
from ganbench.executor import processes
from ganbench.executor.worker import WorkerSettings, serve
from ganbench.experiment.interrupts import shielded
from ganbench.tuning.studies import StudyInfo, counted_trials, describe_trial, objective_keys

STORAGE_ENV = "GANBENCH_STORAGE"
#: MLflow's own variable: ``ganbench worker`` reads the tracking URI from it when none is given.
TRACKING_ENV = "MLFLOW_TRACKING_URI"


def finished_trials(storage, info: StudyInfo) -> tuple[list, list[str]]:
    """The study's finished trials that count (a lost worker's failed-and-retried trial does not),
    and its objectives' metric keys."""
    study = optuna.load_study(study_name=info.name, storage=storage)
    return [t for t in counted_trials(study) if t.state.is_finished()], objective_keys(study)


def run_local_workers(
    console: Console,
    url: str,
    tracking_uri: str,
    infos: list[StudyInfo],
    jobs: int,
    timeout: float | None,
    storage,
    total: int,
    batch: int | None = None,
    on_poll: Callable[[], None] | None = None,
) -> None:
    """``jobs`` worker processes on this machine (the storage URL and the tracking URI reach them
    through a pipe, never on a command line that ``ps`` shows); a progress bar follows the studies
    until the workers end, calling ``on_poll`` every few seconds (to renew a lease). Raises
    :class:`~ganbench.errors.WorkFailed` when a worker failed (after the others ended)."""
    threads = max(1, (os.cpu_count() or 1) // jobs)  # workers × threads ≈ cores (oversubscribed is slower)
    inherited = processes.Inheritance.here(threads)
    names = [info.name for info in infos]
    workers = [
        processes.start(
            inherited,
            serve,
            (WorkerSettings(url, tracking_uri, names, timeout, batch, seed_offset=i, quiet=True),),
            f"worker {i + 1} of {jobs}",
        )
        for i in range(jobs)
    ]
    columns = (TextColumn("trials"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    seen: set[tuple[str, int]] = set()
    try:
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("trials", total=total)
            while True:
                alive = any(w.process.is_alive() for w in workers)
                finished = 0
                for info in infos:
                    trials, keys = finished_trials(storage, info)
                    finished += len(trials)
                    for t in trials:
                        if (info.name, t.number) not in seen:
                            seen.add((info.name, t.number))
                            progress.console.print(describe_trial(info.label, t, keys), highlight=False)
                progress.update(bar, completed=min(finished, total))
                if on_poll is not None:
                    on_poll()
                if not alive:
                    break
                time.sleep(2.0)
    except BaseException:  # a signal: stop the workers, each hands its trial back to the queue
        with shielded():
            processes.stop(workers)
        console.print(
            f"Stopped {len(workers)} local worker(s); each handed its running trial back to the queue.",
            highlight=False,
        )
        raise
    failed = [line for line in (w.failure() for w in workers) if line]
    if failed:
        raise WorkFailed(f"{len(failed)} of {jobs} local worker(s) failed: " + "; ".join(failed) + ".")
