"""A benchmark's models as queued trials of one Optuna study, taken by any number of
``ganbench worker`` processes on any machines that reach the same storage and MLflow tracking server.

The invocation packs its pending units exactly as a local run does (:func:`~ganbench.executor.packing.pack`)
and enqueues one trial per model, its units — ``[[cell key, [seeds]], …]`` — in the trial's user
attribute :data:`UNITS`. A worker pops a trial atomically through the storage, drops the seeds that
have a complete run by then (read from MLflow, so a retried model trains only what is missing),
deletes unfinished runs of the rest whose owner is gone, and trains them as one model through
:class:`~ganbench.executor.benchmark_runs.BenchmarkRuns`, as a local invocation does: MLflow ends
with one complete run per (cell, seed), and rerunning resumes. A worker that dies mid-model is
caught by Optuna's heartbeat, and the retry (a copy of the trial, user attributes included) queues
the model again.
"""

from __future__ import annotations

import tempfile
import warnings

import optuna
from optuna.trial import TrialState
from rich.console import Console

from ganbench.errors import describe
from ganbench.executor.benchmark_runs import BenchmarkRuns
from ganbench.executor.local import run_models
from ganbench.executor.packing import Model, Packing, Unit, model_label, pack
from ganbench.executor.study_unit import StudyUnit
from ganbench.experiment import spec
from ganbench.experiment.cell_run import CellOutcome
from ganbench.experiment.interrupts import shielded
from ganbench.experiment.masking import mask_text
from ganbench.experiment.spec import Cell, Experiment
from ganbench.tracking.live import LiveRuns
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.studies import (
    BENCHMARK,
    EXPERIMENT,
    KIND,
    LABEL,
    MODEL,
    PARENT_RUN,
    SPEC,
    SPEC_PATH,
    UNITS,
    StudyInfo,
    frozen,
    states,
)

ONLY = "ganbench.only"
#: A queued model's user attribute saying why its training failed (``Type: message (at file:line)``).
FAILURE = "ganbench.failure"
#: The fixed parameter a queued cell had before models were queued (such trials still run).
OLD_CELL = "cell"


def study_name(exp: Experiment) -> str:
    """The study that queues an experiment's models."""
    return f"benchmark:{exp.spec.name}"


def queued_keys(study, cells: dict[str, Cell]) -> set[str]:
    """Run keys of the (cell, seed) pairs in trials waiting or running now."""
    keys = set()
    for trial in states(study, TrialState.WAITING, TrialState.RUNNING):
        for cell, seeds in trial_units(trial, cells) or []:
            keys.update(cell.run_key(s) for s in seeds)
    return keys


def trial_units(trial, cells: dict[str, Cell]) -> list[Unit] | None:
    """The units a queued trial (frozen) trains; None for a trial that was not queued by a
    benchmark (a worker that lost the race for the last one gets a fresh, empty trial)."""
    raw = trial.user_attrs.get(UNITS)
    if raw is None:
        old = trial.system_attrs.get("fixed_params", {}).get(OLD_CELL)
        if old is None:
            return None
        raw = [[old, list(cells[old].config.seeds)]] if old in cells else [[old, []]]
    return [(cells[key], [int(s) for s in seeds]) for key, seeds in raw if key in cells]


def queue_models(
    storage, exp: Experiment, only: list[str], parent: str, units: list[Unit], population: Packing | None
) -> tuple[object, list[Model], int]:
    """Create (or continue) the experiment's study, store what workers need to rebuild the spec, and
    enqueue one trial per model of the ``units`` not already waiting or running. Returns the study,
    the models queued now and the runs that were queued already."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(
            study_name=study_name(exp),
            storage=storage,
            load_if_exists=True,
            sampler=optuna.samplers.RandomSampler(),
        )
    queued = queued_keys(study, {c.key: c for c in exp.cells})
    rest = [(cell, [s for s in seeds if cell.run_key(s) not in queued]) for cell, seeds in units]
    models = pack([(cell, seeds) for cell, seeds in rest if seeds], population)
    attrs = {
        KIND: BENCHMARK,
        SPEC: exp.spec.model_dump(mode="json"),
        SPEC_PATH: exp.path,
        ONLY: only,
        EXPERIMENT: exp.spec.name,
        PARENT_RUN: parent,
        LABEL: f"benchmark {exp.spec.name}",
    }
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    for model in models:
        study.enqueue_trial(
            {},
            user_attrs={UNITS: [[cell.key, seeds] for cell, seeds in model], MODEL: model_label(model)},
        )
    already = sum(len(seeds) for _, seeds in units) - sum(len(seeds) for _, seeds in rest)
    return study, models, already


def failed_models(study, first: int = 0) -> list[str]:
    """Why each queued model from trial number ``first`` on failed (and was not handed back or
    retried): ``model label: reason``."""
    trials = study.get_trials(deepcopy=False)
    retried = {n for t in trials for n in t.system_attrs.get("retry_history", [])}
    return [
        f"{t.user_attrs.get(MODEL, f'trial {t.number}')}: {t.user_attrs[FAILURE]}"
        for t in trials
        if t.number >= first and t.state == TrialState.FAIL and t.number not in retried
        if FAILURE in t.user_attrs
    ]


def benchmark_unit(storage, tracker: Tracker, console: Console, info: StudyInfo) -> StudyUnit:
    """The worker's unit for a benchmark study: one queued model per trial."""
    where = str(info.attrs.get(SPEC_PATH, info.name))
    exp = spec.from_mapping(info.attrs[SPEC], where, only=list(info.attrs.get(ONLY) or []))
    cells = {c.key: c for c in exp.cells}
    study = optuna.load_study(study_name=info.name, storage=storage, sampler=optuna.samplers.RandomSampler())
    experiment_id = tracker.experiment_id(str(info.attrs[EXPERIMENT]))
    parent = str(info.attrs[PARENT_RUN])

    def objective(trial) -> float:
        units = trial_units(frozen(trial), cells)
        if units is None:
            # Two workers saw the last queued model; this one lost the race and got a fresh trial.
            raise optuna.TrialPruned("no queued model was left for this worker")
        done = tracker.completed_keys(experiment_id)
        todo = [(cell, [s for s in seeds if cell.run_key(s) not in done]) for cell, seeds in units]
        todo = [(cell, seeds) for cell, seeds in todo if seeds]
        tracker.discard_incomplete(experiment_id, [c.run_key(s) for c, seeds in todo for s in seeds])

        def say(cell: Cell, outcome: CellOutcome) -> None:
            label = f"{cell.config.dataset.name} | {cell.label}"
            console.print(f"{label}: {len(outcome.seeds)} run(s) logged", highlight=False)

        live = LiveRuns(tracker)
        try:
            with tempfile.TemporaryDirectory(prefix="ganbench-") as tmp:
                runs = BenchmarkRuns(tracker, experiment_id, parent, exp, live, tmp, on_done=say)
                run_models([todo] if todo else [], runs)
        except Exception as exc:  # the trial fails (Optuna); the queuing invocation reads why
            trial.set_user_attr(FAILURE, mask_text(describe(exc), [tracker.uri]))
            raise
        finally:
            with shielded():  # a stop signal's clean-up runs to its end
                tracker.release(live.unfinished())
        return float(runs.trained)

    def has_work() -> bool:
        return bool(states(study, TrialState.WAITING))

    return StudyUnit(study, objective, has_work, console, info.label, say=False)
