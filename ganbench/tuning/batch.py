"""Batched tuning: ask Optuna for k trials at once, train them as populations, tell each result.

Optuna's ask-and-tell interface hands out k trials; their configurations are grouped by what
members of one batched model must share (a sampled ``schedule.d_steps`` or network width splits a
batch; learning rates, betas and Batchable loss/schedule parameters do not), and each group trains
as one model. At every evaluation each trial reports to the pruner and a pruned trial's members
stop there while the rest go on. Each trial is then recorded in MLflow exactly as a trial run one
at a time, and told back. While a batch trains, every one of its trials beats its heartbeat, so a
worker that dies mid-batch loses its trials to the retry mechanism like any other worker.

With a TPE sampler the batch asks with ``constant_liar`` (unless the spec sets it): trials still
running count as bad guesses, so k trials asked together spread out instead of piling up.
A worker stopped by a signal hands the batch's untold trials back to the queue at once.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console

from ganbench.executor.packing import pack_configs
from ganbench.experiment.cell_run import run_cells
from ganbench.experiment.interrupts import shielded, signal_name
from ganbench.tuning.hand_back import hand_back
from ganbench.tuning.studies import counted_trials, describe_trial, objective_keys, states
from ganbench.tuning.trial import TrialRun, TuneObjective


def _raise(exc: BaseException):
    raise exc


def batch_sampler(sampler: str | dict, batch: int) -> str | dict:
    """The spec's sampler, with TPE's ``constant_liar`` switched on for batches (unless set)."""
    ref = {"name": sampler} if isinstance(sampler, str) else dict(sampler)
    if batch > 1 and str(ref.get("name", "")).lower() in ("tpe", "tpesampler"):
        ref.setdefault("constant_liar", True)
    return ref


class Heartbeat:
    """Beats for the given trials every ``interval`` seconds (in a thread) while the block runs."""

    def __init__(self, storage, trial_ids: list[int]) -> None:
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self.storage, self.trial_ids, self.interval = storage, trial_ids, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _beat(self) -> None:
        for trial_id in self.trial_ids:
            self.storage.record_heartbeat(trial_id)

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self._beat()

    def __enter__(self) -> Heartbeat:
        if self.interval is not None:  # an RDB storage with heartbeats (a journal file has none)
            self._beat()
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()


class BatchUnit:
    """Runs one batch of up to ``batch`` trials of a study when it has work left; returns how many
    trials it ran (0: none left)."""

    def __init__(
        self,
        storage,
        study,
        objective: TuneObjective,
        n_trials: int,
        batch: int,
        console: Console,
        label: str,
        say: bool = True,
    ) -> None:
        self.storage, self.study, self.objective = storage, study, objective
        self.n_trials, self.batch = n_trials, batch
        self.console, self.label, self.say = console, label, say

    def size(self) -> int:
        """Trials to ask now: queued ones (retries, enqueued) first, then fresh ones up to the budget."""
        from optuna.trial import TrialState

        waiting = len(states(self.study, TrialState.WAITING))
        fresh = max(0, self.n_trials - len(counted_trials(self.study)))
        return min(self.batch, waiting + fresh)

    def has_work(self) -> bool:
        """Whether a trial is waiting or the budget has room for one."""
        return self.size() > 0

    def __call__(self) -> int:
        k = self.size()
        if k == 0:
            return 0
        with warnings.catch_warnings():
            # "Heartbeat of storage is supposed to be used with Study.optimize": Heartbeat below beats.
            warnings.simplefilter("ignore", UserWarning)
            # One at a time, rechecking the budget: another worker may be asking at the same moment.
            trials = []
            while len(trials) < k and self.size() > 0:
                trials.append(self.study.ask())
        try:
            with Heartbeat(self.storage, [t._trial_id for t in trials]):  # (Optuna keeps trial ids private)
                runs = []
                for trial in trials:
                    try:
                        runs.append(self.objective.start(trial))
                    except Exception as exc:  # a sampled configuration the spec refuses
                        self._tell_failed(trial, exc)
                for idx in pack_configs([r.config for r in runs], None):  # the batch is the cap
                    self._train([runs[i] for i in idx])
        except KeyboardInterrupt as exc:  # SIGINT or SIGTERM: the untold trials go back to the queue
            with shielded():
                for trial in trials:
                    hand_back(self.study, trial._trial_id, signal_name(exc), self.label)
            raise
        return len(trials)

    def _train(self, runs: list[TrialRun]) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="ganbench-batch-") as tmp:
                tasks = [r.task(str(Path(tmp) / str(r.record.number))) for r in runs]
                outcomes = run_cells(tasks, [r.pruning for r in runs])
        except Exception as exc:  # every trial of the model failed with it
            for run in runs:
                self.objective.failed(run, exc)
                self._tell(run.trial, partial(_raise, exc))
            return
        for run, outcome in zip(runs, outcomes, strict=True):
            self._tell(run.trial, partial(self.objective.finish, run, outcome))

    def _tell_failed(self, trial, exc: Exception) -> None:
        print(f"ganbench: trial {trial.number} of {self.objective.study_name} failed: {exc}")
        self._tell(trial, partial(_raise, exc))

    def _tell(self, trial, finish: Callable[[], float | list[float]]) -> None:
        """Tell Optuna how the trial ended, as ``study.optimize`` would: a value (NaN → FAIL), PRUNED
        (with its last reported value), or FAIL for an exception."""
        import optuna
        from optuna.trial import TrialState

        try:
            value = finish()
        except optuna.TrialPruned:
            frozen = self.study.tell(trial, state=TrialState.PRUNED)
        except Exception:
            frozen = self.study.tell(trial, state=TrialState.FAIL)
        else:
            frozen = self.study.tell(trial, value, skip_if_finished=False)
        if self.say:
            self.console.print(
                describe_trial(self.label, frozen, objective_keys(self.study)), highlight=False
            )
