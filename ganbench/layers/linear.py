"""S independent affine maps as one layer: (S, B, fan_in) → (S, B, fan_out) by batched matmul."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganbench.layers.spectral import add_spectral_vectors, spectral_sigma


class Score(torch.autograd.Function):
    """One output per row, x (S, B, K) · w (S, K, 1) + b (S, 1, 1) → (S, B, 1), computed so that it
    rounds the same at one member as at many, forward and backward.

    CPU BLAS runs a batched product with one output column by another kernel at one member than at
    several (sums ~1e-7 apart, measured), and so it does a product with a transposed operand; a
    score layer's plain ``baddbmm`` has both (forward, and the weight's gradient). Here the forward
    pass is the row wᵀ xᵀ (xᵀ copied contiguous) and the backward pass takes each gradient as a
    product with one row or one shared dimension — no transposed operand, no copy, and the input's
    gradient in its usual layout. Differentiable twice (R1, WGAN-GP) through its own operations.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:  # noqa: D102
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias, weight.transpose(1, 2), x.transpose(1, 2).contiguous()).transpose(1, 2)

    @staticmethod
    def backward(ctx, grad: Tensor):  # noqa: D102 — grad (S, B, 1)
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_x = torch.bmm(grad, weight.transpose(1, 2)) if need_x else None  # (S, B, K): outer products
        grad_w = torch.bmm(grad.transpose(1, 2), x).transpose(1, 2) if need_w else None  # rows (S, 1, K)
        grad_b = grad.sum(dim=1, keepdim=True) if need_b else None
        return grad_x, grad_w, grad_b


class SeedLinear(nn.Module):
    """S independent affine maps: (S, B, fan_in) → (S, B, fan_out); with ``spectral_norm`` each
    member's weight is divided by its largest singular value σ (see ``ganbench.layers.spectral``).

    Member s initialises from ``inits[s]`` alone, on the CPU: by default as ``nn.Linear`` does
    (U(−1/√fan_in, 1/√fan_in)), or, with ``init_std``, weights N(0, init_std²) and zero biases (the
    DCGAN/ALI/PacGAN convention)."""

    def __init__(
        self,
        inits: list[torch.Generator],
        fan_in: int,
        fan_out: int,
        init_std: float | None = None,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        if init_std is None:
            bound = 1.0 / math.sqrt(fan_in)
            w = [torch.empty(fan_in, fan_out).uniform_(-bound, bound, generator=g) for g in inits]
            b = [torch.empty(1, fan_out).uniform_(-bound, bound, generator=g) for g in inits]
        else:
            w = [torch.empty(fan_in, fan_out).normal_(0.0, init_std, generator=g) for g in inits]
            b = [torch.zeros(1, fan_out) for _ in inits]
        self.weight = nn.Parameter(torch.stack(w))
        self.bias = nn.Parameter(torch.stack(b))
        self.spectral_norm = spectral_norm
        if spectral_norm:
            add_spectral_vectors(self, inits, self.weight)

    def forward(self, x: Tensor) -> Tensor:
        weight = self.weight
        if self.spectral_norm:
            weight = weight / spectral_sigma(self, weight)
        if weight.shape[2] == 1:
            return Score.apply(x, weight, self.bias)  # one output: see Score
        return torch.baddbmm(self.bias, x, weight)
