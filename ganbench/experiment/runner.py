"""``ganbench benchmark``: train every pending (cell, seed) of a spec and record it in MLflow.

Cells that differ only in batchable settings (a learning-rate grid, a clip value) are packed into
populations and each population trains as one batched model (up to ``population`` members);
populations run in worker processes (``jobs`` of them, one CPU thread each) or in this process when
``jobs == 1``. Results come back here and are logged by this process alone, one MLflow run per
(cell, seed) as if each cell had trained alone. Finished runs are skipped on a rerun, unfinished
ones redone.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ganbench import discovery
from ganbench.experiment import spec
from ganbench.experiment.cell_run import CellOutcome, CellTask, init_worker, run_cells, worker_threads
from ganbench.experiment.estimate import cell_cost
from ganbench.experiment.spec import Cell, Experiment
from ganbench.experiment.summary import summary_table
from ganbench.experiment.tracking import Tracker
from ganbench.experiment.ui_links import print_ui_link
from ganbench.train.build import resolve_device
from ganbench.train.population import group

#: Members per batched model when ``--population`` is not given: a CPU gains little beyond a few
#: dozen (every member's arithmetic is still done), a GPU runs hundreds in the time of one.
AUTO_POPULATION = {"cpu": 16, "cuda": 512}


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
    """Validate, connect, train what is pending, print the summary. Returns the exit code.
    ``population`` caps the members of one batched model (None: :func:`auto_population`; 1: every
    cell alone); ``profile`` is the spec profile to apply (None: ``auto``)."""
    exp = spec.load(path, seeds=seeds, only=only, profile=profile)
    if dry_run:
        from ganbench.experiment.estimate import dry_run_table
        from ganbench.experiment.timing import CostTimer

        with console.status("Timing a few updates and one evaluation of each distinct setup…"):
            table = dry_run_table(exp, CostTimer(threads=worker_threads(jobs)), jobs)
        console.print(table)
        return 0
    tracker = Tracker.connect(tracking_uri)
    experiment_id = tracker.experiment_id(exp.spec.name)
    work = plan(exp, tracker.completed_keys(experiment_id))
    redone = tracker.discard_incomplete(
        experiment_id, [c.run_key(s) for c, seeds_ in work.pending for s in seeds_]
    )
    console.print(
        f"[bold]{exp.spec.name}[/]{exp.profile_note}: {len(exp.cells)} cells × seeds = {exp.n_runs} runs; "
        f"{work.skipped_runs} already finished, {exp.n_runs - work.skipped_runs} to train"
        + (f" ({redone} unfinished run(s) discarded)" if redone else "")
        + f"; tracking at {tracker.uri}."
    )
    parent = tracker.start_parent(experiment_id, exp, sys.argv)
    status, trained = "KILLED", 0
    try:
        trained = _train_all(console, tracker, experiment_id, parent, work, jobs, population)
        status = "FINISHED"
    finally:
        counts = {"runs_trained": trained, "runs_skipped": work.skipped_runs}
        try:
            tracker.finish_parent(parent, status, counts)
        except Exception as exc:
            if status == "FINISHED":
                raise
            # Unwinding from Ctrl-C or a failed cell: that error is the one to report.
            reason = str(exc).partition("\n")[0][:300] or type(exc).__name__
            print(f"ganbench: could not mark the invocation run {status}: {reason}", file=sys.stderr)
    # A log file or CI gets a wide table; a terminal gets its own width.
    console.print(summary_table(tracker, experiment_id, exp), width=None if console.is_terminal else 140)
    print_ui_link(console, tracker.uri, exp.spec.name, experiment_id)
    console.print(
        f"Write the comparison report (reports/{exp.spec.name}/index.html): [bold]ganbench report "
        f"{exp.spec.name} --tracking-uri {tracker.uri}[/] (make report does the "
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


def _train_all(
    console: Console,
    tracker: Tracker,
    experiment_id: str,
    parent: str,
    work: Plan,
    jobs: int,
    population: int | None,
) -> int:
    exp, trained = work.experiment, 0
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

        def task(cell: Cell, seeds_: list[int]) -> CellTask:
            return CellTask(
                cell.config.model_copy(update={"seeds": seeds_}).model_dump(mode="json"),
                str(Path(tmp) / cell.key),
                exp.spec.sample_images,
                cell.label,
            )

        populations = [
            ([c for c, _ in pack], [task(c, s) for c, s in pack]) for pack in packs(work, population)
        ]
        if len(populations) < len(work.pending):
            console.print(
                f"{len(work.pending)} cells train as {len(populations)} batched model(s): cells that "
                "differ only in optimizer settings or Batchable parameters share one (--population).",
                highlight=False,
            )

        def done(cell: Cell, outcome: CellOutcome) -> None:
            nonlocal trained, n_done
            for seed in outcome.seeds:
                tracker.log_seed(experiment_id, parent, exp, cell, outcome, seed)
                trained += 1
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
            for cells, tasks in populations:
                progress.update(bar, description=label(cells))
                for cell, outcome in zip(cells, run_cells(tasks), strict=True):
                    done(cell, outcome)
            return trained
        extra = [str(p) for p in discovery.extra_dirs]  # GANBENCH_REGISTRY reaches workers by inheritance
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            jobs, mp_context=context, initializer=init_worker, initargs=(extra, worker_threads(jobs))
        ) as pool:
            futures: dict[Future, list[Cell]] = {
                pool.submit(run_cells, tasks): cells for cells, tasks in populations
            }
            try:
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        for cell, outcome in zip(futures[fut], fut.result(), strict=True):
                            done(cell, outcome)
            except BaseException:  # Ctrl-C or a failed cell: stop the workers now, keep what is logged
                _stop_workers(pool)
                raise
    return trained


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel queued cells and terminate running workers (the executor has no public call for the
    latter before Python 3.14); runs they had not handed back are redone by the next invocation."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() drops this map
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
