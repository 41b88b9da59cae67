"""The plateau test on quality series with a known answer: rising, flat and noisy, falling, too short."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ganbench.metrics.convergence import (
    ALPHA,
    WINDOW,
    convergence_note,
    plateau_test,
    run_convergence,
    trend_counts,
    trends_of,
)
from ganbench.metrics.stability import seed_stability

STEPS = np.arange(1, 9) * 250  # eight evaluations, the last four at 1250 … 2000


def test_a_series_that_keeps_rising_is_still_improving():
    out = plateau_test(STEPS, np.linspace(0.1, 0.8, 8))
    assert out["converged"] == 0
    assert out["late_improvement"] == pytest.approx(0.3 / 0.65)  # 0.5 → 0.8 over a mean level of 0.65
    assert out["late_improvement_p"] < ALPHA


def test_a_falling_distance_is_still_improving_when_lower_is_better():
    out = plateau_test(STEPS[-4:], [100.0, 80.0, 60.0, 40.0], higher_is_better=False)
    assert out["converged"] == 0 and out["late_improvement"] == pytest.approx(60 / 70)
    assert plateau_test(STEPS[-4:], [100.0, 80.0, 60.0, 40.0])["converged"] == 1  # the same, as a score


def test_a_flat_noisy_series_has_converged():
    rng = np.random.default_rng(0)
    flagged = [
        plateau_test(STEPS, 10 + rng.normal(0, 1.0, 8))["converged"] == 0 for _ in range(400)
    ]  # noise sd 10 % of the level: only chance slopes pass the 5 % test
    assert np.mean(flagged) < 0.08
    assert plateau_test(STEPS, [8.0] * 8)["converged"] == 1  # saturated: every ring mode covered


def test_a_noisy_rise_of_a_fifth_is_detected():
    rng = np.random.default_rng(1)
    rise = np.linspace(10, 12, 4)  # 20 % over the window
    found = [plateau_test(STEPS[-4:], rise + rng.normal(0, 0.1, 4))["converged"] == 0 for _ in range(200)]
    assert np.mean(found) > 0.9


def test_a_rise_below_the_tolerance_counts_as_converged():
    out = plateau_test(STEPS[-4:], [100.0, 100.5, 101.0, 101.5])  # +1.5 % over the window, noiseless
    assert out["late_improvement_p"] == 0 and out["converged"] == 1


def test_early_progress_does_not_count_once_the_last_evaluations_are_flat():
    q = [0.1, 0.3, 0.6, 0.9, 0.90, 0.91, 0.90, 0.90]
    assert plateau_test(STEPS, q)["converged"] == 1


def test_quality_getting_worse_is_converged_with_a_negative_improvement():
    out = plateau_test(STEPS[-4:], [0.9, 0.8, 0.7, 0.6])
    assert out["converged"] == 1 and out["late_improvement"] < 0 and out["late_improvement_p"] == 1


@pytest.mark.parametrize(
    "values",
    [[0.1, 0.2, 0.3], [0.1, 0.2, math.nan, 0.4], [], [0.1, 0.2, 0.3, math.inf]],
    ids=["too-few", "nan-in-window", "none", "inf-at-end"],
)
def test_too_few_or_non_finite_evaluations_are_unknown(values):
    out = plateau_test(STEPS[: len(values)], values)
    assert all(math.isnan(v) for v in out.values())
    assert WINDOW == 4


def test_seed_stability_records_convergence_and_none_for_a_diverged_seed():
    quality = (STEPS, np.linspace(0.1, 0.8, 8))
    assert seed_stability(quality)["converged"] == 0
    assert math.isnan(seed_stability(quality, diverged_at=500)["converged"])
    assert math.isnan(seed_stability(None)["converged"])


def test_a_saturated_count_with_a_falling_frechet_distance_is_still_improving():
    covered = ((STEPS, [10.0] * 8), True)  # every digit class covered from the start
    fd = ((STEPS, np.linspace(8.0, 2.0, 8)), False)
    out = run_convergence([covered, fd])
    assert out["converged"] == 0 and out["late_improvement"] > 0.5
    assert run_convergence([covered])["converged"] == 1
    assert seed_stability(covered[0], also=[fd])["converged"] == 0


def test_two_flat_noisy_metrics_are_called_improving_by_chance_about_twice_alpha_of_the_time():
    rng = np.random.default_rng(3)
    flagged = [
        run_convergence(
            [((STEPS, 10 + rng.normal(0, 1, 8)), True), ((STEPS, 5 + rng.normal(0, 0.5, 8)), False)]
        )["converged"]
        == 0
        for _ in range(400)
    ]
    assert np.mean(flagged) < 0.13  # 1 − 0.95² ≈ 0.098: each test at ALPHA, no correction


def test_one_unknown_metric_makes_the_run_unknown():
    out = run_convergence([((STEPS, np.linspace(0, 1, 8)), True), ((STEPS[:3], [1.0, 2.0, 3.0]), False)])
    assert all(math.isnan(v) for v in out.values())
    assert all(math.isnan(v) for v in run_convergence([]).values())


def test_a_ring_run_with_every_mode_covered_but_sharper_samples_is_still_improving():
    # Covered and HQ as measured for seed 0 of ring, minimax, alternating 1:1, default settings
    # (evaluated every 400 updates); its FD read 0.01, 0.00, 0.00, 0.00, 0.00: here a flat stand-in.
    steps = np.arange(1, 6) * 400
    covered = ((steps, [4.0, 8.0, 8.0, 8.0, 8.0]), True)
    high_quality = ((steps, [0.003, 0.014, 0.07, 0.099, 0.171]), True)
    fd = ((steps, [0.0102, 0.0031, 0.0012, 0.0011, 0.0013]), False)
    assert run_convergence([covered, fd])["converged"] == 1  # neither moves any more …
    assert run_convergence([covered, high_quality, fd])["converged"] == 0  # … but quality does


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_the_p_value_is_scipys_one_sided_slope_test_on_the_last_window(higher_is_better):
    values = np.array([0.1, 0.3, 0.2, 0.45, 0.41, 0.52, 0.50, 0.58])
    out = plateau_test(STEPS, values, higher_is_better=higher_is_better)
    tail = values[-WINDOW:] if higher_is_better else -values[-WINDOW:]
    expected = stats.linregress(STEPS[-WINDOW:], tail, alternative="greater").pvalue
    assert out["late_improvement_p"] == pytest.approx(expected, rel=1e-9)


def test_a_run_that_got_worse_is_said_to_have_got_worse_from_what_to_what():
    """A Fréchet distance rising 270 → 768 over the last evaluations: not 'settled', and the fitted
    line's ends are in the metric's own units."""
    fd = np.array([300.0, 280.0, 270.0, 430.0, 600.0, 768.0])
    out = plateau_test(STEPS[:6], fd, higher_is_better=False)
    assert out["late_trend"] == -1 and out["converged"] == 1  # not improving, but not settled either
    slope = np.polyfit(STEPS[2:6], fd[2:], 1)
    assert out["late_from"] == pytest.approx(np.polyval(slope, STEPS[2]))
    assert out["late_to"] == pytest.approx(np.polyval(slope, STEPS[5]))
    assert out["late_from"] < out["late_to"]
    flat = plateau_test(STEPS, [5.0, 5.1, 4.9, 5.0, 5.05, 4.95, 5.0, 5.02])
    assert flat["late_trend"] == 0


def test_a_run_got_worse_if_any_metric_did_else_is_improving_if_any_is_and_each_metric_keeps_its_own():
    covered = ((STEPS, [8.0] * 8), True, "modes/covered")
    fd_up = ((STEPS, np.linspace(1.0, 3.0, 8)), False, "frechet/fd")
    hq_up = ((STEPS, np.linspace(0.1, 0.9, 8)), True, "modes/high_quality")
    worse = run_convergence([covered, fd_up])
    assert worse["late_trend"] == -1
    assert worse["late_trend/frechet/fd"] == -1 and worse["late_trend/modes/covered"] == 0
    assert worse["late_to/frechet/fd"] == pytest.approx(3.0)
    both = run_convergence([covered, fd_up, hq_up])  # collapsing: sharper samples, a worse distance
    assert both["late_trend"] == -1 and both["converged"] == 0
    assert run_convergence([covered, hq_up])["late_trend"] == 1
    assert run_convergence([covered])["late_trend"] == 0
    unknown = run_convergence([covered, ((STEPS[:2], [1.0, 2.0]), False, "frechet/fd")])
    assert math.isnan(unknown["late_trend"]) and math.isnan(unknown["late_trend/frechet/fd"])


def test_old_runs_without_a_trend_count_from_their_converged_flag():
    trends = trends_of([1.0, 0.0, math.nan, 1.0], [math.nan, math.nan, math.nan, -1.0])
    assert trend_counts(trends) == (1, 1, 1, 1)
    note = convergence_note(trends_of([1.0, 1.0, 1.0], [-1.0, -1.0, 0.0]))
    assert note.startswith(
        "Most runs got WORSE over their last 4 evaluations (1 settled, 0 still improving, 2 got worse"
    )
