"""S independent 2-D convolutions (or transposed convolutions) as one layer: (S, B, C, H, W) in
and out, one weight (S, C_out, C_in, k, k) — (S, C_in, C_out, k, k) transposed — per member.

Three ways to run S members (``ganbench.layers.strategy``; ``auto``: grouped on CUDA, the loop
elsewhere; :func:`set_strategy` forces one on every layer of a network):

- ``grouped`` — one grouped convolution, groups = members: the members' channels side by side,
  (B, S·C, H, W). One kernel per layer whatever S: what a GPU, launch-bound on small layers,
  needs (the default there).
- ``vmap`` — ``torch.func.vmap`` over one member's convolution: torch's batching rule turns it
  into the same grouped convolution, with more dispatch and its own copies. Kept to be measured
  against the others (``benchmarks/bench_conv.py``); nothing picks it.
- ``loop`` — one convolution per member. On the CPU, where a convolution is compute-bound and
  oneDNN's plain convolution outruns its grouped one (measured in ``bench_conv.py``), this is
  faster per member, and it is bit for bit what the member gets alone: oneDNN's grouped
  convolution sums in another order than its plain one (about 1e-4 apart on weight gradients).

At S = 1 all are the plain convolution on views (no copy). Activations in ``grouped`` come out
as (S, B, …) views of (B, S, …) memory, which element-wise layers keep and the next grouped layer
reads without a copy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.layers.spectral import add_spectral_vectors, spectral_sigma
from ganbench.layers.strategy import MemberLayer, Strategy, resolve_strategy, set_strategy

__all__ = ["MemberConv", "Strategy", "resolve_strategy", "set_strategy"]


class MemberConv(MemberLayer):
    """S independent convolutions (``transposed``: transposed convolutions) of one shape.

    Weights are drawn N(0, ``init_std``²) from each member's own generator (DCGAN's init), biases
    start at zero; ``bias=False`` for a layer a batch norm follows (its shift makes a bias moot).
    With ``spectral_norm`` each member's weight, seen as a (C_in·k·k, C_out) matrix, is divided by
    its largest singular value (``ganbench.layers.spectral``).
    """

    def __init__(
        self,
        inits: list[torch.Generator],
        c_in: int,
        c_out: int,
        *,
        transposed: bool = False,
        kernel: int = 4,
        stride: int = 2,
        padding: int = 1,
        bias: bool = True,
        init_std: float = 0.02,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        shape = (c_in, c_out, kernel, kernel) if transposed else (c_out, c_in, kernel, kernel)
        self.weight = nn.Parameter(
            torch.stack([torch.empty(shape).normal_(0.0, init_std, generator=g) for g in inits])
        )
        self.bias = nn.Parameter(torch.zeros(len(inits), c_out)) if bias else None
        self.transposed, self.stride, self.padding = transposed, stride, padding
        self.spectral_norm = spectral_norm
        if spectral_norm:
            add_spectral_vectors(self, inits, self._matrix(self.weight))

    def _matrix(self, weight: Tensor) -> Tensor:
        """Each member's weight as a (C_in·k·k, C_out) matrix → (S, C_in·k·k, C_out)."""
        by_output = weight.transpose(1, 2) if self.transposed else weight  # (S, C_out, C_in, k, k)
        return by_output.flatten(2).transpose(1, 2)

    def _conv(self, x: Tensor, weight: Tensor, bias: Tensor | None, groups: int = 1) -> Tensor:
        if self.transposed:
            return F.conv_transpose2d(x, weight, bias, self.stride, self.padding, groups=groups)
        return F.conv2d(x, weight, bias, self.stride, self.padding, groups=groups)

    def forward(self, x: Tensor) -> Tensor:
        weight, bias = self.weight, self.bias
        if self.spectral_norm:
            weight = weight / spectral_sigma(self, self._matrix(weight)).unsqueeze(-1).unsqueeze(-1)
        s, b = x.shape[:2]
        if s == 1:
            # squeeze, not [0]: a selection's backward fills a zero tensor (kernels), a squeeze's is a view
            one = None if bias is None else bias.squeeze(0)
            return self._conv(x.squeeze(0), weight.squeeze(0), one).unsqueeze(0)
        strategy = resolve_strategy(self.strategy, x)
        if strategy == "vmap":
            dims = (0, 0, None if bias is None else 0)
            return torch.func.vmap(self._conv, in_dims=dims)(x, weight, bias)
        if strategy == "loop":
            biases = [None] * s if bias is None else bias.unbind(0)
            outs = [self._conv(*args) for args in zip(x.unbind(0), weight.unbind(0), biases, strict=True)]
            return torch.stack(outs)
        grouped = x.transpose(0, 1).reshape(b, s * x.shape[2], *x.shape[3:])
        # (S·C_out, …) contiguous: a copy of a member optimizer's strided columns. Where a reshape
        # can view them (one output channel) the copy is still made here, where it is counted,
        # rather than inside the convolution, which makes it where it is not.
        weight = weight.reshape(s * weight.shape[1], *weight.shape[2:]).contiguous()
        bias = None if bias is None else bias.reshape(-1).contiguous()
        out = self._conv(grouped.contiguous(), weight, bias, groups=s)
        return out.view(b, s, -1, *out.shape[2:]).transpose(0, 1)
