"""``ganbench worker``: take trials from every ganbench study in a shared Optuna storage until none
is left, on this machine, beside any number of other workers.

No scheduler of our own: a tuning trial is claimed by Optuna (``study.optimize`` pops a queued
trial or asks the sampler for a new one), a benchmark model is a queued trial (see ``queue.py``).
Optuna's heartbeat marks a trial whose worker died as failed after the grace period, and its retry
callback queues a copy, which the next worker to look picks up. A worker ends when no study has
work left and no trial is running elsewhere (it waits for those: their worker may die, and the
retry is work). While it works on a tuning study it holds the study's MLflow run (owner and
lease, :mod:`ganbench.tracking.study_leases`), and it closes runs that killed processes left RUNNING.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

from optuna.storages import fail_stale_trials
from optuna.trial import TrialState
from rich.console import Console

from ganbench.errors import describe
from ganbench.executor.queue import benchmark_unit
from ganbench.executor.study_unit import StudyUnit
from ganbench.experiment.interrupts import shielded
from ganbench.experiment.store_check import check_sqlite_store
from ganbench.tracking.claims import owner_id
from ganbench.tracking.study_leases import StudyLeases
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.batch import BatchUnit
from ganbench.tuning.hand_back import quiet_interrupts
from ganbench.tuning.optuna_parts import GRACE_PERIOD, HEARTBEAT_INTERVAL, open_storage
from ganbench.tuning.studies import (
    BENCHMARK,
    EXPERIMENT,
    PARENT_RUN,
    TUNE,
    StudyInfo,
    ganbench_studies,
    states,
)
from ganbench.tuning.unit import tuning_unit

POLL_SECONDS = 2.0


@dataclass(frozen=True)
class WorkerSettings:
    """What a queue worker is told: the stores (``url``: the Optuna storage; ``tracking_uri``), the
    studies to work on (None: all), a time limit, the tuning batch, its seed offset (each worker of
    a seeded sampler needs its own), the heartbeat and its grace, and whether it prints a line per
    trial."""

    url: str
    tracking_uri: str | None
    names: list[str] | None = None
    timeout: float | None = None
    batch: int | None = None
    seed_offset: int = 0
    quiet: bool = False
    heartbeat: int = HEARTBEAT_INTERVAL
    grace: int = GRACE_PERIOD


def serve(settings: WorkerSettings, console: Console | None = None) -> int:
    """A queue worker from start to end — what ``ganbench worker`` runs and what ``tune`` and
    ``benchmark --storage`` start locally (:mod:`ganbench.executor.local_workers`): connect to both
    stores, take trials until none is left, say how many ran. Returns the exit code (0). Stopped by
    a signal (:class:`~ganbench.experiment.interrupts.Interrupted`), it hands its trial back to the
    queue and re-raises."""
    console = console or Console()
    quiet_interrupts()
    check_sqlite_store(settings.url, "study storage")  # a refused login or a damaged file: at once
    store = open_storage(settings.url, heartbeat=settings.heartbeat, grace=settings.grace)
    tracker = Tracker.connect(settings.tracking_uri)
    out = Console(quiet=True) if settings.quiet else console
    done = run_worker(
        store,
        tracker,
        out,
        settings.names,
        settings.timeout,
        seed_offset=settings.seed_offset,
        batch=settings.batch,
    )
    out.print(f"worker: {done} trial(s) run here; no work left.")
    return 0


def run_worker(
    storage,
    tracker: Tracker,
    console: Console,
    names: list[str] | None = None,
    timeout: float | None = None,
    poll: float = POLL_SECONDS,
    seed_offset: int = 0,
    batch: int | None = None,
) -> int:
    """Work until nothing is left (or ``timeout`` seconds have passed); returns trials run here.
    ``seed_offset`` is added to a seeded sampler's seed (each worker needs its own). ``batch``:
    tuning trials asked at once and trained as one batched model (None: as many as fill the
    device, see :func:`default_batch`; 1: one trial at a time through ``study.optimize``)."""
    heartbeat = getattr(storage, "get_heartbeat_interval", lambda: None)() is not None
    started, done = time.monotonic(), 0
    units: dict[str, StudyUnit | BatchUnit] = {}
    leases, held = StudyLeases(tracker), {}
    ending, failure = "", ""
    try:
        while True:
            progressed, busy = False, False
            for info in ganbench_studies(storage, names):
                if info.name not in units:
                    _close_dead_runs(tracker, console, info)
                    units[info.name] = _unit(storage, tracker, console, info, seed_offset, batch)
                if timeout is not None and time.monotonic() - started > timeout:
                    console.print(f"worker: time limit of {timeout:.0f} s reached after {done} trial(s).")
                    return done
                unit = units[info.name]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # fail_stale_trials is marked experimental
                    fail_stale_trials(unit.study)
                run_id = info.attrs.get(PARENT_RUN) if info.kind == TUNE else None
                if run_id and info.name not in held and unit.has_work():
                    leases.hold(str(run_id))  # this worker works on the study: its run is RUNNING
                    held[info.name] = str(run_id)
                ran = int(unit())  # a unit runs one trial, or one batch of them
                if ran:
                    progressed, done = True, done + ran
                # Wait for trials running elsewhere only where a lost one would be noticed (heartbeat):
                # a journal file has none, and its RUNNING trials of a dead worker never end.
                busy = busy or (heartbeat and bool(_running(unit.study)))
            if not progressed:
                if not busy:
                    return done
                time.sleep(poll)  # others are training; their trials may still come back as retries
    except KeyboardInterrupt:
        ending = "SCHEDULED"  # its trial went back to the queue (see StudyUnit, BatchUnit)
        raise
    except Exception as exc:
        ending, failure = "FAILED", f"a worker failed: {describe(exc)}"
        raise
    finally:
        with shielded():  # a stop signal's clean-up runs to its end
            for name, run_id in held.items():
                leases.let_go(run_id, _study_run_status(units[name], ending), failure)
            leases.close()


def _study_run_status(unit: StudyUnit | BatchUnit, ending: str) -> str | None:
    """How a worker leaves a study's run (see :mod:`ganbench.tracking.study_leases`): None while
    trials run elsewhere; else ``ending`` when the worker stops early, FINISHED when nothing is
    left, SCHEDULED when trials are left for workers to come."""
    if _running(unit.study):
        return None
    if ending:
        return ending
    return "SCHEDULED" if unit.has_work() else "FINISHED"


def _close_dead_runs(tracker: Tracker, console: Console, info: StudyInfo) -> None:
    """Close the runs a killed invocation or worker left RUNNING in the study's experiment."""
    experiment = info.attrs.get(EXPERIMENT)
    if not experiment:
        return
    closed = tracker.close_dead_invocations(
        tracker.experiment_id(str(experiment)), "", by=f"ganbench worker ({owner_id()})"
    )
    if closed:
        console.print(
            f"worker: {len(closed)} run(s) of a killed invocation or worker were still RUNNING in "
            f"experiment {experiment}; now marked KILLED: {', '.join(closed)}.",
            highlight=False,
        )


def _running(study) -> list:
    return states(study, TrialState.RUNNING)


def _unit(
    storage, tracker: Tracker, console: Console, info: StudyInfo, seed_offset: int, batch: int | None
) -> StudyUnit | BatchUnit:
    """The unit of work of a study, by its kind."""
    if info.kind == TUNE:
        return tuning_unit(storage, tracker, console, info, seed_offset, batch)
    if info.kind == BENCHMARK:
        return benchmark_unit(storage, tracker, console, info)
    raise ValueError(f"unknown study kind {info.kind!r}")
