"""Per-seed stability summaries on hand-made trajectories with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganbench.metrics.stability import seed_stability
from ganbench.train.records import History, LogRecord


def series(steps, values):
    return np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64)


RISE_AND_FALL = series(range(100, 900, 100), [0.1, 0.5, 0.9, 1.0, 0.6, 0.4, 0.5, 0.4])


def test_peak_final_drop_and_late_oscillation():
    out = seed_stability(RISE_AND_FALL)
    assert out["quality_peak"] == 1.0 and out["quality_peak_step"] == 400
    assert out["quality_final"] == 0.4
    assert out["peak_to_final_drop"] == pytest.approx(0.6)
    assert out["oscillation"] == pytest.approx(np.std([0.5, 0.4], ddof=1))  # last quarter of 8 = 2
    assert out["diverged"] == 0 and math.isnan(out["diverged_step"])


def test_lower_is_better_quality():
    steps, fd = series([1, 2, 3, 4], [5.0, 1.0, 2.0, 3.0])
    out = seed_stability((steps, fd), higher_is_better=False)
    assert (out["quality_peak"], out["quality_peak_step"], out["peak_to_final_drop"]) == (1.0, 2, 2.0)


def test_oscillation_uses_the_last_quarter():
    steps = np.arange(1, 13)
    q = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], dtype=float)
    out = seed_stability((steps, q))
    assert out["oscillation"] == pytest.approx(np.std([0, 1, 0], ddof=1))
    assert math.isnan(seed_stability(series([1], [0.5]))["oscillation"])


def test_divergence_from_the_trainer_or_from_a_non_finite_series():
    loss = series([10, 20, 30, 40], [1.0, 2.0, np.nan, np.nan])
    assert seed_stability(watch={"d_loss": loss})["diverged_step"] == 30
    assert seed_stability(watch={"d_loss": loss}, diverged_at=20)["diverged_step"] == 20
    assert seed_stability(diverged_at=-1)["diverged"] == 0
    big = series([10, 20, 30], [1.0, 1e9, 2.0])
    assert seed_stability(grad_norm_d=big, blowup=1e6)["diverged_step"] == 20
    assert seed_stability(grad_norm_d=big)["diverged"] == 0
    undefined_quality = series([10, 20], [0.1, np.nan])  # e.g. a KL without HQ samples: not a divergence
    assert seed_stability(undefined_quality)["diverged"] == 0


def test_discriminator_accuracy_approaching_one_half():
    real = series([10, 20, 30, 40, 50], [0.95, 0.85, 0.60, 0.52, 0.50])
    fake = series([10, 20, 30, 40, 50], [0.95, 0.75, 0.60, 0.50, 0.46])
    out = seed_stability(d_acc_real=real, d_acc_fake=fake)
    assert out["d_acc_near_half_step"] == 40  # (0.52 + 0.50) / 2 = 0.51; at 30 it is 0.60
    assert out["d_acc_final"] == pytest.approx(0.48)
    assert out["d_acc_real_final"] == 0.50 and out["d_acc_fake_final"] == 0.46
    assert out["d_acc_late"] == pytest.approx((0.51 + 0.48) / 2)
    strong = series([10, 20], [0.99, 0.98])
    assert math.isnan(seed_stability(d_acc_real=strong, d_acc_fake=strong)["d_acc_near_half_step"])
    assert seed_stability(d_acc_real=real, d_acc_fake=fake, near_half=0.1)["d_acc_near_half_step"] == 30


def test_gradient_norm_summaries_skip_non_finite_values():
    out = seed_stability(
        grad_norm_d=series([1, 2, 3, 4], [1.0, 3.0, np.inf, 2.0]), grad_norm_g=series([1], [0.5])
    )
    assert (out["grad_norm_d_mean"], out["grad_norm_d_median"], out["grad_norm_d_max"]) == (2.0, 2.0, 3.0)
    assert out["grad_norm_d_final"] == 2.0 and out["grad_norm_g_mean"] == 0.5
    assert out["diverged_step"] == 3  # the inf is still a divergence


def test_every_key_is_present_and_nan_without_data():
    empty = seed_stability()
    full = seed_stability(RISE_AND_FALL, d_acc_real=RISE_AND_FALL, d_acc_fake=RISE_AND_FALL)
    assert set(empty) == set(full)
    assert empty["diverged"] == 0
    assert all(math.isnan(v) for k, v in empty.items() if k != "diverged")


def test_reads_series_from_a_history():
    history = History(n_seeds=2)
    for step, q0, q1 in [(100, 2.0, 8.0), (200, 8.0, np.nan), (300, 6.0, np.nan)]:
        values = {"modes/covered": np.array([q0, q1])}
        history(LogRecord("eval", np.array([step, step]), values, np.array([True, step == 100])))
    out0 = seed_stability(history.series("eval", "modes/covered", 0))
    assert (out0["quality_peak"], out0["quality_final"], out0["peak_to_final_drop"]) == (8.0, 6.0, 2.0)
    out1 = seed_stability(history.series("eval", "modes/covered", 1))
    assert out1["quality_final"] == 8.0 and math.isnan(out1["oscillation"])
