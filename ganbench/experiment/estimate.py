"""Cost estimates: a dry run's table (measured, :mod:`ganbench.experiment.timing`) and the progress
bar's weights (relative, free to compute)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from rich.table import Table

from ganbench import registry
from ganbench.contracts import ScheduleContext, ScheduleState
from ganbench.executor.packing import auto_population
from ganbench.experiment.references import needed
from ganbench.experiment.spec import Cell, Experiment
from ganbench.experiment.timing import REPEATS, CostTimer, UpdateCosts
from ganbench.metrics.convergence import WINDOW
from ganbench.metrics.reference import DRAWS
from ganbench.train.config import TrainConfig


@dataclass(frozen=True)
class UpdateCounts:
    """What training a cell runs, per seed: ticks, and updates of D alone, G alone and both at once."""

    ticks: int
    d: int
    g: int
    joint: int

    def seconds(self, cost: UpdateCosts, n_evaluations: int, n_images: int = 0) -> float:
        """These updates, ``n_evaluations`` evaluations and ``n_images`` sample images (drawn in
        one model) at measured ``cost``."""
        training = self.d * cost.d + self.g * cost.g + self.joint * cost.joint
        drawing = n_images * cost.image + (cost.image_setup if n_images else 0.0)
        return training + cost.evaluations(n_evaluations) + drawing


#: Generator updates a schedule is run for on its own when counting; a longer budget is scaled from
#: them (a schedule's pattern repeats well within this; running it tick by tick for a budget of
#: millions of updates took minutes before a benchmark started).
SIMULATED_G_STEPS = 20_000


def schedule_counts(cell: Cell, assumed_d_accuracy: float = 0.6) -> UpdateCounts:
    """Run the schedule on its own until the generator budget is spent, counting the updates the
    trainer would run (adaptive schedules are driven by an assumed constant discriminator accuracy,
    so theirs is a guess; a per-seed schedule runs both players' updates, masked, at every tick).
    A budget over :data:`SIMULATED_G_STEPS` is counted on that many and scaled."""
    cfg = cell.config
    budget = min(cfg.g_steps, SIMULATED_G_STEPS)
    dataset_cls = registry.datasets.get(cfg.dataset.name)
    size = dataset_cls.size if isinstance(dataset_cls.size, int) else None
    examples = size if size is not None else dataset_cls.nominal_epoch
    context = ScheduleContext(1, max(1, examples // cfg.batch_size))
    schedule_cls = registry.schedules.get(cfg.schedule.name)
    schedule = schedule_cls(schedule_cls.Params(**cfg.schedule.params), context)
    g = torch.zeros(1, dtype=torch.long)
    acc = torch.full((1,), assumed_d_accuracy)
    tick = n_d = n_g = n_joint = 0
    while g.item() < budget and tick < 50 * budget:
        step = schedule.next_step(ScheduleState(tick, g.clone(), g.clone(), acc))
        if step.joint:
            n_joint += 1
        else:
            n_d += int(schedule.per_seed or bool(step.d.any()))
            n_g += int(schedule.per_seed or bool(step.g.any()))
        g += step.g
        tick += 1
    if budget == cfg.g_steps:
        return UpdateCounts(tick, n_d, n_g, n_joint)
    scale = cfg.g_steps / max(1, g.item())
    return UpdateCounts(*(round(n * scale) for n in (tick, n_d, n_g, n_joint)))


def schedule_ticks(cell: Cell) -> int:
    """Ticks needed to spend the generator budget."""
    return schedule_counts(cell).ticks


def timed(config: TrainConfig) -> TrainConfig:
    """The configuration a dry run times: at most a model's default number of members
    (:data:`~ganbench.executor.packing.AUTO_POPULATION`) of its seeds, so that timing costs the same
    memory and seconds at 100,000 seeds as at 16; the time of the rest is scaled by their number
    (a cell with more seeds trains as several models, or as one that costs about as much more)."""
    most = auto_population(config.device)
    return config if len(config.seeds) <= most else config.model_copy(update={"seeds": config.seeds[:most]})


def cell_seconds(cell: Cell, timer: CostTimer, sample_images: str = "none") -> float:
    """Estimated seconds to train and evaluate a cell: its update counts times measured costs, and
    its sample images (``sample_images`` as the spec says)."""
    config = timed(cell.config)
    share = len(config.seeds) / len(cell.config.seeds)
    seconds = schedule_counts(cell).seconds(
        timer.costs(config), evaluations(cell), round(images(cell, sample_images) * share)
    )
    return seconds / share


def images(cell: Cell, sample_images: str) -> int:
    """Sample images a cell's training draws: one per seed and evaluation (``every_eval``), one per
    seed (``final``), or none."""
    seeds = len(cell.config.seeds)
    return {"every_eval": seeds * evaluations(cell), "final": seeds}.get(sample_images, 0)


def reference_seconds(exp: Experiment, timer: CostTimer) -> float:
    """Scoring the reference rows the experiment needs (each: the real data and the noise, DRAWS
    draws each, with the cells' evaluator, at the evaluation count and — where the curves score
    fewer samples — at the curves' count too), from the measured cost of evaluating a cell's seeds.
    A store that holds them already skips this."""
    total = 0.0
    for config in needed(exp).values():
        config = timed(config)
        costs = timer.costs(config)
        per_draw = (costs.full_evaluation + (costs.curve_evaluation or 0.0)) / len(config.seeds)
        total += 2 * DRAWS * per_draw
    return total


def cell_cost(cell: Cell, n_seeds: int | None = None) -> float:
    """Relative work of a cell (seed-ticks × network width), to weigh the progress bar's cells
    against each other without timing anything."""
    seeds = len(cell.config.seeds) if n_seeds is None else n_seeds
    width = max(cell.config.generator.width, cell.config.discriminator.width)
    return schedule_ticks(cell) * seeds * max(1.0, width / 128)


def dry_run_table(exp: Experiment, timer: CostTimer, jobs: int = 1) -> Table:
    """The cells of an experiment with their estimated time, from ``timer``'s measurements."""
    table = Table(
        title=f"{exp.spec.name}{exp.profile_note}: {len(exp.cells)} cells, {exp.n_runs} runs "
        "(dry run: nothing is recorded)",
        title_justify="left",
    )
    for col in ("#", "dataset", "configuration", "seeds", "G updates", "ticks", "evals", "est. time"):
        table.add_column(col, justify="left" if col in ("dataset", "configuration") else "right")
    total = 0.0
    for cell in exp.cells:
        counts = schedule_counts(cell)  # simulated once: ~1 s per 50,000 ticks
        seconds = cell_seconds(cell, timer, exp.spec.sample_images)
        total += seconds
        table.add_row(
            str(cell.index),
            cell.config.dataset.name,
            cell.label,
            str(len(cell.config.seeds)),
            str(cell.config.g_steps),
            str(counts.ticks),
            str(evaluations(cell)),
            _duration(seconds),
        )
    workers = min(jobs, len(exp.cells))
    references = reference_seconds(exp, timer)
    table.caption = (
        f"total ≈ {_duration(total)} of training, evaluation and sample images"
        + (f", ≈ {_duration(total / workers)} with {workers} workers" if workers > 1 else "")
        + f", and ≈ {_duration(references)} to score the reference rows (once per experiment, before "
        f"training) — timed on this machine now ({timer.measured} distinct setup(s), {REPEATS} updates "
        "of each kind, one evaluation and a few sample images each, cells alone); not counted: "
        "starting the worker processes and writing the runs to MLflow. An estimate, not a measurement "
        "of the run"
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
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
