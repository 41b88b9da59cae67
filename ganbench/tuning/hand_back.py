"""Handing a trial back to the queue at once, as a worker stopped by a signal does.

A worker that gets SIGTERM (a scheduler's time limit, a preemption) or SIGINT marks the trial it
was running FAIL and queues a copy of it — the copy Optuna's heartbeat check would queue after the
grace period (as :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback` makes it: same
parameters and user attributes, ``failed_trial`` naming the original, the failed trial's number in
``retry_history``, so the failed one does not count against the study's budget), marked
:data:`HANDED_BACK` — so the next worker takes it at once.
"""

from __future__ import annotations

import logging
import sys

import optuna
from optuna.trial import TrialState

#: System attribute of a trial's copy queued by a worker that was stopped (the signal's name).
HANDED_BACK = "ganbench.handed_back"


def hand_back(study, trial_id: int, why: str, label: str = "") -> bool:
    """Fail the trial ``trial_id`` of ``study`` (if it still runs) and queue its copy; returns
    whether a copy was queued (not when the trial had finished well, or has a copy already)."""
    storage = study._storage  # Optuna keeps a study's storage private; trials are set through it
    trial = storage.get_trial(trial_id)
    if trial.state == TrialState.RUNNING:
        try:
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except RuntimeError:  # finished meanwhile (Optuna refuses to change a finished trial)
            return False
        trial = storage.get_trial(trial_id)
    if trial.state != TrialState.FAIL:
        return False
    copies = [(t.system_attrs.get("retry_history") or [None])[-1] for t in study.get_trials(deepcopy=False)]
    if trial.number in copies:
        return False  # the heartbeat check (or an earlier signal) queued its copy already
    history = [*trial.system_attrs.get("retry_history", []), trial.number]
    system_attrs = {"failed_trial": trial.number, **trial.system_attrs, "retry_history": history}
    study.add_trial(
        optuna.create_trial(
            state=TrialState.WAITING,
            params=trial.params,
            distributions=trial.distributions,
            user_attrs=trial.user_attrs,
            system_attrs={**system_attrs, HANDED_BACK: why},
        )
    )
    print(
        f"ganbench worker: {why}: trial {trial.number} of {label or study.study_name} handed back "
        "to the queue.",
        file=sys.stderr,
    )
    return True


class _NoInterruptTracebacks(logging.Filter):
    """Drops Optuna's "Trial N failed … / failed with value None" warnings (the first with a
    traceback) for a trial a signal stopped: the worker says in one line that it handed it back."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, KeyboardInterrupt):
            self.dropped = True
            return False
        if self.dropped and "failed with value" in str(record.msg):
            self.dropped = False
            return False
        return True


def quiet_interrupts() -> None:
    """Install :class:`_NoInterruptTracebacks` on the logger of Optuna's optimize loop (once)."""
    logger = logging.getLogger("optuna.study._optimize")
    if not any(isinstance(f, _NoInterruptTracebacks) for f in logger.filters):
        logger.addFilter(_NoInterruptTracebacks())
