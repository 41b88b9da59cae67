"""A tuning study's unit of work for a queue worker: one batch of trials asked at once and trained
as batched models (:mod:`ganbench.tuning.batch`), or one trial at a time."""

from __future__ import annotations

import warnings

import optuna
from optuna.trial import TrialState
from rich.console import Console

from ganbench.executor.packing import auto_population
from ganbench.executor.study_unit import StudyUnit
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.batch import BatchUnit, batch_sampler
from ganbench.tuning.optuna_parts import make_pruner, make_sampler
from ganbench.tuning.setup import arm_of, objective_for
from ganbench.tuning.studies import N_TRIALS, StudyInfo, counted_trials, states


def _seeded(sampler: str | dict, offset: int) -> str | dict:
    """A seeded sampler in several workers would propose the same trials in each: each worker adds
    its own offset to the seed (0 for ``tune --jobs 1`` and worker 0, so those keep it exactly)."""
    if not isinstance(sampler, dict) or sampler.get("seed") is None:
        return sampler
    return {**sampler, "seed": int(sampler["seed"]) + offset}


def default_batch(arm) -> int:
    """Trials per batch that fill the device: the benchmark's member cap over the trial's seeds."""
    return max(1, auto_population(arm.config.device) // len(arm.config.seeds))


def tuning_unit(
    storage, tracker: Tracker, console: Console, info: StudyInfo, seed_offset: int, batch: int | None
) -> StudyUnit | BatchUnit:
    """The unit of a tuning study: batches of ``batch`` trials (None: :func:`default_batch`), or
    one trial at a time through ``study.optimize`` when ``batch`` is 1."""
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
