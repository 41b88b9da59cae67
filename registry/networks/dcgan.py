"""`dcgan`: deep convolutional GANs (Radford, Metz & Chintala 2016, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks") for square images of 8 to 64
pixels a side, S members at once.

The image side fixes the depth: ``k`` stride-2 stages take a ``base``×``base`` map (4 ≤ base,
the largest such that side = base·2ᵏ) to the full side — 28 → 7·2², 32 → 4·2³, 64 → 4·2⁴.

- Generator: a linear map of z to ``width``·2ᵏ⁻¹ channels at base×base, norm, ReLU; then k − 1
  transposed convolutions (kernel 4, stride 2) halving the channels, each with norm and ReLU; a
  last transposed convolution to the image's channels, tanh for bounded data. At side 64 and
  width 64 this is the PyTorch DCGAN example's generator (512 → 256 → 128 → 64 → 3).
- Discriminator: a strided convolution (kernel 4, stride 2) to ``width`` channels with leaky ReLU
  0.2 and no norm (as DCGAN); k − 1 more doubling the channels, each with norm and leaky ReLU;
  a linear map to one score. With ``pack`` = m, m consecutive images are stacked as m·C channels
  (PacDCGAN, Lin et al. 2018).

Members in lockstep (``ganbench.layers.strategy``): on CUDA each layer runs all members in one
kernel (a grouped convolution, one batch norm over the members' channels); on the CPU each
convolution loops over the members, which measured faster per seed there than the grouped forms
(``benchmarks/bench_conv.py``, ``docs/networks.md``).

Weights N(0, 0.02²), batch-norm scales N(1, 0.02²) (DCGAN's init). ``norm``: ``batch`` (DCGAN),
``layer`` (per sample: what a critic with a gradient penalty needs, WGAN-GP), or ``none``.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ganbench.api import Field, MemberDiscriminator, NetParams, Network, networks
from ganbench.layers.conv import MemberConv
from ganbench.layers.image_norm import ImageNorm
from ganbench.layers.linear import SeedLinear

MIN_SIDE, MAX_SIDE, MIN_BASE = 8, 64, 4


class DcganParams(NetParams):
    """Shape of one player's DCGAN."""

    width: int = Field(
        64, ge=1, description="channels at the largest feature map (doubling per stage inwards)"
    )
    norm: Literal["batch", "layer", "none"] = Field("batch", description="normalisation of inner layers")
    init_std: float = Field(0.02, gt=0, description="weights N(0, init_std²) (DCGAN's 0.02)")


def stages(side: int) -> tuple[int, int]:
    """(k, base): the most stride-2 stages k with side = base·2ᵏ and base ≥ 4."""
    k = 0
    while side % 2 ** (k + 1) == 0 and side // 2 ** (k + 1) >= MIN_BASE:
        k += 1
    return k, side // 2**k


def _norm(inits, channels: int, p: DcganParams) -> nn.Module:
    return nn.Identity() if p.norm == "none" else ImageNorm(inits, channels, p.norm, p.init_std)


class DcganGenerator(nn.Module):
    """z (S, B, z_dim) → images (S, B, C, side, side)."""

    def __init__(self, inits, z_dim: int, sample_shape: tuple[int, ...], p: DcganParams, bounded: bool):
        super().__init__()
        channels, side = sample_shape[0], sample_shape[-1]
        k, self.base = stages(side)
        self.bounded = bounded
        self.top = p.width * 2 ** (k - 1)
        sn, std, bias = p.spectral_norm, p.init_std, p.norm != "batch"
        self.project = SeedLinear(inits, z_dim, self.top * self.base**2, std, sn)
        self.project_norm = _norm(inits, self.top, p)
        widths = [self.top // 2**i for i in range(k)]  # top, top/2, …, width
        self.ups = nn.ModuleList(
            MemberConv(inits, a, a // 2, transposed=True, bias=bias, init_std=std, spectral_norm=sn)
            for a in widths[:-1]
        )
        self.norms = nn.ModuleList(_norm(inits, a // 2, p) for a in widths[:-1])
        self.out = MemberConv(inits, widths[-1], channels, transposed=True, init_std=std, spectral_norm=sn)

    def forward(self, z: Tensor) -> Tensor:
        s, b = z.shape[:2]
        x = self.project(z).view(s, b, self.top, self.base, self.base)
        x = F.relu(self.project_norm(x))
        for up, norm in zip(self.ups, self.norms, strict=True):
            x = F.relu(norm(up(x)))
        x = self.out(x)
        return torch.tanh(x) if self.bounded else x


class DcganDiscriminator(MemberDiscriminator):
    """Images (S, B, C, side, side) → scores (S, B / pack)."""

    def __init__(self, inits, sample_shape: tuple[int, ...], p: DcganParams):
        super().__init__()
        channels, side = sample_shape[0], sample_shape[-1]
        k, base = stages(side)
        self.pack = p.pack
        # Batch statistics and spectral norm's power iteration tie rows together; layer norm does not.
        self.rows_independent = p.norm != "batch" and not p.spectral_norm
        sn, std, bias = p.spectral_norm, p.init_std, p.norm != "batch"
        widths = [p.width * 2**i for i in range(k)]  # width, 2·width, …
        self.first = MemberConv(inits, p.pack * channels, widths[0], init_std=std, spectral_norm=sn)
        self.downs = nn.ModuleList(
            MemberConv(inits, a, 2 * a, bias=bias, init_std=std, spectral_norm=sn) for a in widths[:-1]
        )
        self.norms = nn.ModuleList(_norm(inits, 2 * a, p) for a in widths[:-1])
        # The linear score over the last (C, base, base) map, written as a convolution of that size:
        # the same weights, drawn alike, and the same sums, where one convolution's backward pass
        # gives both gradients (a linear map's takes three kernels, and its forward pass a copy).
        self.score = MemberConv(
            inits, widths[-1], 1, kernel=base, stride=1, padding=0, init_std=std, spectral_norm=sn
        )

    def forward(self, x: Tensor) -> Tensor:
        x = F.leaky_relu(self.first(x.reshape(self.packed_shape(x))), 0.2)
        for down, norm in zip(self.downs, self.norms, strict=True):
            x = F.leaky_relu(norm(down(x)), 0.2)
        return self.score(x).reshape(x.shape[:2])


@networks.register("dcgan")
class Dcgan(Network):
    """Convolutional generator and discriminator for images (Radford et al. 2016); see the module
    docstring for the layers."""

    Params = DcganParams

    @classmethod
    def example_params(cls):
        return [{"width": 4}, {"width": 4, "norm": "layer"}, {"width": 4, "norm": "none"}]

    def check(self, sample_shape):
        if len(sample_shape) != 3 or sample_shape[1] != sample_shape[2]:
            raise ValueError("it needs square images, samples of shape (C, side, side).")
        side = sample_shape[-1]
        k, base = stages(side)
        if not MIN_SIDE <= side <= MAX_SIDE or k == 0:
            raise ValueError(
                f"it takes image sides from {MIN_SIDE} to {MAX_SIDE} pixels that halve at least once to a "
                f"whole side of {MIN_BASE} or more (8, 10, 12, 14, 16, 28, 32, 64, …); got {side}."
            )

    def generator(self, inits, z_dim, sample_shape, bounded):
        return DcganGenerator(inits, z_dim, sample_shape, self.params, bounded)

    def discriminator(self, inits, sample_shape):
        return DcganDiscriminator(inits, sample_shape, self.params)
