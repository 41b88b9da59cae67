"""``ganbench benchmark``: train every pending (cell, seed) of a spec and record it in MLflow.

The pending units are packed into batched models (:mod:`ganbench.executor.packing`) and trained by
the executor: here, in ``jobs`` worker processes (:mod:`ganbench.executor.local`), or with
``--storage`` as queued trials that any ``ganbench worker`` takes (:mod:`ganbench.executor.queue`;
``jobs`` of them start here) — the same models either way. Either way MLflow ends with one run per
(cell, seed) as if each cell had trained alone; finished runs are skipped on a rerun, unfinished
ones redone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ganbench.device import human_bytes
from ganbench.errors import GanbenchError, WorkFailed, describe
from ganbench.executor.benchmark_runs import BenchmarkRuns
from ganbench.executor.local import run_models
from ganbench.executor.local_workers import run_local_workers
from ganbench.executor.packing import Model, Packing, Plan, members, model_label, pack, plan
from ganbench.executor.queue import failed_models, queue_models
from ganbench.executor.worker import run_worker
from ganbench.experiment import spec
from ganbench.experiment.cell_run import CellOutcome, worker_threads
from ganbench.experiment.estimate import cell_cost, dry_run_table
from ganbench.experiment.interrupts import shielded
from ganbench.experiment.masking import mask_text, mask_url
from ganbench.experiment.overrides import CommandLineChanges
from ganbench.experiment.preflight import check_datasets
from ganbench.experiment.spec import Cell
from ganbench.experiment.store_check import check_sqlite_store, full_disk
from ganbench.experiment.timing import CostTimer
from ganbench.tracking.live import LiveRuns
from ganbench.tracking.references import ensure_references
from ganbench.tracking.summary import summary_table
from ganbench.tracking.tracker import Tracker
from ganbench.tracking.ui_links import print_ui_link
from ganbench.train.footprint import footprint
from ganbench.tuning.optuna_parts import open_storage
from ganbench.tuning.studies import ganbench_studies


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
    storage_url: str | None = None,
    pack_losses: bool | None = None,
    add: list[str] | None = None,
    settings: list[str] | None = None,
) -> int:
    """Validate the spec and its data, check and connect the stores, train what is pending (here,
    or queued in ``storage_url`` for workers), print the summary. Returns the exit code.
    ``population`` caps the members of one batched model (None: the device's default; 1: every
    cell alone) and ``pack_losses`` lets cells of different losses share one (None: the device's
    default); ``profile`` is the spec profile to apply (None: ``auto``); ``jobs`` 0 (with a
    storage only) queues the models for workers started elsewhere; ``add`` and ``settings``: the
    ``--add`` and ``--set`` items (:mod:`ganbench.experiment.overrides`)."""
    changes = CommandLineChanges(tuple(add or ()), tuple(settings or ()))
    exp = spec.load(path, seeds=seeds, only=only, profile=profile, changes=changes)
    population = Packing(population, pack_losses, share=max(jobs, 1))
    if dry_run:
        # The models first: one too large for this machine is refused here, before timing anything
        # (timing one evaluation allocates what the model would: a Fréchet distance's D × D matrices).
        models = pack(plan(exp, set()).pending, population)
        with console.status("Timing a few updates and one evaluation of each distinct setup…"):
            table = dry_run_table(exp, CostTimer(threads=worker_threads(jobs)), jobs)
        console.print(table)
        console.print(models_table(models, population.cap))
        return 0
    check_datasets(exp)  # bad data and bad stores end here, before anything is written
    pack(plan(exp, set()).pending, population)  # so does a model too large for this machine
    if storage_url:
        check_sqlite_store(storage_url, "study storage")
    tracker = Tracker.connect(tracking_uri)
    storage = open_storage(storage_url) if storage_url else None
    experiment_id = tracker.experiment_id(exp.spec.name)
    parent = tracker.start_parent(experiment_id, exp, sys.argv)
    closed = tracker.close_dead_invocations(experiment_id, parent)
    ensure_references(tracker, experiment_id, parent, exp, on_scoring=lambda d: _scoring(console, d))
    work = plan(exp, tracker.completed_keys(experiment_id))
    if storage is None:
        _here(console, tracker, experiment_id, parent, work, jobs, population, closed)
    else:
        if not _queued(console, tracker, storage, storage_url, parent, work, only, jobs, population):
            return 0
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


def _scoring(console: Console, dataset: str) -> None:
    console.print(
        f"Scoring the reference rows of {dataset}: real data and uniform noise, with the metrics that "
        "score the generators (once per experiment).",
        highlight=False,
    )


#: Models a dry run lists one by one; the rest are counted in one last row.
MODELS_SHOWN = 30


def models_table(models: list[Model], cap: int | None = None) -> Table:
    """The batched models a benchmark trains: members, cells and estimated memory of each (the
    first :data:`MODELS_SHOWN`; a row counts the rest); ``cap``: the ``--population`` given."""
    table = Table(
        title=f"{len(models)} batched model(s), {sum(members(m) for m in models)} members (cell × seed)",
        title_justify="left",
    )
    for col in ("model", "dataset", "members", "memory", "cells"):
        table.add_column(col, justify="right" if col in ("model", "members", "memory") else "left")
    for i, model in enumerate(models[:MODELS_SHOWN], 1):
        cells = "; ".join(f"{cell.label} × {len(seeds)}" for cell, seeds in model)
        need = footprint(model[0][0].config)
        size = members(model)
        memory = human_bytes(need.device_bytes(size) + need.host_bytes(size))
        table.add_row(str(i), model[0][0].config.dataset.name, str(size), memory, cells)
    rest = models[MODELS_SHOWN:]
    if rest:
        table.add_row("…", "", str(sum(members(m) for m in rest)), "", f"{len(rest)} more model(s)")
    most = (
        f"at most {cap} member(s) each (--population {cap})"
        if cap
        else "at most --population members each (default: 16 on the CPU, 512 on a GPU)"
    )
    table.caption = (
        f"Cells that may share a model (ganbench.train.population) train together, {most} and no more "
        "than fit this machine's memory now (estimated before anything is allocated; a model is never "
        "split: a cell with more seeds than the cap trains alone); the same models run locally or "
        "queued with --storage."
    )
    return table


def _here(
    console: Console,
    tracker: Tracker,
    experiment_id: str,
    parent: str,
    work: Plan,
    jobs: int,
    population: Packing,
    closed: list[str],
) -> None:
    """Train the pending units as models in this process or ``jobs`` worker processes."""
    exp = work.experiment
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
            f"{len(closed)} run(s) of earlier invocations or tuning studies of this experiment were still "
            f"RUNNING though their process is gone (killed); now marked KILLED: {', '.join(closed)}.",
            highlight=False,
        )
    live = LiveRuns(tracker, parent)
    status, runs, failure = "FAILED", None, None
    try:
        with tempfile.TemporaryDirectory(prefix="ganbench-") as tmp:
            runs = BenchmarkRuns(tracker, experiment_id, parent, exp, live, tmp)
            _train(console, runs, work, jobs, population)
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    except GanbenchError:
        raise
    except Exception as exc:  # a plugin raised in training, a worker process died, the disk filled
        failure = mask_text(describe(exc), [tracker.uri])
        full = full_disk(exc, [tracker.uri])
        if full is not None:
            raise full from None
        raise WorkFailed(
            f"training failed: {failure}. Finished runs are kept; the invocation run {parent} is "
            "marked FAILED; rerun the same command once the cause is fixed."
        ) from None
    finally:
        with shielded():  # a stop signal's clean-up runs to its end
            trained, left = (runs.trained, runs.left) if runs else (0, 0)
            counts = {"runs_trained": trained, "runs_skipped": work.skipped_runs, "runs_left": left}
            unfinished = live.unfinished()
            try:
                tracker.release(unfinished)
                tracker.finish_parent(parent, status, counts, failure)
            except Exception as exc:
                if status == "FINISHED":
                    raise
                # Unwinding from a signal or a failed cell: that error is the one to report.
                reason = mask_text(str(exc).partition("\n")[0][:300] or type(exc).__name__, [tracker.uri])
                print(f"ganbench: could not mark the invocation run {status}: {reason}", file=sys.stderr)
            if status != "FINISHED":
                stopped = runs.stopped_workers if runs else 0
                print(
                    "ganbench: "
                    + (f"stopped {stopped} worker process(es); " if stopped else "")
                    + f"{len(unfinished)} unfinished run(s) marked KILLED, their lease ended (the next "
                    f"invocation redoes them at once); {trained} run(s) completed here are kept; invocation "
                    f"run {parent} marked {status}.",
                    file=sys.stderr,
                )
    if runs.left:
        console.print(
            f"{runs.left} run(s) were claimed by another invocation training this experiment on the "
            "same store; they are left to it (rerun this command after it ends to check).",
            highlight=False,
        )


def _train(console: Console, runs: BenchmarkRuns, work: Plan, jobs: int, population: Packing) -> None:
    """The executor's local run of the pending units, with a progress bar weighted by cell cost."""
    total = sum(cell_cost(cell, len(seeds_)) for cell, seeds_ in work.pending)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[cells]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        n_cells, n_done = len(work.pending), 0
        # The bar advances by each cell's estimated cost, so the ETA weighs long cells properly.
        bar = progress.add_task("starting", total=total, cells=f"0/{n_cells} cells")
        models = pack(work.pending, population)
        if len(models) < len(work.pending):
            console.print(
                f"{len(work.pending)} cells train as {len(models)} batched model(s): cells that "
                "may share a model train together (--population caps its members).",
                highlight=False,
            )

        def lost(cell: Cell, n: int) -> None:
            progress.update(bar, advance=cell_cost(cell, n))

        def done(cell: Cell, outcome: CellOutcome) -> None:
            nonlocal n_done
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

        def start(cells: list[Cell]) -> None:
            more = f" (+{len(cells) - 1} cells as one model)" if len(cells) > 1 else ""
            progress.update(
                bar, description=f"training: {cells[0].config.dataset.name} | {cells[0].label}{more}"
            )

        runs.on_lost, runs.on_done = lost, done
        run_models(models, runs, jobs, on_start=start)


