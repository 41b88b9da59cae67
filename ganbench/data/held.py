"""A dataset whose examples are held on the device as one tensor and drawn by index."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ganbench.contracts.dataset import Dataset
from ganbench.contracts.streams import Streams


class HeldData(Dataset):
    """Finite data held as one float32 tensor ``data`` (N, *sample_shape) on the device.

    A subclass reads its examples in ``__init__`` and calls :meth:`hold`; a minibatch is then a
    gather of uniform indices drawn with replacement — from one ``torch.Generator`` in ``sample``,
    from the seeds' streams for every seed at once in ``draw`` (one kernel for S seeds). No
    DataLoader: the device holds N·∏sample_shape·4 bytes (5,000 28×28 digits: 16 MB; CIFAR-10's
    50,000 32×32 colour images: 614 MB)."""

    data: Tensor

    def hold(self, examples: np.ndarray | Tensor) -> None:
        """Keep ``examples`` (N, *sample_shape) on the device as float32; set ``sample_shape`` and
        ``size`` from it."""
        self.data = torch.as_tensor(examples, dtype=torch.float32).to(self.device)
        self.sample_shape = tuple(int(s) for s in self.data.shape[1:])
        self.size = int(self.data.shape[0])

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` examples drawn uniformly with replacement, shape (n, *sample_shape)."""
        idx = torch.randint(len(self.data), (n,), generator=generator, device=self.device)
        return self.data[idx]

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` examples per seed, all seeds at once: one gather of stream-drawn indices."""
        return self.data[streams.randint(len(self.data), n)]
