"""Reference rows, scored with known answers: the data itself scores like data, uniform noise like
noise, and the noise is drawn over the data's range through the Dataset contract alone (bounded data
and images: [−1, 1]; other data: each feature's range in the real reference set)."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import PlainGaussian, ToyDigits

from ganbench.metrics.evaluator import build_evaluator
from ganbench.metrics.reference import DRAWS, NOISE, REAL, draw_noise, draw_real, reference_scores
from ganbench.registry import datasets

CPU = torch.device("cpu")


def _ring():
    return datasets.get("ring")(None, CPU)


def test_real_data_scores_like_data_and_noise_like_noise_on_the_ring():
    ring = _ring()
    evaluator = build_evaluator(ring, ["modes", "frechet"], n_samples=2500)
    scores = {r.kind: r for r in reference_scores(ring, evaluator)}
    real, noise = scores[REAL].values, scores[NOISE].values
    assert all(len(v) == DRAWS for v in real.values())
    assert (real["modes/covered"] == 8).all()
    # 3σ in 2-D holds 1 − e^{−4.5} ≈ 98.9 % of a Gaussian's samples
    assert abs(real["modes/high_quality"].mean() - (1 - math.exp(-4.5))) < 0.01
    # noise: the 8 disks of radius 3σ = 0.03 cover π·0.03²·8 / 2.06² ≈ 0.53 % of the square
    assert 0.002 < noise["modes/high_quality"].mean() < 0.01
    assert noise["frechet/fd"].mean() > 10 * real["frechet/fd"].mean()
    assert "2,500 samples" in scores[NOISE].description


def test_noise_spans_the_real_reference_range_for_unbounded_data():
    data = PlainGaussian(None, CPU)
    real = data.sample(500, torch.Generator().manual_seed(0))
    noise, how = draw_noise(data, real, 4000, draws=2)
    assert noise.shape == (2, 4000, 5)
    low, high = real.min(0).values, real.max(0).values
    assert (noise >= low).all() and (noise <= high).all()
    # uniform over the box: each feature's mean is the box's centre
    assert torch.allclose(noise.mean((0, 1)), (low + high) / 2, atol=0.1)
    assert "each feature's [min, max] in 500 real reference samples" in how


def test_noise_images_fill_the_bounded_range_in_the_data_shape():
    digits = ToyDigits(None, CPU)
    noise, how = draw_noise(digits, digits.data, 300, draws=3)
    assert noise.shape == (3, 300, *digits.sample_shape)
    assert noise.min() >= -1 and noise.max() <= 1 and noise.min() < -0.99 and noise.max() > 0.99
    assert "[−1, 1]" in how


def test_real_draws_are_independent_and_reproducible():
    ring = _ring()
    a, b = draw_real(ring, 100, draws=2), draw_real(ring, 100, draws=2)
    assert torch.equal(a, b)
    assert not torch.equal(a[0], a[1])


@pytest.mark.parametrize("output, expected", [("covered", (0.0, 8.0)), ("high_quality", (0.0, 1.0))])
def test_metric_ranges_depend_on_the_dataset_where_they_must(output, expected):
    ranges = build_evaluator(_ring(), ["modes", "frechet"], n_samples=100).ranges()
    assert ranges[f"modes/{output}"] == expected
    assert ranges["modes/kl"] == (0.0, math.log(8))
    assert ranges["frechet/fd"] == (0.0, math.inf)
