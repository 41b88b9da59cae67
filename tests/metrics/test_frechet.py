"""Fréchet distance against closed forms, a SciPy sqrtm reference and sample moments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
import torch

from ganbench.metrics.frechet import frechet_distance, frechet_from_moments, moments, sqrtm_psd


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=torch.float64)


def test_commuting_covariances_match_the_closed_form():
    """Σ₁ = Q diag(a) Qᵀ, Σ₂ = Q diag(b) Qᵀ commute: FD = ‖μ₁ − μ₂‖² + Σ (√a_i − √b_i)²."""
    d = 20
    q = scipy.stats.ortho_group.rvs(d, random_state=0)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    fd = frechet_from_moments(_t(mu1), _t(q @ np.diag(a) @ q.T), _t(mu2), _t(q @ np.diag(b) @ q.T))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert fd.item() == pytest.approx(expected, rel=1e-9)


def test_non_commuting_2x2_matches_the_closed_form():
    """For 2 × 2 PSD matrices tr √(Σ₁Σ₂) = √(tr(Σ₁Σ₂) + 2 √(det Σ₁ det Σ₂))."""
    c1 = np.array([[2.0, 0.9], [0.9, 1.0]])
    c2 = np.array([[0.5, -0.2], [-0.2, 3.0]])
    mu1, mu2 = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    tr_sqrt = math.sqrt(np.trace(c1 @ c2) + 2 * math.sqrt(np.linalg.det(c1) * np.linalg.det(c2)))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * tr_sqrt
    assert frechet_from_moments(_t(mu1), _t(c1), _t(mu2), _t(c2)).item() == pytest.approx(expected, rel=1e-9)


def test_agrees_with_scipy_sqrtm_on_general_covariances():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 12)), rng.normal(size=(40, 12))
    c1, c2 = a.T @ a / 30, b.T @ b / 40 + 0.1 * np.eye(12)
    expected = np.trace(c1) + np.trace(c2) - 2 * np.trace(scipy.linalg.sqrtm(c1 @ c2)).real
    assert frechet_from_moments(_t(np.zeros(12)), _t(c1), _t(np.zeros(12)), _t(c2)).item() == pytest.approx(
        expected, rel=1e-6
    )


def test_sample_distance_is_the_closed_form_on_the_samples_exact_moments():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5000, 6)) @ rng.normal(size=(6, 6)) + 1.0
    y = rng.normal(size=(4000, 6)) * 0.5
    mu_x, mu_y = x.mean(axis=0), y.mean(axis=0)
    c_x, c_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)  # unbiased, as used for FID
    expected = np.sum((mu_x - mu_y) ** 2) + np.trace(c_x + c_y - 2 * scipy.linalg.sqrtm(c_x @ c_y).real)
    assert frechet_distance(torch.tensor(x, dtype=torch.float32), torch.tensor(y)).item() == pytest.approx(
        expected, rel=1e-3
    )
    mu, cov = moments(torch.tensor(x))
    np.testing.assert_allclose(mu.numpy(), mu_x, rtol=1e-12)
    np.testing.assert_allclose(cov.numpy(), c_x, rtol=1e-10)


def test_large_samples_approach_the_population_value():
    g = torch.Generator().manual_seed(3)
    n, d = 200_000, 3
    scale = torch.tensor([1.0, 2.0, 0.5])
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randn(n, d, generator=g, dtype=torch.float64) * scale + torch.tensor([1.0, 0.0, 0.0])
    expected = 1.0 + float(((1 - scale) ** 2).sum())  # diagonal covariances: Σ (1 − s_i)²
    assert frechet_distance(x, y).item() == pytest.approx(expected, rel=0.02)


def test_identical_sets_are_at_distance_zero_and_singular_covariances_are_safe():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(10, 50, generator=g)  # 10 samples in 50-D: rank-deficient covariance
    assert frechet_distance(x, x).item() == pytest.approx(0.0, abs=1e-6)
    fd = frechet_distance(x, torch.randn(12, 50, generator=g))
    assert math.isfinite(fd.item()) and fd.item() >= 0


def test_sqrtm_psd_squares_back_and_clamps_round_off_negatives():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(6, 3))
    c = _t(a @ a.T)  # rank 3: eigenvalues of ±1e-16 from round-off
    root = sqrtm_psd(c)
    assert torch.isfinite(root).all()
    torch.testing.assert_close(root @ root, c, rtol=1e-8, atol=1e-8)
