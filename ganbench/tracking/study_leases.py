"""Leases on the MLflow runs of tuning studies: a study's parent run carries an owner and a lease,
like a benchmark's invocation run (:mod:`ganbench.tracking.claims`), so a killed process never
leaves it RUNNING for ever — any later invocation on the experiment (``tune``, ``worker``,
``benchmark``) closes it as KILLED (:meth:`Tracker.close_dead_invocations`).

Whoever works on a study holds its run: ``tune`` while its local workers train, and every worker
while it runs the study's trials. Holding sets the run RUNNING with this process as owner and a
lease, renewed by a thread every quarter of the lease (between a worker's trials and during them
alike). Letting go ends the hold with what the study's state says:

- trials still run elsewhere: the owner is left empty and the lease runs on (the others renew it);
- nothing is left to do: FINISHED (``tune`` then adds its best trials);
- trials are left but nobody works on them (a worker's time limit, ``tune --jobs 0``): SCHEDULED;
- the process was stopped by a signal or failed: KILLED or FAILED (``failure_reason`` says why).
"""

from __future__ import annotations

import contextlib
import threading
import time

from mlflow.entities import RunTag
from mlflow.exceptions import MlflowException

from ganbench.tracking.claims import LEASE, LEASE_SECONDS, OWNER, lease_tags
from ganbench.tracking.tracker import Tracker


class StudyLeases:
    """The study runs this process holds, renewed by a thread while it holds any."""

    def __init__(self, tracker: Tracker) -> None:
        self.client = tracker.client
        self.held: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self, run_id: str) -> None:
        """Set the study run RUNNING with this process as owner and a fresh lease."""
        self._write(run_id, [RunTag(k, v) for k, v in lease_tags().items()])
        with contextlib.suppress(MlflowException):
            self.client.update_run(run_id, status="RUNNING")
        with self.lock:
            self.held.add(run_id)
        if self.thread is None:
            self.thread = threading.Thread(target=self._renew, name="ganbench-study-leases", daemon=True)
            self.thread.start()

    def let_go(self, run_id: str, status: str | None, failure: str = "") -> None:
        """End this process's hold: ``status`` None leaves the run to others (no owner, the lease
        running on); otherwise the run ends with ``status`` (FINISHED, SCHEDULED, KILLED, FAILED)
        and its lease ends."""
        with self.lock:
            self.held.discard(run_id)
        if status is None:
            until = f"{time.time() + LEASE_SECONDS:.3f}"
            self._write(run_id, [RunTag(OWNER, ""), RunTag(LEASE, until)])
            return
        tags = [RunTag(LEASE, "0")] + ([RunTag("failure_reason", failure[:5000])] if failure else [])
        self._write(run_id, tags)
        with contextlib.suppress(MlflowException):
            if status == "SCHEDULED":
                self.client.update_run(run_id, status=status)
            else:
                self.client.set_terminated(run_id, status)

    def close(self) -> None:
        """Stop renewing (the holds themselves end with :meth:`let_go`)."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _renew(self) -> None:
        while not self.stop.wait(LEASE_SECONDS / 4):
            with self.lock:
                held = sorted(self.held)
            for run_id in held:
                self._write(run_id, [RunTag(k, v) for k, v in lease_tags().items()])

    def _write(self, run_id: str, tags: list[RunTag]) -> None:
        with contextlib.suppress(MlflowException):  # a run deleted meanwhile has no lease to keep
            self.client.log_batch(run_id, tags=tags)
