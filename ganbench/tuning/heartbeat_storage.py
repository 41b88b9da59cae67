"""Optuna's RDB storage, with one more kind of stale trial: one that never beat.

Optuna's stale-trial check skips a RUNNING trial without a heartbeat row. A worker killed between
creating its trial and the trial's first beat (a few milliseconds) leaves such a trial behind: no
check would ever fail it, so it would never be retried and other workers would wait on it for ever.
Here it is stale once this process has seen it silent for the grace period. The time counts on this
process's monotonic clock from the first sighting, not from the trial's start, so the clocks of
other machines and their time zones do not matter.
"""

from __future__ import annotations

import time
from typing import Any

from optuna.storages import RDBStorage
from optuna.storages._rdb import models
from optuna.storages._rdb.storage import _create_scoped_session
from optuna.trial import TrialState


class HeartbeatStorage(RDBStorage):
    """:class:`optuna.storages.RDBStorage` whose stale trials include RUNNING trials without any
    heartbeat, seen silent for longer than the grace period."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._silent_since: dict[int, float] = {}

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        stale = super()._get_stale_trial_ids(study_id)
        with _create_scoped_session(self.scoped_session) as session:
            running = (
                session.query(models.TrialModel)
                .filter(models.TrialModel.state == TrialState.RUNNING)
                .filter(models.TrialModel.study_id == study_id)
                .all()
            )
            silent = {t.trial_id for t in running if not t.heartbeats}
        now = time.monotonic()
        grace = self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval
        self._silent_since = {t: self._silent_since.get(t, now) for t in silent}
        return stale + [t for t, since in self._silent_since.items() if now - since > grace]
