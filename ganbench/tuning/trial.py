"""One tuning trial: sample, train the arm's configuration for its seeds in lockstep, report to the
pruner at every evaluation, record the trial in MLflow, and hand the objective values to Optuna."""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

from ganbench.experiment.cell_run import CellOutcome, CellTask, run_cell
from ganbench.experiment.spec import Cell
from ganbench.tracking.tracker import Tracker
from ganbench.tracking.trials import TrialRecord, log_trial
from ganbench.train.config import TrainConfig
from ganbench.train.records import LogRecord
from ganbench.tuning.objective import aggregate, objective_values, suggest
from ganbench.tuning.spec import Tuning, with_search_values
from ganbench.tuning.studies import frozen


def trial_key(study_name: str, trial) -> str:
    """MLflow identity of a trial: a retry after a lost worker keeps its original trial number."""
    return f"{study_name}#{frozen(trial).system_attrs.get('failed_trial', trial.number)}"


@dataclass
class TrialRun:
    """One trial between being asked for and being told: its values, configuration, pruning hook
    and the MLflow record it will write."""

    trial: object
    values: dict
    config: TrainConfig
    pruning: Pruning
    record: TrialRecord

    def task(self, folder: str) -> CellTask:
        return CellTask(self.config.model_dump(mode="json"), folder, sample_images="none")


@dataclass
class TuneObjective:
    """The Optuna objective of one arm's study (callable with a ``Trial``). Batched tuning uses its
    parts — :meth:`start`, :meth:`finish`, :meth:`failed` — around one population of trials."""

    tuning: Tuning
    arm: Cell
    study_name: str
    tracker: Tracker
    experiment_id: str
    parent_run_id: str

    def __call__(self, trial) -> float | list[float]:
        run = self.start(trial)
        try:
            with tempfile.TemporaryDirectory(prefix="ganbench-trial-") as tmp:
                outcome = run_cell(run.task(tmp), on_eval=run.pruning)
        except Exception as exc:  # record why in MLflow, then let Optuna mark the trial FAIL
            self.failed(run, exc)
            raise
        return self.finish(run, outcome)

    def start(self, trial) -> TrialRun:
        """Sample the trial's values and build its configuration (a bad one raises GanbenchError)."""
        objectives = self.tuning.objectives
        values = suggest(trial, self.tuning.spec.search)
        where = f"{self.tuning.path} (trial {trial.number})"
        cfg = with_search_values(self.arm, values, where)
        pruning = Pruning(
            trial,
            objectives[0].metric,
            objectives[0].aggregate or "mean",
            objectives[0].direction,
            enabled=len(objectives) == 1,
        )
        record = TrialRecord(
            trial_key(self.study_name, trial),
            trial.number,
            "failed",
            values,
            cfg,
            [math.nan] * len(objectives),
            [o.metric for o in objectives],
            pruning.history(),
            None,
        )
        self.tracker.discard_incomplete(self.experiment_id, [record.key])
        return TrialRun(trial, values, cfg, pruning, record)

    def failed(self, run: TrialRun, exc: BaseException) -> None:
        """Record in MLflow why training failed (Optuna is told FAIL by the caller)."""
        run.record.reason = f"{type(exc).__name__}: {exc}"
        log_trial(self.tracker, self.experiment_id, self.parent_run_id, run.record)
        print(
            f"ganbench: trial {run.record.number} of {self.study_name} failed: {run.record.reason}",
            file=sys.stderr,
        )

    def finish(self, run: TrialRun, outcome: CellOutcome) -> float | list[float]:
        """Record the trained trial in MLflow; return its objective value(s) for Optuna, or raise
        ``TrialPruned`` for a pruned one."""
        import optuna

        record, pruning = run.record, run.pruning
        objectives = self.tuning.objectives
        record.outcome, record.intermediate = outcome, pruning.history()
        record.values = objective_values(per_seed_finals(outcome), objectives)
        if pruning.pruned:
            record.state = "pruned"
        elif all(np.isfinite(record.values)):
            record.state = "complete"
        else:
            record.reason = "no seed has a finite value for " + ", ".join(
                o.metric for o, v in zip(objectives, record.values, strict=True) if not np.isfinite(v)
            )
        log_trial(self.tracker, self.experiment_id, self.parent_run_id, record)
        if record.state == "pruned":
            raise optuna.TrialPruned(f"pruned at generator update {pruning.steps[-1]}")
        # An undefined objective (no seed has a finite value) goes back as NaN: Optuna records the
        # trial as FAIL with one warning line, where an exception would print a traceback.
        return record.values[0] if len(record.values) == 1 else record.values


def per_seed_finals(outcome: CellOutcome) -> dict[str, np.ndarray]:
    """``<metric>`` → per-seed final value, from ``final/<metric>`` and ``stability/<quantity>``."""
    names = {k for s in outcome.seeds for k in s.final}
    out = {}
    for name in names:
        values = np.array([s.final.get(name, math.nan) for s in outcome.seeds], dtype=float)
        out[name.removeprefix("final/")] = values
    return out


class Pruning:
    """The ``on_eval`` hook: report the aggregated metric at each evaluation, say when to prune."""

    def __init__(self, trial, metric: str, how: str, direction: str, enabled: bool) -> None:
        self.trial, self.metric, self.how, self.direction, self.enabled = (
            trial,
            metric,
            how,
            direction,
            enabled,
        )
        self.steps: list[int] = []
        self.values: list[float] = []
        self.pruned = False

    def __call__(self, record: LogRecord) -> bool:
        if self.metric not in record.values or not record.active.any():
            return False
        step = int(record.step[record.active].max())
        value = aggregate(record.values[self.metric][record.active], self.how, self.direction)
        if (self.steps and step <= self.steps[-1]) or not math.isfinite(value):
            return False
        self.steps.append(step)
        self.values.append(value)
        if not self.enabled:
            return False
        self.trial.report(value, step)
        self.pruned = self.trial.should_prune()
        return self.pruned

    def history(self) -> tuple[str, list[int], list[float]]:
        return self.metric, self.steps, self.values
