"""The end-of-benchmark summary table, read back from MLflow (so it covers resumed runs too)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from rich.table import Table

from ganbench.spec import Experiment
from ganbench.tracking import CELL, COMPLETE, Tracker


def summary_table(tracker: Tracker, experiment_id: str, exp: Experiment) -> Table:
    """Configuration × dataset: modes covered, high-quality share, a quality figure for data without
    known modes (Fréchet distance), the stability figure (late oscillation of the main quality metric)
    and how many seeds diverged — each a mean ± standard deviation over the cell's complete runs."""
    wanted = {c.key: c for c in exp.cells}
    by_cell: dict[str, list] = defaultdict(list)
    for run in tracker.runs(experiment_id, f"tags.`{COMPLETE}` = 'true'"):
        key = run.data.tags.get(CELL)
        if key in wanted:
            by_cell[key].append(run)
    table = Table(
        title=f"summary: {exp.spec.name} (mean ± sd over seeds, read from MLflow)",
        title_justify="left",
        caption="covered: modes with a high-quality sample; HQ: high-quality share; FD: Fréchet "
        "distance; osc.: sd of the main quality metric over the last quarter of evaluations; "
        "div.: diverged seeds",
        caption_justify="left",
    )
    table.add_column("data")
    table.add_column("configuration", ratio=1, overflow="fold")
    for col in ("n", "covered", "HQ %", "FD", "osc.", "div."):
        table.add_column(col, justify="right", no_wrap=True)
    previous = None
    for cell in exp.cells:
        runs = by_cell.get(cell.key, [])
        dataset = cell.config.dataset.name
        if previous is not None and dataset != previous:
            table.add_section()
        table.add_row(
            dataset if dataset != previous else "",
            cell.label,
            str(len(runs)),
            _stat(runs, "final/modes/covered", digits=1),
            _stat(runs, "final/modes/high_quality", pct=True),
            _stat(runs, "final/frechet/fd", digits=2),
            _stat(runs, "stability/oscillation", digits=2),
            str(sum(r.data.tags.get("failure_reason", "").startswith("diverged") for r in runs)),
        )
        previous = dataset
    return table


def _stat(runs: list, key: str, digits: int = 2, pct: bool = False) -> str:
    values = np.array([r.data.metrics.get(key, math.nan) for r in runs], dtype=float)
    if not np.isfinite(values).any():
        return "–"
    finite = values[np.isfinite(values)]
    scale = 100.0 if pct else 1.0
    mean, sd = finite.mean() * scale, (finite.std(ddof=1) if len(finite) > 1 else 0.0) * scale
    places = 0 if pct else digits
    return f"{mean:.{places}f}±{sd:.{places}f}"
