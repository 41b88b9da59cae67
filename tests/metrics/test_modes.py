"""Mode metrics on answers known in advance (ring, grid, uniform noise, one-mode collapse, digits)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from ganbench.contracts import ClassifierModes, GaussianModes
from ganbench.metrics.classifier import classify, digits_split, load_classifier
from ganbench.metrics.modes import gaussian_modes, mode_counts, mode_metrics, reverse_kl_to_uniform
from ganbench.registry import datasets

P_WITHIN_3_SIGMA_2D = 1 - math.exp(-4.5)  # P(r < 3σ) for an isotropic 2-D Gaussian ≈ 0.98889


def ring_modes() -> GaussianModes:
    return datasets.get("ring")(None, torch.device("cpu")).modes()


def grid_modes() -> GaussianModes:
    centres = torch.tensor(list(itertools.product([-4.0, -2.0, 0.0, 2.0, 4.0], repeat=2)))
    return GaussianModes(centres, sigma=0.05, hq_sigmas=3.0)


def sample_mixture(modes: GaussianModes, n: int, seed: int, only: int | None = None) -> torch.Tensor:
    """n samples of the equal-weight mixture (or of mode ``only``), shape (n, D)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(modes.n_modes, (n,), generator=g) if only is None else torch.full((n,), only)
    return modes.centres[idx] + modes.sigma * torch.randn(n, modes.centres.shape[1], generator=g)


@pytest.mark.parametrize("modes", [ring_modes(), grid_modes()], ids=["ring", "grid"])
def test_true_samples_cover_every_mode_with_the_gaussian_hq_share(modes):
    fake = sample_mixture(modes, 100_000, seed=0)[None]  # sd of the HQ share ≈ 0.03 points
    out = mode_metrics(fake, modes)
    assert out["covered"].item() == modes.n_modes
    assert abs(out["high_quality"].item() - P_WITHIN_3_SIGMA_2D) < 0.005
    assert out["kl"].item() < 0.02


@pytest.mark.parametrize(("modes", "k"), [(ring_modes(), 8), (grid_modes(), 25)], ids=["ring", "grid"])
def test_samples_from_one_mode_cover_one_mode_with_kl_log_k(modes, k):
    fake = sample_mixture(modes, 2_500, seed=1, only=3)[None]
    out = mode_metrics(fake, modes)
    assert out["covered"].item() == 1
    assert out["kl"].item() == pytest.approx(math.log(k), abs=1e-9)


@pytest.mark.parametrize(
    ("modes", "half_width"), [(ring_modes(), 1.5), (grid_modes(), 6.0)], ids=["ring", "grid"]
)
def test_uniform_noise_has_the_area_ratio_as_hq_share(modes, half_width):
    n = 400_000
    g = torch.Generator().manual_seed(2)
    fake = ((torch.rand(n, 2, generator=g) * 2 - 1) * half_width)[None]
    r = modes.hq_sigmas * modes.sigma
    expected = modes.n_modes * math.pi * r**2 / (2 * half_width) ** 2  # disjoint disks inside the box
    hq = mode_metrics(fake, modes)["high_quality"].item()
    sd = math.sqrt(expected * (1 - expected) / n)
    assert abs(hq - expected) < 5 * sd, (hq, expected, sd)


def test_seeds_are_evaluated_separately():
    modes = ring_modes()
    fake = torch.stack([sample_mixture(modes, 2_500, 3), sample_mixture(modes, 2_500, 4, only=0)])
    out = mode_metrics(fake, modes)
    assert out["covered"].tolist() == [8, 1]
    assert out["kl"][1].item() == pytest.approx(math.log(8))


def test_min_count_and_hq_sigmas_override():
    modes = ring_modes()
    centres = modes.centres
    fake = torch.cat([centres[:1].repeat(5, 1), centres[1:2]])[None]  # 5 at mode 0, 1 at mode 1
    assert mode_metrics(fake, modes)["covered"].item() == 2
    assert mode_metrics(fake, modes, min_count=2)["covered"].item() == 1
    shifted = fake + torch.tensor([0.05, 0.0])  # 5σ away: HQ only with a wider radius
    assert mode_metrics(shifted, modes)["high_quality"].item() == 0
    assert mode_metrics(shifted, modes, hq_sigmas=6.0)["high_quality"].item() == 1


