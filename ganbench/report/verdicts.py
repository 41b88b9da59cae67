"""Verdicts in plain words, drawn only where bootstrap 95 % intervals separate.

For one dataset and one metric, configurations with an interval (at least two finite seeds) are
ranked by mean. The best is compared with every other: the two *separate* when the best's interval
lies entirely on the better side of the other's (higher metric: best.ci_low > other.ci_high). The
verdict names the best-ranked configuration it separates from ("on grid, A covers more modes than
B: 18.6 [17.8, 19.4] vs 10.0 [5.2, 14.8]"), how many others it also beats, and those it cannot be
told apart from. When it separates from none: "no clear difference".
"""

from __future__ import annotations

import math

import pandas as pd

from ganbench.contracts.report import Verdict
from ganbench.report.quality import Quality
from ganbench.report.stats import ranked, with_interval

SEPARATED, NO_CLEAR_DIFFERENCE, NOTE = "separated", "no clear difference", "note"


def separates(best: pd.Series, other: pd.Series, higher_is_better: bool) -> bool:
    """Whether ``best``'s interval lies strictly on the better side of ``other``'s."""
    if higher_is_better:
        return best["ci_low"] > other["ci_high"]
    return best["ci_high"] < other["ci_low"]


def verdict(summary: pd.DataFrame, q: Quality, dataset: str) -> Verdict:
    """The verdict for one dataset and metric from :func:`ganbench.report.stats.by_configuration`."""
    with_ci = summary[summary["ci_low"].map(math.isfinite)]
    order = ranked(with_ci, q)
    if len(order) < 2:
        return Verdict(
            f"on {dataset}, {q.label}: fewer than two configurations have two or more finite seeds, "
            "so there is nothing to compare.",
            NOTE,
            dataset,
            q.key,
        )
    best, others = order.iloc[0], order.iloc[1:]
    beaten = [row for _, row in others.iterrows() if separates(best, row, q.higher_is_better)]
    tied = [row for _, row in others.iterrows() if not separates(best, row, q.higher_is_better)]

    def show(row: pd.Series) -> str:
        return f"{row['configuration']} ({with_interval(row, q.scale)})"

    if not beaten and (order["ci_low"] == order["ci_high"]).all() and order["mean"].nunique() == 1:
        return Verdict(
            f"on {dataset}, {q.label}: no clear difference — every seed of all {len(order)} "
            f"configurations has the same value, {with_interval(best, q.scale).split(' [')[0]}.",
            NO_CLEAR_DIFFERENCE,
            dataset,
            q.key,
        )
    if not beaten:
        return Verdict(
            f"on {dataset}, {q.label}: no clear difference — the 95 % intervals of all "
            f"{len(order)} configurations overlap that of the best by mean, {show(best)}.",
            NO_CLEAR_DIFFERENCE,
            dataset,
            q.key,
            winner=None,
        )
    loser = beaten[0]
    text = (
        f"on {dataset}, {best['configuration']} {q.better} than {loser['configuration']}: "
        f"{with_interval(best, q.scale)} vs {with_interval(loser, q.scale)}"
    )
    if len(beaten) > 1:
        text += f", and than {len(beaten) - 1} more configuration{'s' if len(beaten) > 2 else ''}"
    if tied:
        text += "; no clear difference from " + ", ".join(show(r) for r in tied)
    return Verdict(
        text + ".", SEPARATED, dataset, q.key, winner=best["configuration"], loser=loser["configuration"]
    )


def divergence_note(runs: pd.DataFrame, dataset: str) -> Verdict:
    """How many complete seeds diverged on ``dataset``, and in which configurations."""
    diverged = runs[runs["diverged"]]
    if diverged.empty:
        return Verdict(f"on {dataset}, no seed diverged ({len(runs)} runs).", NOTE, dataset, "diverged")
    counts = diverged.groupby("configuration").size()
    totals = runs.groupby("configuration").size()
    parts = [f"{config} {counts[config]} of {totals[config]}" for config in counts.index]
    return Verdict(
        f"on {dataset}, {len(diverged)} of {len(runs)} seeds diverged (counted as failures): "
        + "; ".join(parts)
        + ".",
        NOTE,
        dataset,
        "diverged",
    )
