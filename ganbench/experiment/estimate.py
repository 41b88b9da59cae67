"""Cost estimates for a dry run and for the progress bar's ETA, before anything trains."""

from __future__ import annotations

import torch
from rich.table import Table

from ganbench import registry
from ganbench.contracts import ScheduleContext, ScheduleState
from ganbench.experiment.spec import Cell, Experiment
from ganbench.metrics.convergence import WINDOW

# Measured on this project's reference machine (2 shared CPU cores, one worker thread, default MLPs
# of width 128 and depth 3, batch 256): seconds per (tick × seed), evaluation excluded.
SECONDS_PER_SEED_TICK = 2.0e-3


def schedule_ticks(cell: Cell, assumed_d_accuracy: float = 0.6) -> int:
    """Ticks needed to spend the generator budget, by running the schedule on its own (adaptive
    schedules are driven by an assumed constant discriminator accuracy, so theirs is a guess)."""
    cfg = cell.config
    dataset_cls = registry.datasets.get(cfg.dataset.name)
    size = dataset_cls.size if isinstance(dataset_cls.size, int) else None
    examples = size if size is not None else dataset_cls.nominal_epoch
    context = ScheduleContext(1, max(1, examples // cfg.batch_size))
    schedule_cls = registry.schedules.get(cfg.schedule.name)
    schedule = schedule_cls(schedule_cls.Params(**cfg.schedule.params), context)
    g = torch.zeros(1, dtype=torch.long)
    acc = torch.full((1,), assumed_d_accuracy)
    tick = 0
    while g.item() < cfg.g_steps and tick < 50 * cfg.g_steps:
        g += schedule.next_step(ScheduleState(tick, g.clone(), g.clone(), acc)).g
        tick += 1
    return tick


def cell_cost(cell: Cell, n_seeds: int | None = None) -> float:
    """Estimated work of a cell, in seed-ticks."""
    seeds = len(cell.config.seeds) if n_seeds is None else n_seeds
    width = max(cell.config.generator.width, cell.config.discriminator.width)
    return schedule_ticks(cell) * seeds * max(1.0, width / 128)


def dry_run_table(exp: Experiment) -> Table:
    """The cells of an experiment with their estimated cost."""
    table = Table(
        title=f"{exp.spec.name}{exp.profile_note}: {len(exp.cells)} cells, {exp.n_runs} runs "
        "(dry run: nothing trains)",
        title_justify="left",
    )
    for col in ("#", "dataset", "configuration", "seeds", "G updates", "ticks", "est. CPU time"):
        table.add_column(col, justify="right" if col in ("#", "seeds", "G updates", "ticks") else "left")
    total = 0.0
    for cell in exp.cells:
        cost = cell_cost(cell)
        total += cost
        table.add_row(
            str(cell.index),
            cell.config.dataset.name,
            cell.label,
            str(len(cell.config.seeds)),
            str(cell.config.g_steps),
            str(schedule_ticks(cell)),
            _duration(cost * SECONDS_PER_SEED_TICK),
        )
    table.caption = (
        f"total ≈ {_duration(total * SECONDS_PER_SEED_TICK)} of one CPU core for training, "
        "plus evaluation; an estimate, not a measurement"
    )
    fewest = min((evaluations(c) for c in exp.cells), default=WINDOW)
    if fewest < WINDOW:
        table.caption += (
            f". Some runs evaluate only {fewest} time{'s' if fewest > 1 else ''}: their convergence will "
            f"be unknown (the plateau test needs {WINDOW} evaluations; lower eval_every)"
        )
    return table


def evaluations(cell: Cell) -> int:
    """Evaluation points of a run: every ``eval_every`` generator updates and at the end."""
    cfg = cell.config
    return -(-cfg.g_steps // cfg.eval_every)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