def test_kl_matches_a_direct_numpy_computation(rng):
    counts = rng.integers(0, 50, size=(4, 25)).astype(float)
    counts[2] = 0  # no HQ samples: undefined
    kl = reverse_kl_to_uniform(torch.tensor(counts)).numpy()
    for row, value in zip(counts, kl, strict=True):
        if row.sum() == 0:
            assert math.isnan(value)
            continue
        p = row / row.sum()
        expected = sum(pi * math.log(pi * len(row)) for pi in p if pi > 0)
        assert value == pytest.approx(expected, abs=1e-12)


def test_mode_counts_ignore_low_quality_samples():
    modes = torch.tensor([[0, 1, 1, 2, 2, 2]])
    keep = torch.tensor([[True, True, False, True, True, False]])
    assert mode_counts(modes, keep, 4).tolist() == [[1, 1, 2, 0]]


def test_non_finite_samples_are_never_high_quality():
    modes = ring_modes()
    fake = modes.centres.clone()[None]
    fake[0, 0] = float("nan")
    out = mode_metrics(fake, modes)
    assert out["covered"].item() == 7 and out["high_quality"].item() == pytest.approx(7 / 8)


def _correct_digits() -> list[torch.Tensor]:
    """One test-split image per class that the classifier labels correctly."""
    model = load_classifier()
    _, _, x, y = digits_split()
    labels, _ = classify(model, x, channels=1)
    ok = labels[:, 0] == y
    return [x[torch.nonzero(ok & (y == c))[0, 0]] for c in range(10)]


def test_stacked_digits_one_triple_is_one_mode_with_kl_log_1000():
    imgs = _correct_digits()
    sample = torch.cat([imgs[4], imgs[0], imgs[7]])  # channels read 4, 0, 7 → mode 407
    fake = sample.repeat(50, 1)[None]
    out = mode_metrics(fake, ClassifierModes(3), classifier=load_classifier())
    assert out["covered"].item() == 1
    assert out["high_quality"].item() == 1  # by default every sample counts
    assert out["kl"].item() == pytest.approx(math.log(1000))


def test_stacked_digits_all_triples_cover_1000_modes():
    imgs = _correct_digits()
    triples = [torch.cat([imgs[a], imgs[b], imgs[c]]) for a, b, c in itertools.product(range(10), repeat=3)]
    out = mode_metrics(torch.stack(triples)[None], ClassifierModes(3), classifier=load_classifier())
    assert out["covered"].item() == 1000
    assert out["kl"].item() == pytest.approx(0.0, abs=1e-12)


def test_min_confidence_excludes_unsure_samples():
    g = torch.Generator().manual_seed(0)
    noise = (torch.rand(1, 400, 64, generator=g) * 2 - 1).clamp(-1, 1)
    model = load_classifier()
    everything = mode_metrics(noise, ClassifierModes(1), classifier=model)["high_quality"].item()
    sure = mode_metrics(noise, ClassifierModes(1), classifier=model, min_confidence=0.99)[
        "high_quality"
    ].item()
    assert everything == 1 and sure < 1
    digits = torch.stack(_correct_digits())[None]
    assert (
        mode_metrics(digits, ClassifierModes(1), classifier=model, min_confidence=0.5)["covered"].item() == 10
    )


def test_gaussian_mode_assignment_is_the_nearest_centre_by_brute_force(rng):
    modes = grid_modes()
    x = rng.uniform(-5, 5, size=(3, 500, 2))
    c = modes.centres.numpy().astype(np.float64)
    idx, hq = gaussian_modes(torch.tensor(x), modes)
    for s in range(3):
        for j in range(500):
            d = [math.dist(x[s, j], ci) for ci in c]
            assert idx[s, j].item() == int(np.argmin(d))
            assert hq[s, j].item() == (min(d) <= 0.15)


def test_a_seed_scores_the_same_alone_and_beside_others(rng):
    """All seeds go through one batched distance computation; a seed's result must not depend on it."""
    modes = ring_modes()
    fake = torch.tensor(rng.normal(0, 1, size=(4, 300, 2)), dtype=torch.float32)
    together = mode_metrics(fake, modes)
    alone = mode_metrics(fake[2:3], modes)
    for key, value in alone.items():
        assert torch.equal(value[0], together[key][2]), key
