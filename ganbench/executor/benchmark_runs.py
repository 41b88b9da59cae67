"""A benchmark's MLflow runs around the models the executor trains: claim each model's (cell, seed)
runs when it starts, stream its curves into them while it trains, complete them when it ends.

The same object serves a local invocation (:mod:`ganbench.executor.local`) and a queue worker
(:mod:`ganbench.executor.queue`), so either writes one complete run per (cell, seed), with the same
parameters, metrics, tags and artifacts, and claims work the same way (:mod:`ganbench.tracking.claims`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ganbench.executor.packing import Model
from ganbench.experiment.cell_run import CellOutcome, CellTask
from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.experiment.spec import Cell, Experiment
from ganbench.tracking.live import LiveRuns
from ganbench.tracking.tracker import Tracker
from ganbench.train.records import LogRecord


def _ignore(*_args) -> None:
    return None


class BenchmarkRuns:
    """The runs of one experiment that this process trains. ``folder`` holds the workers' artifact
    files until they are logged; ``on_lost(cell, n)`` hears of seeds another invocation claimed
    first, ``on_done(cell, outcome)`` of each cell whose runs are complete. ``trained`` and ``left``
    count runs completed here and runs left to another invocation; ``stopped_workers`` the worker
    processes stopped when training ended early (a signal, a failed cell)."""

    def __init__(
        self,
        tracker: Tracker,
        experiment_id: str,
        parent: str,
        exp: Experiment,
        live: LiveRuns,
        folder: str,
        on_lost: Callable[[Cell, int], None] = _ignore,
        on_done: Callable[[Cell, CellOutcome], None] = _ignore,
    ) -> None:
        self.tracker, self.experiment_id, self.parent, self.exp = tracker, experiment_id, parent, exp
        self.live, self.folder = live, folder
        self.on_lost, self.on_done = on_lost, on_done
        self.trained = self.left = self.stopped_workers = 0

    def claim(self, model: Model) -> tuple[list[Cell], list[CellTask]]:
        """Claim the model's runs now; the cells (and their tasks) with seeds this process won."""
        cells, tasks = [], []
        claims = self.tracker.claim(self.experiment_id, self.parent, self.exp, model)
        for (cell, seeds), won in zip(model, claims, strict=True):
            lost = len(seeds) - len(won)
            if lost:
                self.left += lost
                self.on_lost(cell, lost)
            if won:
                self.live.add(cell.key, won)
                config = cell.config.model_copy(update={"seeds": sorted(won)}).model_dump(mode="json")
                cells.append(cell)
                tasks.append(
                    CellTask(
                        config,
                        str(Path(self.folder) / cell.key),
                        self.exp.spec.sample_images,
                        cell.label,
                        self.exp.spec.divergence_bound,
                    )
                )
        return cells, tasks

    def stream(self, cell: Cell, seeds: list[int], record: LogRecord) -> None:
        """One log record of a cell in training (its members only, in ``seeds`` order)."""
        self.live.record(cell.key, seeds, record)

    def finish(self, cell: Cell, outcome: CellOutcome) -> None:
        """Complete the cell's runs: summaries, artifacts, status, then the complete tag."""
        for seed in outcome.seeds:
            # One step for Ctrl-C: held back until the run is complete *and* known complete here,
            # else the release of unfinished runs on the way out would mark it KILLED.
            with deferred_interrupt():
                self.tracker.finish_seed(self.live.done(cell.key, seed.seed), cell, outcome, seed)
                self.live.completed(cell.key, seed.seed)
            self.trained += 1
        self.on_done(cell, outcome)

    def tick(self) -> None:
        """Write buffered curves and renew leases when due."""
        self.live.tick()
