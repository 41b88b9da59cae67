"""Intervals inside the metric's range: counts in [0, K], shares in [0, 100 %], distances ≥ 0 — and
cutting a Student-t interval at the bounds never changes whether it covers a mean the metric can take."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.report.quality import static_range
from ganbench.report.reference_rows import value_range
from ganbench.report.stats import by_configuration, clip_interval, t_interval
from ganbench.testing.report_data import SyntheticRun, reference_frame, synthetic_data


def _runs(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "configuration": "a + b",
            "loss_label": "a",
            "schedule_label": "b",
            "diverged": False,
            "run_id": [f"r{i}" for i in range(len(values))],
            "m": values,
        }
    )


def test_the_issue_s_intervals_stay_inside_the_range():
    """ "1.67 [−2.13, 5.46]" modes and "77 [41, 113] %" were printed before."""
    modes = by_configuration(_runs([0.0, 2.0, 3.0]), "m", bounds=(0.0, 8.0)).iloc[0]
    raw = t_interval(np.array([0.0, 2.0, 3.0]))
    assert raw[0] < 0  # the plain t interval leaves the range …
    assert modes["ci_low"] == 0.0 and modes["ci_high"] == raw[1]  # … the report's does not
    share = by_configuration(_runs([0.61, 0.79, 0.90]), "m", bounds=(0.0, 1.0)).iloc[0]
    assert share["ci_high"] == 1.0 and 0 < share["ci_low"] < share["mean"]
    near_k = by_configuration(_runs([8.0, 8.0, 7.0]), "m", bounds=(0.0, 8.0)).iloc[0]
    assert near_k["ci_high"] == 8.0


def test_bootstrap_intervals_lie_within_the_seed_values():
    row = by_configuration(_runs([0.0, 0.0, 0.0, 0.0, 1.0]), "m", bounds=(0.0, 8.0)).iloc[0]
    assert row["ci_method"] == "BCa bootstrap" and 0.0 <= row["ci_low"] <= row["ci_high"] <= 1.0


def test_cutting_at_the_bounds_keeps_coverage():
    """For a true mean inside the bounds, the cut interval contains it exactly when the t interval
    does: coverage is unchanged (checked on 2,000 random samples of a bounded count)."""
    rng = np.random.default_rng(0)
    mu, agree, covered = 0.6, 0, 0
    for _ in range(2000):
        x = rng.binomial(8, mu / 8, size=3).astype(float)
        low, high = t_interval(x)
        cut = clip_interval(low, high, (0.0, 8.0))
        full_has, cut_has = low <= mu <= high, cut[0] <= mu <= cut[1]
        agree += full_has == cut_has if math.isfinite(low) else True
        covered += cut_has
    assert agree == 2000
    assert covered > 0


def test_ranges_come_from_the_reference_runs_or_the_metric(tmp_path):
    data = synthetic_data([SyntheticRun("ring", "a + b", 0, {"modes/covered": 3.0})], tmp_path)
    assert value_range(data, "ring", "final/modes/covered") == (0.0, math.inf)  # no references
    data.references = reference_frame("ring", {"noise": {"modes/covered": [4.0]}}, {"modes/covered": (0, 8)})
    assert value_range(data, "ring", "final/modes/covered") == (0.0, 8.0)
    assert static_range("final/modes/high_quality") == (0.0, 1.0)
    assert static_range("stability/oscillation") == (0.0, math.inf)
    assert static_range("unknown/thing") == (-math.inf, math.inf)
