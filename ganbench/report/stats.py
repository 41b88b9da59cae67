"""Per-configuration statistics of one metric over seeds, with bootstrap 95 % intervals.

Built on :func:`ganbench.metrics.across_seeds.summarise`: for each configuration the finite
per-seed values give ``mean``, ``std`` and a BCa bootstrap interval of the mean (``ci_low``,
``ci_high``; NaN with fewer than two finite seeds). A diverged seed is a failure: ``success_rate``
is the share of complete seeds that did not diverge. ``run_ids`` lists the MLflow runs behind a row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.metrics.across_seeds import summarise
from ganbench.report.quality import Quality

CONFIDENCE = 0.95


def by_configuration(runs: pd.DataFrame, metric: str, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per configuration of ``runs`` (one dataset's complete runs): configuration,
    loss_label, schedule_label, n, n_finite, diverged, success_rate, mean, std, ci_low, ci_high,
    run_ids."""
    rows = []
    for config, group in runs.groupby("configuration", sort=False):
        values = group[metric].to_numpy(dtype=float) if metric in group else np.full(len(group), math.nan)
        diverged = group["diverged"].to_numpy(dtype=bool)
        stats = summarise(values, success=~diverged, confidence=confidence)
        rows.append(
            {
                "configuration": config,
                "loss_label": group["loss_label"].iloc[0],
                "schedule_label": group["schedule_label"].iloc[0],
                "n": int(stats["n"]),
                "n_finite": int(stats["n_finite"]),
                "diverged": int(diverged.sum()),
                "success_rate": stats["success_rate"],
                "mean": stats["mean"],
                "std": stats["std"],
                "ci_low": stats["ci_low"],
                "ci_high": stats["ci_high"],
                "run_ids": list(group["run_id"]),
            }
        )
    columns = ["configuration", "loss_label", "schedule_label", "n", "n_finite", "diverged"]
    columns += ["success_rate", "mean", "std", "ci_low", "ci_high", "run_ids"]
    return pd.DataFrame(rows, columns=columns)


def ranked(summary: pd.DataFrame, q: Quality) -> pd.DataFrame:
    """``summary`` best first by mean (NaN means last), configuration name breaking ties."""
    key = summary["mean"] if q.higher_is_better else -summary["mean"]
    order = summary.assign(_key=key.fillna(-math.inf)).sort_values(
        ["_key", "configuration"], ascending=[False, True], kind="stable"
    )
    return order.drop(columns="_key").reset_index(drop=True)


def places(value: float) -> int:
    """Decimals for three significant figures of ``value`` (none for 0), at most four."""
    if value == 0 or not math.isfinite(value):
        return 0
    return min(4, max(0, 2 - math.floor(math.log10(abs(value)))))


def number(value: float, scale: float = 1.0, decimals: int | None = None) -> str:
    """Three significant figures, at most four decimals: 18.6, 0.534, 1270, 0.0070; NaN → '–'."""
    if value is None or not math.isfinite(value):
        return "–"
    value *= scale
    return f"{value:.{places(value) if decimals is None else decimals}f}"


def with_interval(row: pd.Series, scale: float = 1.0) -> str:
    """``mean [ci_low, ci_high]`` as the report prints it (the interval omitted when undefined), all
    three with one number of decimals: the fewest that give the non-zero ones ~3 significant figures."""
    mean = row["mean"]
    if mean is None or not math.isfinite(mean):
        return "–"
    shown = [v * scale for v in (mean, row["ci_low"], row["ci_high"]) if math.isfinite(v) and v != 0]
    decimals = min((places(v) for v in shown), default=0)  # 0 [0, 0]; 10.0 [5.2, 14.8]; 0.34 [0.29, 0.39]
    if not math.isfinite(row["ci_low"]):
        return number(mean, scale, decimals)
    low, high = number(row["ci_low"], scale, decimals), number(row["ci_high"], scale, decimals)
    return f"{number(mean, scale, decimals)} [{low}, {high}]"
