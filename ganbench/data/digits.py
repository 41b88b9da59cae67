"""scikit-learn's bundled 8×8 handwritten digits (UCI optdigits test set), scaled to [-1, 1].

The data ship inside scikit-learn, so nothing is downloaded. Pixels are ink counts in 0..16;
``x / 8 - 1`` maps them to [-1, 1] (−1 is background), matching a tanh generator output.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

N_DIGITS = 1797
"""Number of examples in the bundled data set."""


@lru_cache(maxsize=1)
def load_digits_scaled() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as (images float32 (1797, 8, 8) in [-1, 1], labels int64 (1797,)).

    Cached: the arrays are loaded once per process and marked read-only, so callers must copy
    (``torch.tensor(images)`` does) before modifying them.
    """
    from sklearn.datasets import load_digits  # local import: scikit-learn is slow to import

    bunch = load_digits()
    images = (bunch.images / 8.0 - 1.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits_on(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The digits as tensors on ``device``: (images (1797, 8, 8) in [-1, 1], labels (1797,))."""
    images, labels = load_digits_scaled()
    return torch.tensor(images, device=device), torch.tensor(labels, device=device)
