"""``ganbench train``: one configuration, S seeds in lockstep, a progress bar, a per-seed table and
an image of generated samples beside the real data."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ganbench.device import resolve_device
from ganbench.executor.packing import Budget
from ganbench.experiment.cell_run import reference_samples, sample_bound, samples_reach
from ganbench.experiment.spec_io import read_yaml
from ganbench.metrics.stability import DIVERGENCE_BOUND
from ganbench.report.quality import shown_value
from ganbench.train.build import build, evaluator_for
from ganbench.train.records import History, LogRecord
from ganbench.train.trainer import TrainResult, train
from ganbench.validation import apply_overrides, expand_shorthand, train_config


def run_train(
    console: Console,
    dataset: str | None,
    loss: str | None,
    schedule: str | None,
    seeds: int,
    first_seed: int,
    g_steps: int | None,
    device: str | None,
    config_file: Path | None,
    assignments: list[str],
    out: Path | None,
    *,
    threads: int | None = None,
) -> TrainResult:
    """Validate the settings, train, print the results and save the sample figure. ``threads``: CPU
    threads for torch (None: torch's choice, one per core). On a machine whose cores other jobs keep
    busy, small convolutions on two threads ran 7–11 times slower than on one (measured: a plain
    PyTorch DCGAN loop and ganbench's alike, 2 cores at load 4)."""
    if threads:
        torch.set_num_threads(threads)
    raw = read_yaml(config_file) if config_file else {}
    given = {"dataset": dataset, "loss": loss, "schedule": schedule, "g_steps": g_steps, "device": device}
    raw = expand_shorthand({**raw, **{k: v for k, v in given.items() if v is not None}})
    raw["seeds"] = list(range(first_seed, first_seed + seeds))
    where = str(config_file) if config_file else "command line"
    cfg = train_config(apply_overrides(raw, assignments), where)  # expands shorthand again after --set
    # The seeds train as one model: refuse one too large for this machine before allocating it.
    budget = Budget.now(resolve_device(cfg.device))
    if budget.members(cfg, where, len(cfg.seeds)) < len(cfg.seeds):
        raise budget.refuse(cfg, f"{where} (--seeds {len(cfg.seeds)}: train fewer at once)", len(cfg.seeds))
    setup = build(cfg, where)
    evaluate = evaluator_for(setup)

    history = History(setup.n_seeds)
    console.print(
        f"Training [bold]{cfg.loss.name}[/] + [bold]{cfg.schedule.name}[/] on [bold]{cfg.dataset.name}[/], "
        f"{setup.n_seeds} seed(s) in lockstep, {cfg.g_steps} generator updates each, on {setup.device}"
        + (f" ({torch.get_num_threads()} CPU thread(s))." if setup.device.type == "cpu" else ".")
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("G updates"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("training", total=cfg.g_steps)

        watch = BlowUp(setup)

        def log(record: LogRecord) -> None:
            history(record)
            watch(record)
            progress.update(task, completed=int(record.step.min()))

        result = train(setup, log=log, evaluate=evaluate)
        watch.mark(result)
        progress.update(task, completed=int(result.g_updates.max()))

    console.print(result_table(result))
    if result.last_eval:
        console.print(metrics_table(result))
    out = (
        out
        or Path("outputs")
        / f"train-{cfg.dataset.name}-{cfg.loss.name}-{cfg.schedule.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    figure = _save_samples(setup, out)
    console.print(f"Samples: [bold]{figure}[/]  ({result.seconds:.1f} s of training)")
    return result


class BlowUp:
    """Divergence beyond NaN, by the benchmark's rule (docs/runs-and-stores.md): a seed diverges at
    the first logged point where a loss or gradient norm reaches :data:`DIVERGENCE_BOUND`, or its
    samples reach :func:`sample_bound` (1,000 times the data's largest magnitude)."""

    WATCHED = ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g")

    def __init__(self, setup) -> None:
        self.samples_limit = sample_bound(DIVERGENCE_BOUND, reference_samples(setup))
        self.at = np.full(setup.n_seeds, -1, dtype=np.int64)

    def __call__(self, record: LogRecord) -> None:
        big = np.zeros(len(record.active), dtype=bool)
        for name in self.WATCHED:
            if name in record.values:
                with np.errstate(invalid="ignore"):
                    big |= np.abs(record.values[name]) >= DIVERGENCE_BOUND
        if record.samples is not None:
            big |= samples_reach(record.samples, self.samples_limit)
        newly = big & record.active & (self.at < 0)
        self.at[newly] = record.step[newly]

    def mark(self, result: TrainResult) -> None:
        """Record the seeds that passed a bound as diverged there (an earlier non-finite loss stands)."""
        for i, at in enumerate(self.at):
            if at >= 0 and not (0 <= result.diverged_at[i] <= at):
                result.diverged_at[i] = at


def result_table(result: TrainResult) -> Table:
    """Per-seed final losses, discriminator accuracies, update counts and divergence."""
    # Light box: the heavy default needs over 80 columns once D takes 5 steps per G step.
    table = Table(
        title="per-seed results",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for col in ("seed", "D loss", "G loss", "D acc real", "D acc fake", "D/G updates", "diverged"):
        table.add_column(col, justify="right", no_wrap=True)
    t = result.last_train
    for i, seed in enumerate(result.seeds):
        diverged = f"at {result.diverged_at[i]}" if result.diverged[i] else "no"
        row = [
            str(seed),
            _fmt(t, "d_loss", i),
            _fmt(t, "g_loss", i),
            _fmt(t, "d_acc_real", i, pct=True),
            _fmt(t, "d_acc_fake", i, pct=True),
            f"{result.d_updates[i]}/{result.g_updates[i]}",
            diverged,
        ]
        table.add_row(*row, style="red" if result.diverged[i] else None)
    return table


def metrics_table(result: TrainResult) -> Table:
    """Final evaluation metrics: one row per metric, one column per seed."""
    table = Table(title="final metrics (fixed noise batch per seed)", title_justify="left")
    table.add_column("metric")
    for seed in result.seeds:
        table.add_column(f"seed {seed}", justify="right")
    for name in sorted(result.last_eval):
        values = result.last_eval[name]
        cells = [
            shown_value(name, float(values[i])) if np.isfinite(values[i]) else "–"
            for i in range(len(result.seeds))
        ]
        table.add_row(name, *cells)
    return table


def _fmt(values: dict[str, np.ndarray], name: str, i: int, pct: bool = False) -> str:
    if name not in values or not np.isfinite(values[name][i]):
        return "–"
    v = float(values[name][i])
    return f"{100 * v:.1f} %" if pct else f"{v:.4g}"


def _save_samples(setup, out: Path) -> Path:
    import torch

    from ganbench.train.plots import samples_figure

    out.mkdir(parents=True, exist_ok=True)
    fake = setup.eval_samples(2500).cpu()
    gen = torch.Generator(device=setup.device).manual_seed(12345)
    real = setup.dataset.sample(min(2500, fake.shape[1]), gen).cpu()
    cfg = setup.config
    title = f"{cfg.loss.name} + {cfg.schedule.name} on {cfg.dataset.name}, {cfg.g_steps} G updates"
    return samples_figure(
        setup.dataset,
        fake,
        real,
        out / "samples.png",
        title=title,
        seed_labels=[f"seed {s}" for s in cfg.seeds],
    )
