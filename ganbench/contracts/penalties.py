"""Gradient penalties on the discriminator's inputs, shared by the losses that use them.

The discriminator maps a batch of B samples to K scores (K = B, or B / m when it packs m samples
into one input, PacGAN); a penalty is taken per *input*, i.e. over the gradient with respect to the
samples behind one score (consecutive groups of B / K samples).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def input_gradient_sq_norms(discriminator: nn.Module, x: Tensor) -> Tensor:
    """‖∇ₓ D(x)‖² per discriminator input → (S, K), differentiable (``create_graph``) so that a
    penalty built on it trains the discriminator. ``x`` (S, B, …) is detached first."""
    x = x.detach().requires_grad_(True)
    scores = discriminator(x)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    s, k = scores.shape
    return grad.reshape(s, k, -1).square().sum(dim=2)


def zero_centred_penalty(discriminator: nn.Module, x: Tensor, gamma: float) -> Tensor:
    """γ/2 · E‖∇ₓ D(x)‖² → (S,): R1 on real samples, R2 on generated ones (Mescheder, Geiger &
    Nowozin 2018, "Which Training Methods for GANs do actually Converge?", eq. 9; Huang et al. 2024,
    R3GAN, for R1 + R2)."""
    return 0.5 * gamma * input_gradient_sq_norms(discriminator, x).mean(dim=1)
