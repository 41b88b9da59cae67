"""Summaries of one configuration's metric across its seeds: centre, spread, success, confidence.

For the per-seed values x_1 … x_n (the finite ones; NaN/±inf — e.g. a diverged seed — are left out
of the statistics and counted in ``n`` but not in ``n_finite``):

- ``mean``; ``std`` = sample standard deviation (ddof = 1); ``sem`` = std / √n_finite;
- ``median``, ``q25``, ``q75``, ``iqr`` = q75 − q25 (linear interpolation, NumPy's default), ``min``, ``max``;
- ``ci_low``, ``ci_high``: bootstrap confidence interval of the mean (``scipy.stats.bootstrap``, BCa by
  default — Efron 1987 — with a seeded generator, so reports are reproducible); the interval is
  [x, x] when every value is the same x, and NaN with fewer than two finite values;
- ``success_rate``: share of *all* seeds that reach the bar (given per seed as ``success``, or as a
  ``threshold`` on the values; a non-finite value never succeeds), NaN when no bar is given.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats


def reaches(values: np.ndarray, threshold: float, higher_is_better: bool = True) -> np.ndarray:
    """Per seed, whether the value is at least (or, lower-is-better, at most) ``threshold``; NaN → False."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & ((v >= threshold) if higher_is_better else (v <= threshold))


def modes_success(
    covered: np.ndarray, high_quality: np.ndarray, n_modes: int, min_high_quality: float = 0.8
) -> np.ndarray:
    """Per seed: every one of ``n_modes`` modes covered and a high-quality share ≥ ``min_high_quality``."""
    return reaches(covered, n_modes) & reaches(high_quality, min_high_quality)


def bootstrap_ci(
    values: np.ndarray,
    confidence: float = 0.95,
    n_resamples: int = 9_999,
    seed: int = 0,
    method: str = "BCa",
) -> tuple[float, float]:
    """Bootstrap confidence interval of the mean of finite ``values`` (see the module docstring)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa on tiny samples may warn; the fallback below handles it
        res = stats.bootstrap(
            (x,),
            np.mean,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method=method,
            rng=np.random.default_rng(seed),
        )
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if not (math.isfinite(low) and math.isfinite(high)) and method != "percentile":
            return bootstrap_ci(x, confidence, n_resamples, seed, "percentile")
    return low, high


def summarise(
    values: np.ndarray,
    success: np.ndarray | None = None,
    *,
    threshold: float | None = None,
    higher_is_better: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 9_999,
    seed: int = 0,
    method: str = "BCa",
) -> dict[str, float]:
    """Across-seed summary of one metric (keys in the module docstring), every key always present.

    ``values``: one number per seed. ``success``: bool per seed (takes precedence), or ``threshold``
    with ``higher_is_better`` to derive it from the values (:func:`reaches`). ``confidence``,
    ``n_resamples``, ``seed`` and ``method`` configure :func:`bootstrap_ci`.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    x = v[np.isfinite(v)]
    n = len(x)
    nan = math.nan
    out = {"n": float(len(v)), "n_finite": float(n)}
    if n:
        q25, med, q75 = np.percentile(x, [25, 50, 75])
        std = float(np.std(x, ddof=1)) if n > 1 else nan
        out |= {"mean": float(x.mean()), "std": std, "sem": std / math.sqrt(n)}
        out |= {"median": float(med), "q25": float(q25), "q75": float(q75), "iqr": float(q75 - q25)}
        out |= {"min": float(x.min()), "max": float(x.max())}
    else:
        out |= dict.fromkeys(["mean", "std", "sem", "median", "q25", "q75", "iqr", "min", "max"], nan)
    out["ci_low"], out["ci_high"] = bootstrap_ci(x, confidence, n_resamples, seed, method)
    if success is None and threshold is not None:
        success = reaches(v, threshold, higher_is_better)
    if success is not None:
        s = np.asarray(success, dtype=bool).reshape(-1)
        if len(s) != len(v):
            raise ValueError(f"success has {len(s)} entries for {len(v)} values")
        out["success_rate"] = float(s.mean()) if len(s) else nan
    else:
        out["success_rate"] = nan
    return out
