"""The end-of-benchmark summary table, read back from MLflow (so it covers resumed runs too)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from rich import box
from rich.table import Table

from ganbench.experiment.spec import Experiment
from ganbench.metrics.confidence import HQ_SHARE
from ganbench.metrics.convergence import WINDOW, convergence_note, trend_counts, trends_of
from ganbench.tracking.tracker import CELL, COMPLETE, FEATURE_SPACE, KEY, Tracker

CONVERGED, TREND = "stability/converged", "stability/late_trend"


def summary_table(tracker: Tracker, experiment_id: str, exp: Experiment) -> Table:
    """Configuration × dataset: modes covered, high-quality share, a quality figure for data without
    known modes (Fréchet distance), the stability figure (late oscillation of the main quality metric)
    — each a mean ± standard deviation over the cell's complete runs —, how many seeds had converged
    (plateau test, ``ganbench.metrics.convergence``) and how many diverged. The caption ends with a
    sentence on convergence over every run, plain when most had not converged."""
    wanted = {c.key: c for c in exp.cells}
    newest: dict[str, object] = {}  # run key → its newest complete run (a store may hold duplicates)
    for run in tracker.runs(experiment_id, f"tags.`{COMPLETE}` = 'true'"):
        key = run.data.tags.get(KEY)
        if run.data.tags.get(CELL) in wanted and (key not in newest or _newer(run, newest[key])):
            newest[key] = run
    by_cell: dict[str, list] = defaultdict(list)
    for run in newest.values():
        by_cell[run.data.tags[CELL]].append(run)
    every_run = [r for cell in exp.cells for r in by_cell.get(cell.key, [])]
    table = Table(
        title=f"summary: {exp.spec.name} (mean ± sd over seeds, read from MLflow)",
        title_justify="left",
        caption="covered: modes with a high-quality sample (digits: with any sample); HQ: high-quality "
        f"share (digits: the classifier is as sure of it as of {HQ_SHARE:.0%} of held-out real digits); "
        f"FD: Fréchet distance{_spaces(every_run)}; "
        "osc.: sd of the main quality metric over the last quarter of evaluations; "
        f"conv.: seeds whose quality (main metric, HQ, FD) had settled over the last {WINDOW} "
        "evaluations / seeds that could be tested (↓n: n of them got worse there); div.: diverged seeds."
        + (f"\n{convergence_note(_trends(every_run))}" if every_run else ""),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),  # with no edge, fits 80 columns
        show_edge=False,
    )
    table.add_column("data", no_wrap=True)
    table.add_column("configuration", min_width=22)  # wraps after "loss +" when narrow
    for col in ("n", "covered", "HQ %", "FD", "osc.", "conv.", "div."):
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
            _stat(runs, "final/modes/covered", max_places=1),
            _stat(runs, "final/modes/high_quality", scale=100.0, max_places=1),
            _stat(runs, "final/frechet/fd"),
            _stat(runs, "stability/oscillation", max_places=1),
            _converged(runs),
            str(sum(r.data.tags.get("failure_reason", "").startswith("diverged") for r in runs)),
        )
        previous = dataset
    return table


def _spaces(runs: list) -> str:
    """`` (in data on ring, grid; in 8×8 digit classifier features on digits)``: the feature space
    each dataset's runs recorded for the Fréchet distance (tag ``feature_space.frechet``)."""
    by_space: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        space = run.data.tags.get(f"{FEATURE_SPACE}frechet")
        dataset = run.data.tags.get("dataset", "")
        if space and dataset not in by_space[space]:
            by_space[space].append(dataset)
    parts = [f"in {space} on {', '.join(names)}" for space, names in by_space.items()]
    return f" ({'; '.join(parts)})" if parts else ""


def _values(runs: list, key: str) -> np.ndarray:
    return np.array([r.data.metrics.get(key, math.nan) for r in runs], dtype=float)


def _trends(runs: list):
    """Each run's late trend (+1 improving, 0 settled, −1 got worse, NaN unknown)."""
    return trends_of(_values(runs, CONVERGED), _values(runs, TREND))


def _converged(runs: list) -> str:
    """``settled/tested`` seeds, ``↓n`` when n got worse (``–`` when none could be tested)."""
    settled, improving, worse, _ = trend_counts(_trends(runs))
    tested = settled + improving + worse
    return f"{settled}/{tested}" + (f" ↓{worse}" if worse else "") if tested else "–"


def _stat(runs: list, key: str, scale: float = 1.0, max_places: int = 2) -> str:
    """``mean±sd`` over the runs that have the metric, to about three significant figures of the mean
    (at most ``max_places`` decimals): 1268±271, 66.0±30.6, 0.85±0.77."""
    values = _values(runs, key) * scale
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "–"
    mean, sd = finite.mean(), (finite.std(ddof=1) if len(finite) > 1 else 0.0)
    magnitude = math.floor(math.log10(abs(mean))) if mean != 0 else 0
    places = min(max_places, max(0, 2 - magnitude))
    return f"{mean:.{places}f}±{sd:.{places}f}"


def _newer(run, other) -> bool:
    """Whether ``run`` ended after ``other`` (the report's rule: the newest complete run counts)."""

    def order(r) -> tuple:
        return (r.info.end_time or 0, r.info.start_time or 0, r.info.run_id)

    return order(run) > order(other)
