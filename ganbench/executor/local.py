"""Training models on this machine: one after another in this process (``jobs`` 1), or ``jobs`` at a
time in worker processes (one CPU thread each when they share the cores). A model's runs are
claimed when a worker is free for it, its workers stream their log records through a queue that
this process drains into the runs, and this process alone writes the tracking store (SQLite has one
writer at a time)."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from ganbench.executor import processes
from ganbench.executor.benchmark_runs import BenchmarkRuns
from ganbench.executor.packing import Model
from ganbench.experiment.cell_run import run_cells, stream_cells, worker_threads
from ganbench.experiment.interrupts import deferred_interrupt, shielded
from ganbench.experiment.spec import Cell

#: How long to wait, after a worker handed its cells back, for the last records it streamed.
END_MARKER_SECONDS = 60.0


def _ignore(_cells: list[Cell]) -> None:
    return None


def run_models(
    models: list[Model],
    runs: BenchmarkRuns,
    jobs: int = 1,
    on_start: Callable[[list[Cell]], None] = _ignore,
) -> None:
    """Claim each model's runs when it starts (``on_start`` hears of the cells it trains), train it,
    streaming its records into ``runs``, and complete its runs — ``jobs`` models at a time."""
    if jobs <= 1:
        for model in models:
            cells, tasks = runs.claim(model)
            if not tasks:
                continue
            on_start(cells)

            def stream(k: int, seeds_: list[int], record, cells=cells) -> None:
                runs.stream(cells[k], seeds_, record)

            for cell, outcome in zip(cells, run_cells(tasks, stream=stream), strict=True):
                runs.finish(cell, outcome)
        return
    _in_workers(models, runs, jobs, on_start)


def _in_workers(models: list[Model], runs: BenchmarkRuns, jobs: int, on_start) -> None:
    """Train the models in ``jobs`` worker processes, claiming each model when a worker is free for
    it; the workers stream their log records through a queue that this process drains into ``runs``."""
    outbox = processes.CONTEXT.Queue()
    cells_of: dict[int, list[Cell]] = {}
    ended: set[int] = set()

    def take(message) -> None:
        if message[0] == "end":
            ended.add(message[1])
            return
        _, token, k, seeds_, record = message
        runs.stream(cells_of[token][k], seeds_, record)

    def drain(token: int | None = None) -> None:
        """Take every waiting message; with ``token``, wait for that model's end marker."""
        deadline = time.monotonic() + END_MARKER_SECONDS
        while True:
            waiting = token is not None and token not in ended and time.monotonic() < deadline
            try:
                take(outbox.get(timeout=1.0) if waiting else outbox.get_nowait())
            except queue.Empty:
                if not waiting:
                    return

    with processes.pool(jobs, processes.Inheritance.here(worker_threads(jobs)), outbox) as pool:
        upcoming = iter(enumerate(models))
        futures: dict[Future, int] = {}

        def submit_next() -> None:
            for token, model in upcoming:
                cells, tasks = runs.claim(model)
                if tasks:
                    cells_of[token] = cells
                    # A submit may start a worker process: a signal in the middle of that (the child
                    # spawned, its start-up data not yet sent) left a child the pool did not know
                    # of, which printed a traceback; held until the worker is the pool's to kill.
                    with deferred_interrupt():
                        futures[pool.submit(stream_cells, tasks, token)] = token
                    on_start(cells)
                    return

        try:
            for _ in range(jobs):
                submit_next()
            while futures:
                finished, _ = wait(futures, timeout=1.0, return_when=FIRST_COMPLETED)
                drain()
                runs.tick()
                for fut in finished:
                    token = futures.pop(fut)
                    outcomes = fut.result()
                    drain(token)
                    for cell, outcome in zip(cells_of.pop(token), outcomes, strict=True):
                        runs.finish(cell, outcome)
                    submit_next()
        except BaseException:  # a signal or a failed cell: stop the workers now, keep what is logged
            with shielded():
                runs.stopped_workers = processes.kill_pool(pool)
            raise
