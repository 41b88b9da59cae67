"""A stop signal that lands while Optuna records a trial's result (inside its ``tell``) is a stop, not
a crash: Optuna's trial loop then fails in its own ``finally`` (``UnboundLocalError``: the state it
was about to read was never set) and the worker printed that traceback and exited 1. The unit hands
the trial back to the queue and raises the stop, as it does for a stop inside the objective."""

from __future__ import annotations

import signal

import optuna
import pytest
from optuna.trial import TrialState
from rich.console import Console

from ganbench.executor.study_unit import StudyUnit
from ganbench.experiment.interrupts import Interrupted, interrupt_behind
from ganbench.tuning.hand_back import HANDED_BACK


def test_interrupt_behind_finds_the_stop_an_error_was_raised_while_handling():
    stop = Interrupted(signal.SIGTERM)
    try:
        try:
            raise stop
        except KeyboardInterrupt:
            raise UnboundLocalError("cannot access local variable 'updated_state'") from None
    except UnboundLocalError as crash:
        caught = crash
    # `from None` hides the context from tracebacks but keeps it: the stop is still found
    assert interrupt_behind(caught) is stop
    assert interrupt_behind(ValueError("plain failure")) is None


def test_a_stop_inside_optunas_tell_hands_the_trial_back(monkeypatch):
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    study.enqueue_trial({"x": 0.5})

    def tell_interrupted(**kwargs):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(optuna.study._optimize, "_tell_with_warning", tell_interrupted)
    unit = StudyUnit(
        study, lambda trial: trial.suggest_float("x", 0, 1), lambda: True, Console(quiet=True), "cell"
    )
    with pytest.raises(Interrupted):
        unit()
    states = [t.state for t in study.get_trials()]
    assert states == [TrialState.FAIL, TrialState.WAITING]  # failed, and its copy queued at once
    copy = study.get_trials()[1]
    assert copy.system_attrs[HANDED_BACK] == "SIGTERM" and copy.params == {"x": 0.5}
