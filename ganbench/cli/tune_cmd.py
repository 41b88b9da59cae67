"""``ganbench tune``: create or continue a tuning spec's studies, work them with local workers (any
number of workers elsewhere may join through the same storage), then report the best trials and
the budget curves. While it works, it holds the studies' MLflow runs (owner and lease, see
:mod:`ganbench.tracking.study_leases`); stopped by a signal it marks them KILLED, failed FAILED,
and with ``--jobs 0`` SCHEDULED for the workers to come."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from ganbench.errors import WorkFailed
from ganbench.executor.local_workers import STORAGE_ENV, finished_trials, run_local_workers
from ganbench.executor.worker import run_worker
from ganbench.experiment.interrupts import shielded
from ganbench.experiment.masking import mask_url
from ganbench.experiment.store_check import check_sqlite_store
from ganbench.tracking.claims import owner_id
from ganbench.tracking.study_leases import StudyLeases
from ganbench.tracking.tracker import Tracker, resolve_uri
from ganbench.tracking.ui_links import print_ui_link
from ganbench.tuning import spec as tuning_spec
from ganbench.tuning.optuna_parts import DEFAULT_STORAGE, open_storage
from ganbench.tuning.results import summarise
from ganbench.tuning.setup import prepare_studies
from ganbench.tuning.studies import PARENT_RUN


def resolve_storage(url: str | None) -> str:
    """``--storage``, else ``GANBENCH_STORAGE``, else the embedded ``sqlite:///optuna.db``."""
    return url or os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE


def run_tune(
    console: Console,
    path: Path,
    storage_url: str | None,
    tracking_uri: str | None,
    jobs: int,
    only: list[str],
    out: Path | None,
    batch: int | None = None,
    n_trials: int | None = None,
) -> int:
    """Validate everything, then train; returns the exit code."""
    tuning = tuning_spec.load(path, only)
    if n_trials is not None:  # the budget per study, instead of the spec's n_trials
        tuning = replace(tuning, spec=tuning.spec.model_copy(update={"n_trials": n_trials}))
    url = resolve_storage(storage_url)
    check_sqlite_store(url, "study storage")  # both stores checked before either is written
    check_sqlite_store(resolve_uri(tracking_uri))
    storage = open_storage(url)
    tracker = Tracker.connect(tracking_uri)
    closed = tracker.close_dead_invocations(
        tracker.experiment_id(tuning.spec.name), "", by=f"ganbench tune ({owner_id()})"
    )
    infos = prepare_studies(storage, url, tuning, tracker)
    total = len(infos) * tuning.spec.n_trials
    done_before = sum(min(len(finished_trials(storage, i)[0]), tuning.spec.n_trials) for i in infos)
    console.print(
        f"[bold]{tuning.spec.name}[/]: {len(infos)} stud{'y' if len(infos) == 1 else 'ies'} × "
        f"{tuning.spec.n_trials} trials ({done_before} done before), {jobs} local worker(s); "
        f"studies in {mask_url(url)}, runs in {tracker.shown}. More workers may join from anywhere: "
        f"ganbench worker --storage URL --tracking-uri {tracker.shown}",
        highlight=False,
    )
    if closed:
        console.print(
            f"{len(closed)} run(s) of a killed earlier invocation or worker were still RUNNING; now marked "
            f"KILLED: {', '.join(closed)}.",
            highlight=False,
        )
    names = [i.name for i in infos]
    leases = StudyLeases(tracker)
    runs = [str(i.attrs[PARENT_RUN]) for i in infos]
    for run_id in runs:
        leases.hold(run_id)
    status, failure = "KILLED", ""
    try:
        if jobs == 0:
            if done_before < total:
                status = "SCHEDULED"
                console.print(
                    f"Queued; no local worker (--jobs 0). Start workers anywhere: ganbench worker "
                    f"--tracking-uri {tracker.shown} (storage from GANBENCH_STORAGE or --storage), then "
                    "run this command again to tag the best trials and write the budget curves.",
                    highlight=False,
                )
                return 0
        elif jobs == 1:
            run_worker(storage, tracker, console, names, timeout=tuning.spec.timeout, batch=batch)
        else:
            run_local_workers(
                console, url, tracker.uri, infos, jobs, tuning.spec.timeout, storage, total, batch
            )
        status = ""  # summarise closes the study runs (FINISHED, or KILLED where trials are left)
    except WorkFailed as exc:
        status, failure = "FAILED", str(exc)
        raise
    finally:
        with shielded():  # a stop signal's clean-up runs to its end
            for run_id in runs:
                if status:
                    leases.let_go(run_id, status, failure)
            leases.close()
    states = summarise(
        console, storage, tracker, tuning, infos, out or Path("reports") / tuning.spec.name / "tuning"
    )
    print_ui_link(console, tracker.uri, tuning.spec.name)
    if states["fail"] and not states["complete"]:
        console.print(
            f"[bold red]Every trial failed[/] ({states['fail']} failed, none complete): the reasons are "
            "printed above and kept on each trial's MLflow run (tag failure_reason); no setting was tuned.",
            highlight=False,
        )
        return 1
    return 0
