"""Fréchet distance between Gaussians fitted to two sample sets (Heusel et al. 2017, FID).

For means μ₁, μ₂ and covariances Σ₁, Σ₂ (Dowson & Landau 1982)::

    FD = ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁ Σ₂)^{1/2})

The matrix square root is taken safely: Σ₁Σ₂ has the same eigenvalues as the symmetric positive
semi-definite S₂ Σ₁ S₂ with S₂ = Σ₂^{1/2}, so tr((Σ₁Σ₂)^{1/2}) = Σ √λ_i(S₂ Σ₁ S₂), with both square
roots from symmetric eigendecompositions (``torch.linalg.eigh``) and round-off negatives clamped to 0.
Unlike a general ``sqrtm``, this never yields complex parts or NaNs for singular covariances
(fewer samples than dimensions). All of it runs in float64 on the CPU (the matrices are D × D).
"""

from __future__ import annotations

import torch
from torch import Tensor


def moments(x: Tensor) -> tuple[Tensor, Tensor]:
    """Mean (D,) and unbiased covariance (D, D) of samples ``x`` (N, D), float64 on the CPU."""
    x = x.flatten(1).to("cpu", torch.float64)
    mu = x.mean(dim=0)
    xc = x - mu
    return mu, xc.T @ xc / max(1, x.shape[0] - 1)


def sqrtm_psd(a: Tensor) -> Tensor:
    """Symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues → 0)."""
    a = (a + a.T) / 2
    vals, vecs = torch.linalg.eigh(a)
    return (vecs * vals.clamp_min(0).sqrt()) @ vecs.T


def trace_sqrt_product(cov1: Tensor, sqrt_cov2: Tensor) -> Tensor:
    """tr((Σ₁ Σ₂)^{1/2}) = Σ √λ_i(S₂ Σ₁ S₂) given Σ₁ and S₂ = Σ₂^{1/2}."""
    m = sqrt_cov2 @ cov1 @ sqrt_cov2
    return torch.linalg.eigvalsh((m + m.T) / 2).clamp_min(0).sqrt().sum()


def frechet_from_moments(
    mu1: Tensor, cov1: Tensor, mu2: Tensor, cov2: Tensor, sqrt_cov2: Tensor | None = None
) -> Tensor:
    """Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂), a 0-d float64 tensor (≥ 0).

    ``sqrt_cov2`` (Σ₂^{1/2}) may be passed when one reference is compared with many sets.
    """
    mu1, cov1, mu2, cov2 = (t.to("cpu", torch.float64) for t in (mu1, cov1, mu2, cov2))
    s2 = sqrtm_psd(cov2) if sqrt_cov2 is None else sqrt_cov2.to("cpu", torch.float64)
    fd = (mu1 - mu2).square().sum() + cov1.trace() + cov2.trace() - 2 * trace_sqrt_product(cov1, s2)
    return fd.clamp_min(0.0)


def frechet_distance(x: Tensor, y: Tensor) -> Tensor:
    """Fréchet distance between Gaussians fitted to samples ``x`` (N, D) and ``y`` (M, D)."""
    return frechet_from_moments(*moments(x), *moments(y))
