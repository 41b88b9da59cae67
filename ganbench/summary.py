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
    table = Table(title=f"summary: {exp.spec.name} (mean ± sd over seeds, from MLflow)", title_justify="left")
    for col in (
        "dataset",
        "configuration",
        "seeds",
        "modes covered",
        "high quality",
        "Fréchet",
        "oscillation",
        "diverged",
    ):
        table.add_column(col, justify="left" if col in ("dataset", "configuration") else "right")
    for cell in exp.cells:
        runs = by_cell.get(cell.key, [])
        table.add_row(
            cell.config.dataset.name,
            cell.label,
            str(len(runs)),
            _stat(runs, "final/modes/covered", digits=1),
            _stat(runs, "final/modes/high_quality", pct=True),
            _stat(runs, "final/frechet/fd", digits=3),
            _stat(runs, "stability/oscillation", digits=3),
            f"{sum(r.data.tags.get('failure_reason', '').startswith('diverged') for r in runs)}/{len(runs)}",
        )
    return table


def _stat(runs: list, key: str, digits: int = 2, pct: bool = False) -> str:
    values = np.array([r.data.metrics.get(key, math.nan) for r in runs], dtype=float)
    if not np.isfinite(values).any():
        return "–"
    finite = values[np.isfinite(values)]
    scale = 100.0 if pct else 1.0
    mean, sd = finite.mean() * scale, (finite.std(ddof=1) if len(finite) > 1 else 0.0) * scale
    unit = " %" if pct else ""
    return f"{mean:.{1 if pct else digits}f} ± {sd:.{1 if pct else digits}f}{unit}"
