"""Compare the ranking of configurations at the budget with the ranking at half of it.

A benchmark's ranking means something only once training has settled: if the configurations still
swap places between B/2 and B updates, B is likely too short for the ranking at B to be the one
that longer training would give. With evaluations at both points this is read from the runs'
metric histories, at no extra training cost (the check at B against 2B is the same comparison on
a benchmark run twice as long).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: Kendall's τ-b at or above which two rankings count as agreeing (with the same leader).
SETTLED_TAU = 0.6


@dataclass(frozen=True)
class CheckpointComparison:
    """Rankings at ``half_step`` and ``full_step``; ``table`` has one row per configuration:
    configuration, mean_half, mean_full, rank_half, rank_full, run_ids (sorted by rank_full)."""

    half_step: int
    full_step: int
    table: pd.DataFrame
    tau: float
    leaders_half: list[str]
    leaders_full: list[str]

    @property
    def settled(self) -> bool:
        """Same leader and τ ≥ :data:`SETTLED_TAU`. An undefined τ (every configuration tied at one of
        the two points) is never settled: a ranking of ties says nothing about the budget."""
        same_leader = bool(set(self.leaders_half) & set(self.leaders_full))
        return same_leader and math.isfinite(self.tau) and self.tau >= SETTLED_TAU


def common_checkpoints(curves: pd.DataFrame) -> tuple[int, int] | None:
    """(B/2 point, B): B = the last evaluation step every configuration reached; the B/2 point = the
    common step nearest B/2 (the earlier one on a tie). None with fewer than two common steps."""
    per_config = [set(g["step"].astype(int)) for _, g in curves.groupby("configuration")]
    if not per_config:
        return None
    common = sorted(set.intersection(*per_config))
    if len(common) < 2:
        return None
    full = common[-1]
    half = min(common[:-1], key=lambda s: (abs(s - full / 2), s))
    return half, full


def compare_checkpoints(curves: pd.DataFrame, higher_is_better: bool) -> CheckpointComparison | None:
    """Rank the configurations of one dataset's metric ``curves`` (``ReportData.curves`` rows) by
    their mean over seeds at B/2 and at B. None with fewer than two configurations or checkpoints."""
    finite = curves[np.isfinite(curves["value"].astype(float))]
    if finite["configuration"].nunique() < 2:
        return None
    points = common_checkpoints(finite)
    if points is None:
        return None
    half, full = points
    means = (
        finite[finite["step"].isin(points)]
        .groupby(["configuration", "step"])["value"]
        .mean()
        .unstack("step")
        .rename(columns={half: "mean_half", full: "mean_full"})
    )
    ranks = means.rank(ascending=not higher_is_better, method="min").astype(int)
    table = means.assign(rank_half=ranks["mean_half"], rank_full=ranks["mean_full"])
    run_ids = finite.groupby("configuration")["run_id"].unique().map(sorted)
    table = table.assign(run_ids=run_ids).reset_index().sort_values(["rank_full", "configuration"])
    with warnings.catch_warnings():  # a constant ranking has no τ (NaN); `settled` handles it
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        tau = stats.kendalltau(table["mean_half"], table["mean_full"]).statistic
    return CheckpointComparison(
        half_step=int(half),
        full_step=int(full),
        table=table.reset_index(drop=True),
        tau=float(tau),
        leaders_half=sorted(table.loc[table["rank_half"] == 1, "configuration"]),
        leaders_full=sorted(table.loc[table["rank_full"] == 1, "configuration"]),
    )
