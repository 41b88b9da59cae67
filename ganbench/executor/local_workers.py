"""Worker processes on this machine for ``ganbench tune`` and ``ganbench benchmark --storage``: the
same ``ganbench worker`` that runs on other machines, followed here by a progress bar that reads
the studies (so workers started elsewhere show up in it too)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ganbench.tuning.studies import StudyInfo, counted_trials, describe_trial, objective_keys

STORAGE_ENV = "GANBENCH_STORAGE"
#: MLflow's own variable: ``ganbench worker`` reads the tracking URI from it when none is given.
TRACKING_ENV = "MLFLOW_TRACKING_URI"
#: Which of the local workers this is (0 … jobs − 1); offsets a seeded sampler (see worker.py).
WORKER_INDEX_ENV = "GANBENCH_WORKER_INDEX"


def finished_trials(storage, info: StudyInfo) -> tuple[list, list[str]]:
    """The study's finished trials that count (a lost worker's failed-and-retried trial does not),
    and its objectives' metric keys."""
    import optuna

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
    """``jobs`` worker processes on this machine (the storage URL and the tracking URI go by
    environment, never on a command line that ``ps`` shows); a progress bar follows the studies
    until they end, calling ``on_poll`` every few seconds (to renew a lease)."""
    threads = max(1, (os.cpu_count() or 1) // jobs)  # workers × threads ≈ cores (oversubscribed is slower)
    command = [sys.executable, "-m", "ganbench", "worker", "--quiet"]
    command += ["--threads", str(threads)]
    for info in infos:
        command += ["--study", info.name]
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    if batch is not None:
        command += ["--batch", str(batch)]
    env = {**os.environ, STORAGE_ENV: url, TRACKING_ENV: tracking_uri}
    procs = [
        subprocess.Popen(command, env={**env, WORKER_INDEX_ENV: str(i)}, stdout=subprocess.DEVNULL)
        for i in range(jobs)
    ]
    columns = (TextColumn("trials"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    seen: set[tuple[str, int]] = set()
    try:
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("trials", total=total)
            while True:
                alive = any(p.poll() is None for p in procs)
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
    except BaseException:  # Ctrl-C: stop the workers; their trials are retried by the next run
        for p in procs:
            p.terminate()
        raise
    failed = [p.returncode for p in procs if p.returncode]
    if failed:
        console.print(f"[yellow]{len(failed)} worker(s) ended with exit codes {failed}.[/]")
