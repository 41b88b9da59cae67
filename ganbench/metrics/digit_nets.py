"""What the bundled digit classifiers share: features and logits over a convolutional body, and the
stratified split of their digits (:mod:`~ganbench.metrics.digits_classifier`,
:mod:`~ganbench.metrics.mnist_classifier`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

N_CLASSES = 10


class ConvDigitNet(nn.Module):
    """A classifier of ``side``×``side`` grey digits: the subclass builds ``body``, which maps (N, 1,
    side, side) images to (N, hidden) features, then ``head``, which maps those to 10 logits (in that
    order: parameters are initialised from the global generator in the order they are made)."""

    side: int
    body: nn.Module
    head: nn.Module

    def features(self, x: Tensor) -> Tensor:
        """Penultimate-layer activations, (N, hidden)."""
        return self.body(x.reshape(-1, 1, self.side, self.side))

    def forward(self, x: Tensor) -> Tensor:
        """Class logits, (N, 10)."""
        return self.head(self.features(x))


def stratified_split(x: np.ndarray, y: np.ndarray, train: dict[str, Any]) -> tuple[Tensor, ...]:
    """(x_train, y_train, x_test, y_test): ``train["test_size"]`` held out, stratified by class, fixed
    by ``train["split_seed"]``."""
    from sklearn.model_selection import train_test_split  # local import: scikit-learn is slow to import

    parts = train_test_split(x, y, test_size=train["test_size"], random_state=train["split_seed"], stratify=y)
    x_tr, x_te, y_tr, y_te = (torch.from_numpy(p) for p in parts)
    return x_tr, y_tr, x_te, y_te
