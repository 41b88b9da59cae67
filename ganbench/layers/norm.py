"""Per-member normalisation of vectors (S, B, width): layer norm, batch norm, batch norm with
running averages."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

Norm = Literal["none", "layer", "batch", "batch_running"]
#: Weight of the newest batch in the running averages of ``norm: batch_running`` (PacGAN's 0.05).
RUNNING_MOMENTUM = 0.05


class SeedNorm(nn.Module):
    """Per-seed layer norm (over features) or batch norm (over the batch); ``batch_running`` also
    keeps per-seed running averages of the batch statistics and normalises with them in eval mode
    (every training-mode forward pass updates them, as in ``torch.nn.BatchNorm1d``)."""

    def __init__(self, n_seeds: int, width: int, kind: Norm) -> None:
        super().__init__()
        self.kind = kind
        self.scale = nn.Parameter(torch.ones(n_seeds, 1, width))
        self.shift = nn.Parameter(torch.zeros(n_seeds, 1, width))
        if kind == "batch_running":
            self.register_buffer("running_mean", torch.zeros(n_seeds, 1, width))
            self.register_buffer("running_var", torch.ones(n_seeds, 1, width))

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == "batch_running" and not self.training:
            mean, var = self.running_mean, self.running_var
        else:
            dim = -1 if self.kind == "layer" else 1
            mean = x.mean(dim=dim, keepdim=True)
            var = x.var(dim=dim, keepdim=True, unbiased=False)
            if self.kind == "batch_running":
                with torch.no_grad():
                    n = x.shape[1]
                    self.running_mean.lerp_(mean, RUNNING_MOMENTUM)
                    self.running_var.lerp_(var * (n / max(n - 1, 1)), RUNNING_MOMENTUM)
        return (x - mean) * torch.rsqrt(var + 1e-5) * self.scale + self.shift
