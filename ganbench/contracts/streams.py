"""Per-seed random streams: seed s draws only from its own torch.Generator."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def derive_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for one purpose ("init", "train", "eval") of one run seed (numpy SeedSequence)."""
    words = [seed] + [ord(c) for c in purpose]
    return int(np.random.SeedSequence(words).generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


class SeedStreams:
    """One random stream per seed on one device: what makes S lockstep seeds independent.

    ``normal(*shape)`` and ``uniform(*shape)`` return (S, *shape) where row s is drawn from stream s
    alone, so training seed s together with others gives the same numbers as training it alone.
    """

    def __init__(self, seeds: list[int], purpose: str, device: torch.device) -> None:
        self.device = torch.device(device)
        self.generators = [
            torch.Generator(device=self.device).manual_seed(derive_seed(s, purpose)) for s in seeds
        ]

    def __len__(self) -> int:
        return len(self.generators)

    def normal(self, *shape: int) -> Tensor:
        return torch.stack([torch.randn(*shape, generator=g, device=self.device) for g in self.generators])

    def uniform(self, *shape: int) -> Tensor:
        return torch.stack([torch.rand(*shape, generator=g, device=self.device) for g in self.generators])
