"""Activation functions by name, and maxout (Goodfellow et al. 2013, "Maxout Networks")."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "elu": F.elu,
    "tanh": torch.tanh,
    "silu": F.silu,
    "gelu": F.gelu,
}


def maxout(x: Tensor, pieces: int) -> Tensor:
    """Max over consecutive groups of ``pieces`` features: (..., width·pieces) → (..., width)."""
    return x.unflatten(-1, (-1, pieces)).amax(dim=-1)
