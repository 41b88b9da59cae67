"""Stacked digits: three digits drawn independently, one per channel (the "Stacked MNIST" protocol)."""

from __future__ import annotations

import torch
from torch import Tensor

from ganbench.contracts.dataset import Dataset
from ganbench.contracts.streams import Streams

CHANNELS = 3
"""Digits per sample: 10³ = 1,000 modes (Metz et al. 2017; VEEGAN; PacGAN)."""


class StackedData(Dataset):
    """Each sample is three digits drawn uniformly and independently (with replacement) from the
    grey images ``digits`` (N, H, W) held on the device, stacked as channels: (3, H, W). A mode is
    the triple of classes (1,000 modes). The combinations are practically unlimited, so ``size`` is
    None and one nominal epoch is N samples. A subclass sets ``digits`` (and ``nominal_epoch``) in
    ``__init__``."""

    digits: Tensor
    size = None

    def stack(self, digits: Tensor) -> None:
        """Draw from ``digits`` (N, H, W); set ``sample_shape`` (3, H, W) and the nominal epoch N."""
        self.digits = digits
        self.sample_shape = (CHANNELS, int(digits.shape[1]), int(digits.shape[2]))
        self.nominal_epoch = int(digits.shape[0])

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` stacks of three independent digits, shape (n, 3, H, W)."""
        idx = torch.randint(len(self.digits), (n, CHANNELS), generator=generator, device=self.device)
        return self.digits[idx]

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` stacks per seed, all seeds at once — one gather of (S, n, 3) stream-drawn indices —
        shape (S, n, 3, H, W)."""
        return self.digits[streams.randint(len(self.digits), n, CHANNELS)]
