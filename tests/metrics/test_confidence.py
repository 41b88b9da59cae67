"""The calibrated high-quality threshold on digit data, checked on inputs with a known answer: real
held-out digits score the calibrated share, noise and damaged digits far less, and the number varies."""

from __future__ import annotations

import pytest
import torch

from ganbench.metrics.classifier import digits_split
from ganbench.metrics.confidence import HQ_SHARE, calibrated_confidence
from ganbench.registry import metrics


def hq_share(dataset, fake: torch.Tensor, **params) -> float:
    """The registered `modes` metric's high-quality share of ``fake`` (N, D) as one seed."""
    cls = metrics.get("modes")
    metric = cls(cls.Params(**params), dataset)
    return metric.compute(fake[None], None)["high_quality"].item()


def heldout() -> torch.Tensor:
    return digits_split()[2]


def blurred(x: torch.Tensor) -> torch.Tensor:
    box = torch.ones(1, 1, 3, 3) / 9
    return torch.nn.functional.conv2d(x.reshape(-1, 1, 8, 8), box, padding=1).reshape(-1, 64)


def test_real_heldout_digits_score_the_calibrated_share(toys):
    assert hq_share(toys["digits"], heldout()) == pytest.approx(HQ_SHARE, abs=0.005)
    assert hq_share(toys["digits"], heldout(), hq_share=0.8) == pytest.approx(0.8, abs=0.005)


def test_training_digits_score_higher_and_damaged_digits_far_lower(toys):
    digits = toys["digits"]
    x_train = digits_split()[0]
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(2000, 64, generator=g) * 2 - 1
    assert HQ_SHARE < hq_share(digits, x_train) < 1  # the classifier is surer of what it trained on
    assert hq_share(digits, noise) < 0.15
    assert hq_share(digits, blurred(heldout())) < 0.5


def test_every_finite_sample_counts_for_modes_but_not_for_quality(toys):
    g = torch.Generator().manual_seed(1)
    noise = torch.rand(2000, 64, generator=g) * 2 - 1
    digits = toys["digits"]
    cls = metrics.get("modes")
    out = cls(cls.Params(), digits).compute(noise[None], None)
    assert out["covered"].item() >= 5  # noise lands in many classes: the protocol counts them all
    assert out["high_quality"].item() < 0.15
    assert hq_share(digits, noise, min_confidence=0.0) == 1  # the stacked-MNIST protocol's 100 %


def test_real_stacks_score_the_same_share_as_single_digits(toys):
    x = heldout()
    g = torch.Generator().manual_seed(2)
    stacks = x[torch.randint(len(x), (6000, 3), generator=g)].reshape(6000, 192)
    assert calibrated_confidence(3) < calibrated_confidence(1)  # each channel passes more often
    assert hq_share(toys["stacked"], stacks) == pytest.approx(HQ_SHARE, abs=0.02)  # sd ≈ 0.004


def test_calibration_is_deterministic_and_rejects_a_share_out_of_range():
    assert calibrated_confidence(1) == calibrated_confidence(1, HQ_SHARE)
    assert 0.5 < calibrated_confidence(1) < 1
    with pytest.raises(ValueError, match="share"):
        calibrated_confidence(1, 1.0)
