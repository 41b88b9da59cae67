"""A RUNNING trial that never beat (its worker died between creating it and its first heartbeat) is
failed and retried like a trial whose heartbeat went stale; Optuna's own check would skip it."""

from __future__ import annotations

import time
import warnings

import optuna
from optuna.storages import RDBStorage, fail_stale_trials
from optuna.trial import TrialState

from ganbench.tuning.optuna_parts import open_storage

GRACE = 2


def _check(study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fail_stale_trials is marked experimental
        fail_stale_trials(study)


def test_a_trial_that_never_beat_is_failed_after_the_grace_period_and_queued_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    storage = open_storage(url, heartbeat=1, grace=GRACE)
    study = optuna.create_study(study_name="s", storage=storage)
    silent = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})  # RUNNING, no heartbeat
    alive = study.ask()
    storage.record_heartbeat(alive._trial_id)

    _check(study)  # first sighting: nothing is failed yet
    assert [t.state for t in study.trials] == [TrialState.RUNNING, TrialState.RUNNING]
    time.sleep(GRACE + 0.5)
    storage.record_heartbeat(alive._trial_id)  # a live worker keeps beating
    _check(study)

    states = {t.number: t.state for t in study.trials}
    assert states[silent.number] == TrialState.FAIL and states[alive.number] == TrialState.RUNNING
    (retry,) = [t for t in study.trials if t.state == TrialState.WAITING]
    assert retry.params == {"x": silent.params["x"]}  # the retry callback re-queued its parameters
    assert retry.system_attrs["failed_trial"] == silent.number


def test_optunas_own_check_would_leave_it_running_for_ever(tmp_path):
    """Why HeartbeatStorage exists: the stock storage never fails a trial without a heartbeat."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        storage = RDBStorage(f"sqlite:///{tmp_path / 'optuna.db'}", heartbeat_interval=1, grace_period=1)
    study = optuna.create_study(study_name="s", storage=storage)
    study.ask()
    _check(study)
    time.sleep(1.5)
    _check(study)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]
