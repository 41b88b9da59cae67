"""The plain one-seed PyTorch GAN loop that the trainer is measured against (speed and operators).

The issue's workload, written as anyone would write it: ``nn.Sequential`` MLPs of the default
shapes (3 hidden layers of 128, leaky ReLU 0.2; z_dim 16), ring data (8 modes, radius 1, σ 0.01)
from ``torch.randint``/``torch.randn``, the non-saturating loss (``modified_minimax``), alternating
1:1, and ``torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999), foreach=True)`` — the fair reference for a
kernel count, since foreach Adam updates all of a network's tensors in a handful of launches.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def mlp(fan_in: int, fan_out: int, width: int = 128, depth: int = 3) -> nn.Sequential:
    """``depth`` hidden layers of ``width`` units (linear → leaky ReLU 0.2), then a linear output."""
    layers: list[nn.Module] = []
    for a in [fan_in] + [width] * (depth - 1):
        layers += [nn.Linear(a, width), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Linear(width, fan_out))


class PlainGAN:
    """One seed of the reference workload on ``device``; :meth:`run` trains it."""

    def __init__(self, device: torch.device, batch: int = 256, z_dim: int = 16, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.device, self.batch, self.z_dim = device, batch, z_dim
        self.gen, self.disc = mlp(z_dim, 2).to(device), mlp(2, 1).to(device)
        settings = {"lr": 2e-4, "betas": (0.5, 0.999), "foreach": True}
        self.g_opt = torch.optim.Adam(self.gen.parameters(), **settings)
        self.d_opt = torch.optim.Adam(self.disc.parameters(), **settings)
        angles = torch.arange(8, device=device) * (2 * torch.pi / 8)
        self.centres = torch.stack([angles.cos(), angles.sin()], 1)

    def run(self, g_steps: int) -> None:
        """``g_steps`` rounds of one discriminator step and one generator step."""
        b, z, dev = self.batch, self.z_dim, self.device
        for _ in range(g_steps):
            real = self.centres[torch.randint(8, (b,), device=dev)] + 0.01 * torch.randn(b, 2, device=dev)
            with torch.no_grad():
                fake = self.gen(torch.randn(b, z, device=dev))
            d_loss = F.softplus(-self.disc(real)).mean() + F.softplus(self.disc(fake)).mean()
            self.d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            self.d_opt.step()
            g_loss = F.softplus(-self.disc(self.gen(torch.randn(b, z, device=dev)))).mean()
            self.g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            self.g_opt.step()
