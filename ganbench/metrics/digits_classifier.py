"""The 8×8 digit classifier: architecture, settings and data (scikit-learn's bundled digits).

A small CNN trained deterministically (``ganbench.metrics.classifier_training``; a few seconds on
one CPU thread) on the train split of scikit-learn's bundled digits (``sklearn.datasets.load_digits``,
1,797 8×8 images, never downloaded), scaled ``x / 8 - 1`` to [−1, 1] like the datasets; 450 digits
(25 %, stratified) are held out. It labels `digits` and `stacked_digits`; its penultimate layer is
their feature space. Loading, caching and inference: ``ganbench.metrics.classifier``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import Tensor, nn

from ganbench.metrics.digit_nets import N_CLASSES, ConvDigitNet, stratified_split

SIDE = 8  # images are 8×8
PIXELS = SIDE * SIDE

#: Architecture and training settings; the cache file name is a hash of these.
SETTINGS: dict[str, Any] = {
    "arch": {"name": "digit_cnn", "conv": [16, 32], "hidden": 128},
    "train": {
        "seed": 0,
        "split_seed": 0,
        "test_size": 0.25,
        "epochs": 20,
        "batch_size": 64,
        "lr": 2e-3,
        "weight_decay": 1e-4,
    },
    "format": 1,  # bump when the meaning of the saved file changes
}


class DigitClassifier(ConvDigitNet):
    """Two 3×3 conv layers, a max-pool and a hidden layer (the feature space), then 10 logits.

    Input: flattened 8×8 images in [-1, 1], shape ``(N, 64)`` (or anything reshaping to (N, 1, 8, 8)).
    """

    side = SIDE

    def __init__(self, conv: tuple[int, int] | list[int] = (16, 32), hidden: int = 128) -> None:
        super().__init__()
        c1, c2 = conv
        self.hidden = hidden
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c2 * (SIDE // 2) ** 2, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, N_CLASSES)


def build(settings: dict[str, Any] = SETTINGS) -> DigitClassifier:
    """An untrained classifier with the architecture ``settings`` name."""
    a = settings["arch"]
    return DigitClassifier(a["conv"], a["hidden"])


def digits_split(settings: dict[str, Any] = SETTINGS) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The bundled digits scaled to [-1, 1], split into (x_train, y_train, x_test, y_test).

    The split is stratified and fixed by ``settings["train"]["split_seed"]``; images are flattened (N, 64).
    """
    from sklearn.datasets import load_digits  # local import: scikit-learn is slow to import

    digits = load_digits()
    x = (digits.data / 8.0 - 1.0).astype(np.float32)
    return stratified_split(x, digits.target.astype(np.int64), settings["train"])
