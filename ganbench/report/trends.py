"""Which way each run's quality went at the end of its budget, as the runs recorded it."""

from __future__ import annotations

import pandas as pd

from ganbench.metrics.convergence import trends_of

CONVERGED, TREND = "stability/converged", "stability/late_trend"


def run_trends(runs: pd.DataFrame) -> pd.Series:
    """Each run's late trend (+1 still improving, 0 settled, −1 got worse, NaN unknown), from
    ``stability/late_trend`` or, for runs recorded before it existed, from ``stability/converged``
    (all NaN when neither was recorded)."""
    if CONVERGED not in runs:
        return pd.Series(float("nan"), index=runs.index)
    return pd.Series(trends_of(runs[CONVERGED], runs.get(TREND)), index=runs.index)
