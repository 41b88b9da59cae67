"""``ganbench benchmark``: train every pending (cell, seed) of a spec and record it in MLflow.

Cells that differ only in batchable settings (a learning-rate grid, a clip value) are packed into
populations and each population trains as one batched model (up to ``population`` members);
populations run in worker processes (``jobs`` of them, one CPU thread each) or in this process when
``jobs == 1``. Results come back here and are logged by this process alone, one MLflow run per
(cell, seed) as if each cell had trained alone. A population's runs are claimed (created, RUNNING)
when it starts training, so two invocations on one store share the work instead of doing it twice
(:mod:`ganbench.tracking.claims`), and their curves stream in while they train
(:mod:`ganbench.tracking.live`). Finished runs are skipped on a rerun, unfinished ones redone.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ganbench import discovery
from ganbench.device import resolve_device
from ganbench.experiment import spec
from ganbench.experiment.cell_run import (
    CellOutcome,
    CellTask,
    init_worker,
    run_cells,
    stream_cells,
    worker_threads,
)
from ganbench.experiment.estimate import cell_cost
from ganbench.experiment.masking import mask_text
from ganbench.experiment.preflight import check_datasets
from ganbench.experiment.spec import Cell, Experiment
from ganbench.tracking.live import LiveRuns
from ganbench.tracking.summary import summary_table
from ganbench.tracking.tracker import Tracker
from ganbench.tracking.ui_links import print_ui_link
from ganbench.train.population import group

#: Members per batched model when ``--population`` is not given: a CPU gains little beyond a few
#: dozen (every member's arithmetic is still done), a GPU runs hundreds in the time of one.
AUTO_POPULATION = {"cpu": 16, "cuda": 512}
#: How long to wait, after a worker handed its cells back, for the last records it streamed.
END_MARKER_SECONDS = 60.0


def auto_population(device: str) -> int:
    """The default cap on members per batched model for a configuration's device setting."""
    return AUTO_POPULATION[resolve_device(device).type]


@dataclass
class Plan:
    """What this invocation still has to train: cell → seeds without a complete run."""

    experiment: Experiment
    pending: list[tuple[Cell, list[int]]] = field(default_factory=list)
    skipped_runs: int = 0


def plan(exp: Experiment, done: set[str]) -> Plan:
    """Split every (cell, seed) into already complete and still to train."""
    out = Plan(exp)
    for cell in exp.cells:
        todo = [s for s in cell.config.seeds if cell.run_key(s) not in done]
        out.skipped_runs += len(cell.config.seeds) - len(todo)
        if todo:
            out.pending.append((cell, todo))
    return out


