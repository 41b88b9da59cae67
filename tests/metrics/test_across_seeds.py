"""Across-seed summaries: textbook values, NaN handling, success rates, bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ganbench.metrics.across_seeds import bootstrap_ci, modes_success, reaches, summarise


def test_textbook_values():
    out = summarise(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert (out["n"], out["n_finite"], out["mean"], out["median"]) == (5, 5, 3.0, 3.0)
    assert out["std"] == pytest.approx(math.sqrt(2.5))
    assert out["sem"] == pytest.approx(math.sqrt(2.5) / math.sqrt(5))
    assert (out["q25"], out["q75"], out["iqr"], out["min"], out["max"]) == (2.0, 4.0, 2.0, 1.0, 5.0)
    assert out["ci_low"] < 3.0 < out["ci_high"]
    assert math.isnan(out["success_rate"])


def test_bootstrap_is_seeded_and_matches_scipy():
    x = np.random.default_rng(0).normal(10, 2, size=12)
    a, b = bootstrap_ci(x, seed=1), bootstrap_ci(x, seed=1)
    assert a == b
    ref = stats.bootstrap((x,), np.mean, n_resamples=9_999, rng=np.random.default_rng(1)).confidence_interval
    assert a == pytest.approx((ref.low, ref.high))


def test_bootstrap_interval_is_close_to_the_normal_one_for_many_seeds():
    x = np.random.default_rng(1).normal(0, 1, size=200)
    low, high = bootstrap_ci(x, n_resamples=2_000)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert (high - low) / 2 == pytest.approx(half, rel=0.15)
    assert low < x.mean() < high


def test_non_finite_values_are_left_out_but_counted():
    out = summarise(np.array([1.0, np.nan, 3.0, np.inf]), threshold=2.0)
    assert (out["n"], out["n_finite"], out["mean"]) == (4, 2, 2.0)
    assert out["success_rate"] == 0.25  # only the 3.0 reaches the bar; NaN and inf never succeed


def test_degenerate_samples():
    same = summarise(np.array([0.7, 0.7, 0.7]))
    assert (same["ci_low"], same["ci_high"]) == (0.7, 0.7) and same["std"] == pytest.approx(0, abs=1e-12)
    one = summarise(np.array([0.7]))
    assert one["mean"] == 0.7 and math.isnan(one["std"]) and math.isnan(one["ci_low"])
    none = summarise(np.array([np.nan, np.nan]))
    assert none["n"] == 2 and math.isnan(none["mean"]) and math.isnan(none["ci_high"])


def test_success_rate_from_a_mask_or_a_bar():
    values = np.array([8.0, 8.0, 5.0, 1.0])
    assert summarise(values, success=np.array([True, False, False, False]))["success_rate"] == 0.25
    assert summarise(values, threshold=8.0)["success_rate"] == 0.5
    assert summarise(values, threshold=5.0, higher_is_better=False)["success_rate"] == 0.5
    with pytest.raises(ValueError):
        summarise(values, success=np.array([True]))


def test_modes_success_needs_every_mode_and_enough_high_quality():
    covered = np.array([8, 8, 7, 8])
    hq = np.array([0.9, 0.5, 0.99, np.nan])
    assert modes_success(covered, hq, n_modes=8).tolist() == [True, False, False, False]
    assert reaches(np.array([0.79, 0.8]), 0.8).tolist() == [False, True]
