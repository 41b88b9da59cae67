"""``ganbench worker``: take trials from every ganbench study in a shared Optuna storage until none
is left, on this machine, beside any number of other workers.

No scheduler of our own: a tuning trial is claimed by Optuna (``study.optimize`` pops a queued
trial or asks the sampler for a new one), a benchmark model is a queued trial (see ``queue.py``).
Optuna's heartbeat marks a trial whose worker died as failed after the grace period, and its retry
callback queues a copy, which the next worker to look picks up. A worker ends when no study has
work left and no trial is running elsewhere (it waits for those: their worker may die, and the
retry is work).
"""

from __future__ import annotations

import time
import warnings

from optuna.storages import fail_stale_trials
from optuna.trial import TrialState
from rich.console import Console

from ganbench.executor.queue import benchmark_unit
from ganbench.executor.study_unit import StudyUnit
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.batch import BatchUnit
from ganbench.tuning.studies import BENCHMARK, TUNE, StudyInfo, ganbench_studies, states
from ganbench.tuning.unit import tuning_unit

POLL_SECONDS = 2.0


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
    units: dict[str, StudyUnit] = {}
    while True:
        progressed, busy = False, False
        for info in ganbench_studies(storage, names):
            if timeout is not None and time.monotonic() - started > timeout:
                console.print(f"worker: time limit of {timeout:.0f} s reached after {done} trial(s).")
                return done
            if info.name not in units:
                units[info.name] = _unit(storage, tracker, console, info, seed_offset, batch)
            study = units[info.name].study
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # fail_stale_trials is marked experimental
                fail_stale_trials(study)
            ran = int(units[info.name]())  # a unit runs one trial, or one batch of them
            if ran:
                progressed, done = True, done + ran
            # Wait for trials running elsewhere only where a lost one would be noticed (heartbeat):
            # a journal file has none, and its RUNNING trials of a dead worker never end.
            busy = busy or (heartbeat and bool(_running(study)))
        if not progressed:
            if not busy:
                return done
            time.sleep(poll)  # others are training; their trials may still come back as retries


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
