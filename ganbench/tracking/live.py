"""Runs that are training now: their curves are written to MLflow while they train, and their
leases (:mod:`ganbench.tracking.claims`) are renewed, so the UI shows a RUNNING run with growing
curves and another invocation knows the key is taken.

Records arrive at the trainer's log points (through :class:`~ganbench.experiment.cell_run.CellTask`
streams); they are buffered and written every :data:`FLUSH_SECONDS` (one ``log_batch`` per run), which
keeps a long benchmark's store writes to a few per run and minute. The same metric names and steps
are written as a finished run's curves always had: the training curves of ``"train"`` records
and every metric of ``"eval"`` records.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import numpy as np
from mlflow.entities import Metric, RunTag

from ganbench.experiment.cell_run import TRAIN_CURVES
from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.tracking.claims import LEASE_SECONDS, lease_tags
from ganbench.tracking.tracker import MAX_METRICS_PER_CALL, Tracker, _chunks
from ganbench.train.records import LogRecord

#: Seconds between writes of the buffered curves of the runs in training (``GANBENCH_FLUSH_SECONDS``
#: changes it: shorter shows curves sooner and costs more store writes).
FLUSH_SECONDS = float(os.environ.get("GANBENCH_FLUSH_SECONDS", "10"))


class LiveRuns:
    """The runs this process holds: (cell key, seed) → run id, their unwritten curve points, and the
    lease renewal of them and of the invocation run ``parent``."""

    def __init__(self, tracker: Tracker, parent: str | None = None) -> None:
        self.client = tracker.client
        self.parent = parent
        self.run_of: dict[tuple[str, int], str] = {}
        self.pending: dict[str, list[Metric]] = defaultdict(list)
        self.flushed_at = self.renewed_at = time.monotonic()

    def add(self, cell_key: str, runs: dict[int, str]) -> None:
        """Hold the claimed runs of one cell (seed → run id)."""
        self.run_of.update({(cell_key, seed): run_id for seed, run_id in runs.items()})

    def record(self, cell_key: str, seeds: list[int], record: LogRecord) -> None:
        """Take one log record of a cell (its members only, in ``seeds`` order); write when due."""
        wanted = TRAIN_CURVES if record.kind == "train" else record.values
        names = [n for n in wanted if n in record.values]
        stamp = int(time.time() * 1000)
        for j, seed in enumerate(seeds):
            run_id = self.run_of.get((cell_key, seed))
            if run_id is None or not record.active[j]:
                continue
            step = int(record.step[j])
            values = [float(np.asarray(record.values[n])[j]) for n in names]
            self.pending[run_id] += [Metric(n, v, stamp, step) for n, v in zip(names, values, strict=True)]
        self.tick()

    def tick(self) -> None:
        """Write the buffered points and renew the leases if it is time to."""
        if time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self.flush()

    @deferred_interrupt()
    def flush(self) -> None:
        """Write every buffered point now, renewing the leases when a quarter of them has passed."""
        now = time.monotonic()
        renew = now - self.renewed_at >= LEASE_SECONDS / 4
        lease = [RunTag(k, v) for k, v in lease_tags().items()] if renew else []
        held = set(self.run_of.values()) | ({self.parent} if self.parent else set())
        for run_id in sorted(held | set(self.pending)):
            points = self.pending.pop(run_id, [])
            if not points and not renew:
                continue
            chunks = list(_chunks(points, MAX_METRICS_PER_CALL)) or [[]]
            for i, chunk in enumerate(chunks):
                self.client.log_batch(run_id, metrics=chunk, tags=lease if i == 0 and run_id in held else [])
        self.flushed_at = now
        if renew:
            self.renewed_at = now

    @deferred_interrupt()
    def done(self, cell_key: str, seed: int) -> str:
        """Write the buffered points of a (cell, seed) run whose training has ended, before it is
        completed; returns its run id. The run stays held until :meth:`completed`."""
        run_id = self.run_of[(cell_key, seed)]
        points = self.pending.pop(run_id, [])
        for chunk in _chunks(points, MAX_METRICS_PER_CALL):
            self.client.log_batch(run_id, metrics=chunk)
        return run_id

    def completed(self, cell_key: str, seed: int) -> None:
        """Stop holding a run that now carries its complete tag."""
        self.run_of.pop((cell_key, seed), None)

    def unfinished(self) -> list[str]:
        """The (cell, seed) runs still held: claimed, not (yet) completed."""
        return list(self.run_of.values())
