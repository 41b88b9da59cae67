"""PRDC and improved precision/recall: known answers and a brute-force NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench.metrics.prdc import improved_precision_recall, knn_radii, prdc


def naive_reference(real: np.ndarray, fake: np.ndarray, k: int, strict: bool) -> dict[str, float]:
    """Straight from the papers' definitions with full NumPy distance matrices (slow, obviously correct)."""

    def distances(a, b):  # (len(a), len(b)) Euclidean distances
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))

    def kth_neighbour_radius(points):  # distance to the k-th nearest *other* point
        d = distances(points, points)
        np.fill_diagonal(d, np.inf)
        return np.sort(d, axis=1)[:, k - 1]

    inside = np.less if strict else np.less_equal
    r_real, r_fake = kth_neighbour_radius(real), kth_neighbour_radius(fake)
    d = distances(real, fake)  # d[i, j] = ‖X_i − Y_j‖
    in_real_ball = inside(d, r_real[:, None])  # Y_j inside the ball around X_i
    in_fake_ball = inside(d, r_fake[None, :])  # X_i inside the ball around Y_j
    return {
        "precision": in_real_ball.any(axis=0).mean(),
        "recall": in_fake_ball.any(axis=1).mean(),
        "density": in_real_ball.sum() / (k * len(fake)),
        "coverage": (d.min(axis=1) < r_real).mean(),
    }


def _pair(m: int, n: int, dim: int, seed: int, shift: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, dim)), rng.normal(size=(n, dim)) * 1.3 + shift


@pytest.mark.parametrize("k", [1, 5])
def test_prdc_matches_the_brute_force_reference(k):
    real, fake = _pair(120, 90, 3, seed=k)
    got = prdc(torch.tensor(real), torch.tensor(fake), k=k, chunk_elems=1000)  # many small blocks
    want = naive_reference(real, fake, k, strict=True)
    for key, value in want.items():
        assert got[key].item() == pytest.approx(value, abs=1e-12), key


def test_improved_precision_recall_matches_the_brute_force_reference():
    real, fake = _pair(100, 130, 4, seed=3)
    got = improved_precision_recall(torch.tensor(real), torch.tensor(fake), k=3, chunk_elems=777)
    want = naive_reference(real, fake, 3, strict=False)
    assert got["precision"].item() == pytest.approx(want["precision"], abs=1e-12)
    assert got["recall"].item() == pytest.approx(want["recall"], abs=1e-12)


def test_float32_agrees_with_the_reference_up_to_a_sample_or_two():
    real, fake = _pair(150, 150, 8, seed=4)
    got = prdc(torch.tensor(real, dtype=torch.float32), torch.tensor(fake, dtype=torch.float32), k=5)
    want = naive_reference(real, fake, 5, strict=True)
    for key, value in want.items():
        assert got[key].item() == pytest.approx(value, abs=2 / 150), key


def test_same_distribution_gives_density_one_and_coverage_one_minus_two_to_minus_k():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(2000, 2, generator=g), torch.randn(2000, 2, generator=g)
    k = 5
    out = prdc(real, fake, k=k)
    assert out["density"].item() == pytest.approx(1.0, abs=0.03)
    assert out["coverage"].item() == pytest.approx(1 - 2.0**-k, abs=0.03)
    assert out["precision"].item() > 0.97 and out["recall"].item() > 0.97


def test_far_apart_distributions_score_zero_everywhere():
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(500, 2, generator=g), torch.randn(500, 2, generator=g) + 100
    assert all(v.item() == 0 for v in prdc(real, fake).values())
    assert all(v.item() == 0 for v in improved_precision_recall(real, fake).values())


def test_collapsed_generator_keeps_precision_but_loses_recall_and_coverage():
    g = torch.Generator().manual_seed(2)
    real = torch.randn(1000, 2, generator=g)
    fake = 0.05 * torch.randn(1000, 2, generator=g)  # all mass near one point of the support
    out = prdc(real, fake)
    assert out["precision"].item() > 0.95
    assert out["recall"].item() < 0.1 and out["coverage"].item() < 0.1


def test_knn_radii_exclude_the_point_itself_and_need_more_than_k_points():
    x = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    assert knn_radii(x, 1).tolist() == [1.0, 1.0, 2.0, 4.0]
    assert knn_radii(x, 2).tolist() == [3.0, 2.0, 3.0, 6.0]
    with pytest.raises(ValueError):
        knn_radii(x, 4)


def test_precomputed_real_radii_give_the_same_result():
    real, fake = (torch.tensor(a) for a in _pair(200, 150, 2, seed=5))
    direct = prdc(real, fake)
    reused = prdc(real, fake, real_radii=knn_radii(real, 5))
    assert {k: v.item() for k, v in direct.items()} == {k: v.item() for k, v in reused.items()}


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("name", ["prdc", "improved_pr"])
def test_the_registered_metrics_use_their_own_k_for_both_sets_of_radii(name, k):
    """Through the registered metric (its cached real radii included), a k other than the default
    gives the papers' values for that k — for the real balls as for the fake ones."""
    from ganbench.registry import datasets, metrics

    ring = datasets.get("ring")
    data = ring(ring.Params(sigma=0.3), torch.device("cpu"))
    cls = metrics.get(name)
    metric = cls(cls.Params(k=k, space="data"), data)
    real = data.sample(300, torch.Generator().manual_seed(1))
    fake = 1.2 * data.batch([torch.Generator().manual_seed(2 + s) for s in range(2)], 250)
    got = metric.compute(fake, real)
    for s in range(2):
        want = naive_reference(real.double().numpy(), fake[s].double().numpy(), k, strict=name == "prdc")
        for key in cls.outputs:
            assert got[key][s].item() == pytest.approx(want[key], abs=2 / 250), (key, s)
