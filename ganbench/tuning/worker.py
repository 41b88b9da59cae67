"""``ganbench worker``: take trials from every ganbench study in a shared Optuna storage until none
is left, on this machine, beside any number of other workers.

No scheduler of our own: a tuning trial is claimed by Optuna (``study.optimize`` pops a queued
trial or asks the sampler for a new one), a benchmark cell is a queued trial. Optuna's heartbeat
marks a trial whose worker died as failed after the grace period, and its retry callback queues a
copy, which the next worker to look picks up. A worker ends when no study has work left and no
trial is running elsewhere (it waits for those: their worker may die, and the retry is work).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from rich.console import Console

from ganbench.tracking.tracker import Tracker
from ganbench.tuning.studies import (
    BENCHMARK,
    N_TRIALS,
    TUNE,
    StudyInfo,
    counted_trials,
    describe_trial,
    ganbench_studies,
    objective_keys,
    states,
)

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
    from optuna.storages import fail_stale_trials

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
    from optuna.trial import TrialState

    return states(study, TrialState.RUNNING)


class StudyUnit:
    """Runs one trial of a study when it has work left; returns whether it ran one."""

    def __init__(
        self,
        study,
        objective,
        has_work: Callable[[], bool],
        console: Console,
        label: str,
        say: bool = True,
    ) -> None:
        self.study, self.objective, self.has_work = study, objective, has_work
        self.console, self.label = console, label
        self.callbacks = [self._say] if say else []

    def __call__(self) -> bool:
        if not self.has_work():
            return False
        self.study.optimize(
            self.objective, n_trials=1, catch=(Exception,), callbacks=self.callbacks, gc_after_trial=False
        )
        return True

    def _say(self, study, trial) -> None:
        self.console.print(describe_trial(self.label, trial, objective_keys(study)), highlight=False)


def _unit(
    storage, tracker: Tracker, console: Console, info: StudyInfo, seed_offset: int, batch: int | None
) -> StudyUnit:
    """The unit of work of a study, by its kind."""
    if info.kind == TUNE:
        return _tuning_unit(storage, tracker, console, info, seed_offset, batch)
    if info.kind == BENCHMARK:
        from ganbench.experiment.distributed import benchmark_unit

        return benchmark_unit(storage, tracker, console, info)
    raise ValueError(f"unknown study kind {info.kind!r}")


def _seeded(sampler: str | dict, offset: int) -> str | dict:
    """A seeded sampler in several workers would propose the same trials in each: each worker adds
    its own offset to the seed (0 for ``tune --jobs 1`` and worker 0, so those keep it exactly)."""
    if not isinstance(sampler, dict) or sampler.get("seed") is None:
        return sampler
    return {**sampler, "seed": int(sampler["seed"]) + offset}


def default_batch(arm) -> int:
    """Trials per batch that fill the device: the benchmark's member cap over the trial's seeds."""
    from ganbench.experiment.runner import auto_population

    return max(1, auto_population(arm.config.device) // len(arm.config.seeds))


def _tuning_unit(
    storage, tracker: Tracker, console: Console, info: StudyInfo, seed_offset: int, batch: int | None
):
    import optuna
    from optuna.trial import TrialState

    from ganbench.tuning.batch import BatchUnit, batch_sampler
    from ganbench.tuning.optuna_parts import make_pruner, make_sampler
    from ganbench.tuning.setup import arm_of, objective_for

    tuning, arm = arm_of(info)
    batch = batch or default_batch(arm)
    sampler_spec = batch_sampler(tuning.spec.sampler, batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some samplers are marked experimental
        sampler = make_sampler(_seeded(sampler_spec, seed_offset), tuning.path)
        pruner = make_pruner(tuning.spec.pruner, tuning.path)
    study = optuna.load_study(study_name=info.name, storage=storage, sampler=sampler, pruner=pruner)
    n_trials = int(info.attrs.get(N_TRIALS, tuning.spec.n_trials))

    def has_work() -> bool:
        return bool(states(study, TrialState.WAITING)) or len(counted_trials(study)) < n_trials

    label = f"{arm.config.dataset.name} | {arm.label}"
    objective = objective_for(tuning, arm, info, tracker)
    if batch > 1:
        return BatchUnit(storage, study, objective, n_trials, batch, console, label)
    return StudyUnit(study, objective, has_work, console, label)