def run_benchmark(
    console: Console,
    path: Path,
    tracking_uri: str | None,
    seeds: int | None,
    only: list[str],
    jobs: int,
    dry_run: bool,
    population: int | None = None,
    profile: str | None = None,
) -> int:
    """Validate the spec and its data, check and connect the store, train what is pending, print
    the summary. Returns the exit code. ``population`` caps the members of one batched model (None:
    :func:`auto_population`; 1: every cell alone); ``profile`` is the spec profile to apply (None:
    ``auto``)."""
    exp = spec.load(path, seeds=seeds, only=only, profile=profile)
    if dry_run:
        from ganbench.experiment.estimate import dry_run_table
        from ganbench.experiment.timing import CostTimer

        with console.status("Timing a few updates and one evaluation of each distinct setup…"):
            table = dry_run_table(exp, CostTimer(threads=worker_threads(jobs)), jobs)
        console.print(table)
        return 0
    check_datasets(exp)  # bad data and a bad store end here, before anything is written
    tracker = Tracker.connect(tracking_uri)
    experiment_id = tracker.experiment_id(exp.spec.name)
    parent = tracker.start_parent(experiment_id, exp, sys.argv)
    closed = tracker.close_dead_invocations(experiment_id, parent)
    work = plan(exp, tracker.completed_keys(experiment_id))
    redone = tracker.discard_incomplete(
        experiment_id, [c.run_key(s) for c, seeds_ in work.pending for s in seeds_]
    )
    console.print(
        f"[bold]{exp.spec.name}[/]{exp.profile_note}: {len(exp.cells)} cells × seeds = {exp.n_runs} runs; "
        f"{work.skipped_runs} already finished, {exp.n_runs - work.skipped_runs} to train"
        + (f" ({redone} unfinished run(s) discarded)" if redone else "")
        + f"; tracking at {escape(tracker.shown)}."
    )
    if closed:
        console.print(
            f"{len(closed)} earlier invocation(s) of this experiment had been killed (their process is "
            f"gone); their runs are now marked KILLED: {', '.join(closed)}.",
            highlight=False,
        )
    live, tally = LiveRuns(tracker, parent), Tally()
    status = "KILLED"
    try:
        _train_all(console, tracker, experiment_id, parent, work, jobs, population, live, tally)
        status = "FINISHED"
    finally:
        counts = {"runs_trained": tally.trained, "runs_skipped": work.skipped_runs, "runs_left": tally.left}
        try:
            tracker.release(live.unfinished())
            tracker.finish_parent(parent, status, counts)
        except Exception as exc:
            if status == "FINISHED":
                raise
            # Unwinding from Ctrl-C or a failed cell: that error is the one to report.
            reason = mask_text(str(exc).partition("\n")[0][:300] or type(exc).__name__, [tracker.uri])
            print(f"ganbench: could not mark the invocation run {status}: {reason}", file=sys.stderr)
    if tally.left:
        console.print(
            f"{tally.left} run(s) were claimed by another invocation training this experiment on the "
            "same store; they are left to it (rerun this command after it ends to check).",
            highlight=False,
        )
    # A log file or CI gets a wide table; a terminal gets its own width.
    console.print(summary_table(tracker, experiment_id, exp), width=None if console.is_terminal else 140)
    print_ui_link(console, tracker.uri, exp.spec.name, experiment_id)
    console.print(
        f"Write the comparison report (reports/{exp.spec.name}/index.html): [bold]ganbench report "
        f"{exp.spec.name} --tracking-uri {escape(tracker.shown)}[/] (make report does the "
        "same for the default store).",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def packs(work: Plan, population: int | None) -> list[list[tuple[Cell, list[int]]]]:
    """The pending (cell, seeds) pairs in populations that each train as one model."""
    if not work.pending:
        return []
    cap = population or auto_population(work.pending[0][0].config.device)
    configs = [cell.config.model_copy(update={"seeds": s}) for cell, s in work.pending]
    return [[work.pending[i] for i in idx] for idx in group(configs, cap)]


@dataclass
class Tally:
    """Runs this invocation completed, and runs it left to another invocation that claimed them."""

    trained: int = 0
    left: int = 0


def _train_all(
    console: Console,
    tracker: Tracker,
    experiment_id: str,
    parent: str,
    work: Plan,
    jobs: int,
    population: int | None,
    live: LiveRuns,
    tally: Tally,
) -> None:
    """Claim each population's runs when it starts, train it (streaming its records into ``live``)
    and complete its runs, ``jobs`` populations at a time."""
    exp = work.experiment
    total = sum(cell_cost(cell, len(seeds_)) for cell, seeds_ in work.pending)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[cells]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with (
        tempfile.TemporaryDirectory(prefix="ganbench-") as tmp,
        Progress(*columns, console=console) as progress,
    ):
        n_cells, n_done = len(work.pending), 0
        # The bar advances by each cell's estimated cost, so the ETA weighs long cells properly.
        bar = progress.add_task("starting", total=total, cells=f"0/{n_cells} cells")
        all_packs = packs(work, population)
        if len(all_packs) < len(work.pending):
            console.print(
                f"{len(work.pending)} cells train as {len(all_packs)} batched model(s): cells that "
                "differ only in optimizer settings or Batchable parameters share one (--population).",
                highlight=False,
            )

        def claimed(pack: list[tuple[Cell, list[int]]]) -> tuple[list[Cell], list[CellTask]]:
            """Claim the pack's runs now; the cells (and tasks) with seeds this invocation won."""
            cells, tasks = [], []
            claims = tracker.claim(experiment_id, parent, exp, pack)
            for (cell, seeds_), won in zip(pack, claims, strict=True):
                lost = len(seeds_) - len(won)
                if lost:
                    tally.left += lost
                    progress.update(bar, advance=cell_cost(cell, lost))
                if won:
                    live.add(cell.key, won)
                    config = cell.config.model_copy(update={"seeds": sorted(won)}).model_dump(mode="json")
                    cells.append(cell)
                    tasks.append(
                        CellTask(
                            config,
                            str(Path(tmp) / cell.key),
                            exp.spec.sample_images,
                            cell.label,
                            exp.spec.divergence_bound,
                        )
                    )
            return cells, tasks

        def done(cell: Cell, outcome: CellOutcome) -> None:
            nonlocal n_done
            for seed in outcome.seeds:
                tracker.finish_seed(live.done(cell.key, seed.seed), cell, outcome, seed)
                live.completed(cell.key, seed.seed)
                tally.trained += 1
            n_done += 1
            progress.update(
                bar,
                advance=cell_cost(cell, len(outcome.seeds)),
                cells=f"{n_done}/{n_cells} cells",
                description=f"done: {cell.config.dataset.name} | {cell.label}",
            )
            if not console.is_terminal:  # a log file or CI: the live bar is not drawn, so say each cell
                elapsed = progress.tasks[0].elapsed or 0.0
                console.print(
                    f"{n_done}/{n_cells} cells ({elapsed:.0f} s): {cell.config.dataset.name} | {cell.label}",
                    highlight=False,
                )

        def label(cells: list[Cell]) -> str:
            more = f" (+{len(cells) - 1} cells as one model)" if len(cells) > 1 else ""
            return f"training: {cells[0].config.dataset.name} | {cells[0].label}{more}"

        if jobs <= 1:
            for pack in all_packs:
                cells, tasks = claimed(pack)
                if not tasks:
                    continue
                progress.update(bar, description=label(cells))

                def stream(k: int, seeds_: list[int], record, cells=cells) -> None:
                    live.record(cells[k].key, seeds_, record)

                for cell, outcome in zip(cells, run_cells(tasks, stream=stream), strict=True):
                    done(cell, outcome)
            return
        _in_workers(all_packs, claimed, done, live, jobs, progress, bar, label)


def _in_workers(all_packs, claimed, done, live: LiveRuns, jobs: int, progress, bar, label) -> None:
    """Train the packs in ``jobs`` worker processes, claiming each pack when a worker is free for it;
    the workers stream their log records through a queue that this process drains into ``live``."""
    extra = [str(p) for p in discovery.extra_dirs]  # GANBENCH_REGISTRY reaches workers by inheritance
    context = multiprocessing.get_context("spawn")
    outbox = context.Queue()
    cells_of: dict[int, list[Cell]] = {}
    ended: set[int] = set()

    def take(message) -> None:
        if message[0] == "end":
            ended.add(message[1])
            return
        _, token, k, seeds_, record = message
        live.record(cells_of[token][k].key, seeds_, record)

    def drain(token: int | None = None) -> None:
        """Take every waiting message; with ``token``, wait for that population's end marker."""
        deadline = time.monotonic() + END_MARKER_SECONDS
        while True:
            waiting = token is not None and token not in ended and time.monotonic() < deadline
            try:
                take(outbox.get(timeout=1.0) if waiting else outbox.get_nowait())
            except queue.Empty:
                if not waiting:
                    return

    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=init_worker, initargs=(extra, worker_threads(jobs), outbox)
    ) as pool:
        upcoming = iter(enumerate(all_packs))
        futures: dict[Future, int] = {}

        def submit_next() -> None:
            for token, pack in upcoming:
                cells, tasks = claimed(pack)
                if tasks:
                    cells_of[token] = cells
                    futures[pool.submit(stream_cells, tasks, token)] = token
                    progress.update(bar, description=label(cells))
                    return

        try:
            for _ in range(jobs):
                submit_next()
            while futures:
                finished, _ = wait(futures, timeout=1.0, return_when=FIRST_COMPLETED)
                drain()
                live.tick()
                for fut in finished:
                    token = futures.pop(fut)
                    outcomes = fut.result()
                    drain(token)
                    for cell, outcome in zip(cells_of.pop(token), outcomes, strict=True):
                        done(cell, outcome)
                    submit_next()
        except BaseException:  # Ctrl-C or a failed cell: stop the workers now, keep what is logged
            _stop_workers(pool)
            raise


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel queued cells and terminate running workers (the executor has no public call for the
    latter before Python 3.14); runs they had not handed back are redone by the next invocation."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() drops this map
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