def _queued(
    console: Console,
    tracker: Tracker,
    storage,
    storage_url: str,
    parent: str,
    work: Plan,
    only: list[str],
    jobs: int,
    population: Packing,
) -> bool:
    """Queue the pending units as models in the study, then run ``jobs`` local workers (0: none;
    1: in this process). Returns whether the models were worked on here (False: only queued)."""
    exp = work.experiment
    study, models, already = queue_models(storage, exp, only, parent, work.pending, population)
    cells = {cell.key for model in models for cell, _ in model}
    console.print(
        f"[bold]{exp.spec.name}[/]{exp.profile_note}: {len(exp.cells)} cells, {len(work.pending)} "
        f"with runs to train; {sum(members(m) for m in models)} run(s) of {len(cells)} cell(s) queued now "
        f"as {len(models)} batched model(s), {already} run(s) already queued or running; study "
        f"'{study.study_name}' at {mask_url(storage_url)}; tracking at {tracker.shown}.",
        highlight=False,
    )
    for i, model in enumerate(models, 1):
        console.print(f"  model {i}: {members(model)} members, {model_label(model)}", highlight=False)
    info = ganbench_studies(storage, [study.study_name])
    first = len(study.get_trials(deepcopy=False)) - len(models)  # the trials queued now come last
    status, failure = "FAILED", None
    try:
        if jobs == 0:
            console.print(
                f"No local worker (--jobs 0). Start workers anywhere: ganbench worker --storage URL "
                f"--tracking-uri {tracker.shown} --study '{study.study_name}'",
                highlight=False,
            )
            status = "FINISHED"
            return False
        if jobs == 1:
            run_worker(storage, tracker, console, [study.study_name])
        else:
            lease = LiveRuns(tracker, parent)  # renews this invocation's lease while workers train
            run_local_workers(
                console, storage_url, tracker.uri, info, jobs, None, storage, len(models), on_poll=lease.tick
            )
        failed = failed_models(study, first)
        if failed:
            raise WorkFailed(
                f"{len(failed)} queued model(s) failed: {'; '.join(failed)}. Their unfinished runs are "
                "released; rerun the same command to queue them again once the cause is fixed."
            )
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    except Exception as exc:
        failure = mask_text(describe(exc), [tracker.uri, storage_url])
        raise
    finally:
        with shielded():  # a stop signal's clean-up runs to its end
            tracker.finish_parent(parent, status, {"cells_queued": len(cells)}, failure)
            if status == "KILLED":
                print(
                    f"ganbench: the local workers handed their models back to the queue (study "
                    f"'{study.study_name}'); invocation run {parent} marked KILLED. Rerun the same command, "
                    "or start `ganbench worker`s, to go on.",
                    file=sys.stderr,
                )
    return True
