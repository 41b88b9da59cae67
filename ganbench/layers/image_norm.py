"""Per-member normalisation of images (S, B, C, H, W): batch norm (per channel, over the batch and
the pixels) or layer norm (per sample, over channels and pixels), each with a per-channel scale and
shift."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ImageNormKind = Literal["batch", "layer"]
EPS = 1e-5


class ImageNorm(nn.Module):
    """Batch or layer normalisation of S members' images with scale (S, C) and shift (S, C).

    ``batch`` normalises each member's channel with the statistics of the batch at hand, in
    training and evaluation alike (no running averages): one ``F.batch_norm`` over the members'
    channels side by side, (B, S·C, H·W), whose statistics are per channel, hence per member.
    ``layer`` normalises each sample over (C, H, W) (Ba et al. 2016; the critic of WGAN-GP, which
    a batch statistic would tie across samples). The scale starts N(1, ``init_std``²) from each
    member's generator and the shift at zero, as DCGAN initialises batch norm.
    """

    #: scale and shift are read as (S·C,) vectors: layer-major parameters make them views
    #: (``ganbench.train.member_optim``)
    contiguous_members = True

    def __init__(
        self, inits: list[torch.Generator], channels: int, kind: ImageNormKind, init_std: float
    ) -> None:
        super().__init__()
        self.kind = kind
        self.scale = nn.Parameter(
            torch.stack([torch.empty(channels).normal_(1.0, init_std, generator=g) for g in inits])
        )
        self.shift = nn.Parameter(torch.zeros(len(inits), channels))

    def forward(self, x: Tensor) -> Tensor:
        s, b, c = x.shape[:3]
        if self.kind == "layer":
            y = F.layer_norm(x, x.shape[2:], eps=EPS)
            return torch.addcmul(self.shift.view(s, 1, c, 1, 1), y, self.scale.view(s, 1, c, 1, 1))
        side_by_side = x.transpose(0, 1).reshape(b, s * c, -1)
        if self.scale.is_contiguous() and self.shift.is_contiguous():
            scale, shift = self.scale.reshape(-1), self.shift.reshape(-1)  # views
        else:  # columns of a member optimizer's flat (S, P) buffer: one copy for both, not a copy each
            # (its backward is one stack where gradients flow: 3 kernels fewer a DCGAN update at S > 1)
            scale, shift = torch.stack((self.scale, self.shift)).view(2, -1).unbind(0)
        y = F.batch_norm(side_by_side, None, None, scale, shift, training=True, eps=EPS)
        return y.view(b, s, c, *x.shape[3:]).transpose(0, 1)
