"""The plain one-seed PyTorch GAN loops that the trainer is measured against (speed and operators).

Two workloads, each written as anyone would write it:

- :class:`PlainGAN`, the MLP workload: ``nn.Sequential`` MLPs of the default shapes (3 hidden
  layers of 128, leaky ReLU 0.2; z_dim 16) on ring data (8 modes, radius 1, σ 0.01) from
  ``torch.randint``/``torch.randn``;
- :class:`PlainDCGAN`, the convolutional one: ``nn.Conv2d``/``nn.ConvTranspose2d`` DCGANs of the
  registered ``dcgan``'s shapes on (stacked) MNIST digits.

Both train with the non-saturating loss (``modified_minimax``), alternating 1:1, and
``torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999), foreach=True)`` — the fair reference for a kernel
count, since foreach Adam updates all of a network's tensors in a handful of launches.
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


class PlainLoop:
    """What both plain loops run: a subclass sets ``gen``, ``disc``, ``g_opt``, ``d_opt``, ``batch``,
    ``z_dim``, ``device`` and defines ``real(b)``."""

    def run(self, g_steps: int) -> None:
        """``g_steps`` rounds of one discriminator step and one generator step (non-saturating)."""
        b, z, dev = self.batch, self.z_dim, self.device
        for _ in range(g_steps):
            real = self.real(b)
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


class PlainGAN(PlainLoop):
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

    def real(self, b: int) -> torch.Tensor:
        """A batch of ``b`` real samples: the 8-mode ring, σ = 0.01."""
        dev = self.device
        return self.centres[torch.randint(8, (b,), device=dev)] + 0.01 * torch.randn(b, 2, device=dev)


def dcgan_nets(
    channels: int = 3, side: int = 28, width: int = 16, z_dim: int = 100
) -> tuple[nn.Sequential, nn.Sequential]:
    """The plain PyTorch DCGAN of the registered ``dcgan``'s shapes at ``norm: batch`` (Radford et
    al. 2016): a generator z → linear → batch norm, ReLU at base×base, transposed convolutions
    (kernel 4, stride 2, padding 1) halving the channels with batch norm and ReLU, a last one to the
    image's channels and tanh; a discriminator of strided convolutions doubling the channels (no norm
    on the first, batch norm after the others, leaky ReLU 0.2) and a linear score. Layers before a
    batch norm have no bias. Batch norm keeps no running averages (``track_running_stats=False``),
    as ganbench's does not: batch statistics in training and evaluation alike. Weights N(0, 0.02²),
    batch-norm scales N(1, 0.02²)."""
    k, base = 0, side  # the most stride-2 stages with a base of 4 or more (registry/networks/dcgan)
    while side % 2 ** (k + 1) == 0 and side // 2 ** (k + 1) >= 4:
        k += 1
    base = side // 2**k
    top = width * 2 ** (k - 1)
    gen: list[nn.Module] = [
        nn.Linear(z_dim, top * base * base),
        nn.Unflatten(1, (top, base, base)),
        nn.BatchNorm2d(top, track_running_stats=False),
        nn.ReLU(),
    ]
    for a in [top // 2**i for i in range(k - 1)]:
        gen += [
            nn.ConvTranspose2d(a, a // 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(a // 2, track_running_stats=False),
            nn.ReLU(),
        ]
    gen += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
    disc: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
    for a in [width * 2**i for i in range(k - 1)]:
        disc += [
            nn.Conv2d(a, 2 * a, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * a, track_running_stats=False),
            nn.LeakyReLU(0.2),
        ]
    disc += [nn.Flatten(), nn.Linear(top * base * base, 1)]
    nets = nn.Sequential(*gen), nn.Sequential(*disc)
    for net in nets:
        for m in net.modules():
            if isinstance(m, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    return nets


class PlainDCGAN(PlainLoop):
    """One seed of a plain PyTorch DCGAN loop on ``device`` (:func:`dcgan_nets`), written as the
    PyTorch DCGAN example writes it: real and generated batches scored in two calls (batch norm),
    the non-saturating loss, alternating 1:1, ``torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999),
    foreach=True)``. Data: ``images`` (N, H, W) grey digits in [−1, 1]; a sample stacks
    ``channels`` of them drawn with ``torch.randint`` (3: stacked MNIST, 1: MNIST)."""

    def __init__(
        self,
        device: torch.device,
        images: torch.Tensor,
        channels: int = 3,
        batch: int = 64,
        width: int = 16,
        z_dim: int = 100,
        seed: int = 0,
    ) -> None:
        torch.manual_seed(seed)
        self.device, self.batch, self.z_dim, self.channels = device, batch, z_dim, channels
        self.images = images.to(device)
        gen, disc = dcgan_nets(channels, images.shape[-1], width, z_dim)
        self.gen, self.disc = gen.to(device), disc.to(device)
        settings = {"lr": 2e-4, "betas": (0.5, 0.999), "foreach": True}
        self.g_opt = torch.optim.Adam(self.gen.parameters(), **settings)
        self.d_opt = torch.optim.Adam(self.disc.parameters(), **settings)

    def real(self, b: int) -> torch.Tensor:
        """A batch of ``b`` real images: each channel a random digit (stacked MNIST's draw)."""
        return self.images[torch.randint(len(self.images), (b, self.channels), device=self.device)]
