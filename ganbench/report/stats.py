"""Per-configuration statistics of one metric over seeds, with 95 % intervals of the mean.

Built on :func:`ganbench.metrics.across_seeds.summarise`: for each configuration the finite
per-seed values give ``mean``, ``std`` and a 95 % interval of the mean (``ci_low``, ``ci_high``;
NaN with fewer than two finite seeds). The interval's method is named in ``ci_method``:

- with :data:`MIN_SEEDS_FOR_FINDING` (5) or more finite seeds, a BCa bootstrap interval;
- with 2–4, a Student-t interval, mean ± t(0.975, n−1)·sd/√n — a bootstrap of two values is only
  their range, far too narrow; the t interval is honest about how little two seeds say, under its
  assumption that the seed values are roughly normal.

Every interval is kept inside the values the metric can take (``bounds``: modes covered in [0, K],
a share in [0, 1], a distance ≥ 0): the t interval is cut at the bounds. The true mean lies inside
them, so cutting off the part outside never drops it — the interval covers it exactly as often as
before — while a printed "1.67 [−2.13, 5.46]" modes would claim a negative count is possible. (A BCa
interval is made of bootstrap means of the seed values, so it lies inside their range already.)

A diverged seed is a failure: ``success_rate`` is the share of complete seeds that did not diverge.
``values`` holds the finite per-seed values (for the tests behind a verdict); ``run_ids`` the
MLflow runs behind a row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ganbench.metrics.across_seeds import summarise
from ganbench.report.quality import Quality

CONFIDENCE = 0.95
MIN_SEEDS_FOR_FINDING = 5
"""Finite seeds each side needs for a difference to be reported as a finding (else: tentative)."""
BOOTSTRAP, STUDENT_T = "BCa bootstrap", "Student t"


UNBOUNDED = (-math.inf, math.inf)


def clip_interval(low: float, high: float, bounds: tuple[float, float] = UNBOUNDED) -> tuple[float, float]:
    """(``low``, ``high``) cut at the metric's ``bounds`` (NaN stays NaN)."""
    lo, hi = bounds
    return (
        min(max(low, lo), hi) if math.isfinite(low) else low,
        max(min(high, hi), lo) if math.isfinite(high) else high,
    )


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student-t interval of the mean of the finite ``values``: NaN with fewer than two, [x, x]
    when every value is x."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    sem = float(np.std(x, ddof=1)) / math.sqrt(len(x))
    if sem == 0:
        return float(x[0]), float(x[0])
    low, high = scipy_stats.t.interval(confidence, len(x) - 1, loc=float(x.mean()), scale=sem)
    return float(low), float(high)


def interval_method(n_finite: int) -> str:
    """The interval a row of ``n_finite`` seeds gets: BCa bootstrap from 5 seeds, Student t below."""
    return BOOTSTRAP if n_finite >= MIN_SEEDS_FOR_FINDING else STUDENT_T


INTERVAL_NOTE = (
    "95 % interval of the mean: BCa bootstrap with 5 or more finite seeds; with 2–4 a Student-t "
    "interval (a bootstrap of so few values is only their range), which assumes roughly normal seed "
    "values, cut at the values the metric can take"
)
"""How the report's intervals are made, for captions."""


def by_configuration(
    runs: pd.DataFrame,
    metric: str,
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] = UNBOUNDED,
) -> pd.DataFrame:
    """One row per configuration of ``runs`` (one dataset's complete runs): configuration,
    loss_label, schedule_label, n, n_finite, diverged, success_rate, mean, std, ci_low, ci_high,
    ci_method, values, run_ids. ``bounds``: the lowest and highest value the metric can take; every
    interval is kept inside them (:func:`clip_interval`)."""
    rows = []
    for config, group in runs.groupby("configuration", sort=False):
        values = group[metric].to_numpy(dtype=float) if metric in group else np.full(len(group), math.nan)
        diverged = group["diverged"].to_numpy(dtype=bool)
        stats = summarise(values, success=~diverged, confidence=confidence)
        finite = values[np.isfinite(values)]
        method = interval_method(len(finite))
        if method == STUDENT_T:
            stats["ci_low"], stats["ci_high"] = t_interval(finite, confidence)
        stats["ci_low"], stats["ci_high"] = clip_interval(stats["ci_low"], stats["ci_high"], bounds)
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
                "ci_method": method,
                "values": finite.tolist(),
                "run_ids": list(group["run_id"]),
            }
        )
    columns = ["configuration", "loss_label", "schedule_label", "n", "n_finite", "diverged"]
    columns += ["success_rate", "mean", "std", "ci_low", "ci_high", "ci_method", "values", "run_ids"]
    return pd.DataFrame(rows, columns=columns)


def shared_ranks(means: pd.Series, higher_is_better: bool) -> list[int]:
    """Ranks 1, 2, … by ``means`` where equal means share a rank (1, 1, 3: "min" ranking); NaN last."""
    key = (means if higher_is_better else -means).fillna(-math.inf)
    return [int(r) for r in key.rank(ascending=False, method="min")]


def ranked(summary: pd.DataFrame, q: Quality) -> pd.DataFrame:
    """``summary`` best first by mean (NaN means last); the configuration name orders equal means
    in the listing only (their rank, :func:`shared_ranks`, is the same)."""
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
