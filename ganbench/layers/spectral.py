"""Spectral normalisation per member (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral
Normalization for Generative Adversarial Networks"): a weight is divided by an estimate of its
largest singular value σ, refined by one power iteration per forward pass in training mode, as
``torch.nn.utils.parametrizations.spectral_norm`` does — here with one (u, v) pair per member.

A weight is seen as a matrix per member, (S, fan_in, fan_out): a linear map's as stored, a
convolution's as (S, C_in·k·k, C_out) (torch reshapes a convolution's weight to (C_out, −1) too).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Floor of the norms in the power iteration (``torch.nn.utils.spectral_norm``'s default eps).
SN_EPS = 1e-12
#: Power iterations when a layer is made (torch's ``spectral_norm`` does 15).
SN_INIT_ITERATIONS = 15


@torch.no_grad()
def power_iteration(weight: Tensor, u: Tensor, v: Tensor, iterations: int) -> None:
    """Refine, in place and per member, the estimates u (S, fan_out) and v (S, fan_in) of the top
    singular vectors of ``weight`` (S, fan_in, fan_out): v ← W u / ‖W u‖, u ← Wᵀ v / ‖Wᵀ v‖ (the
    weight is stored transposed to ``nn.Linear``'s, so this is torch's v ← Aᵀu, u ← A v)."""
    for _ in range(iterations):
        # Products and sums, not batched matrix-vector products: CPU BLAS rounds those differently
        # by the number of members in the batch (see ``ganbench.layers.linear``).
        v.copy_(F.normalize((weight * u.unsqueeze(1)).sum(dim=2), dim=1, eps=SN_EPS))
        u.copy_(F.normalize((weight * v.unsqueeze(2)).sum(dim=1), dim=1, eps=SN_EPS))


def spectral_norm_estimate(weight: Tensor, u: Tensor, v: Tensor) -> Tensor:
    """σ = vᵀ W u per member → (S, 1, 1), differentiable in ``weight`` with u and v held constant
    (Miyato et al. 2018, Algorithm 1), as Σᵢ vᵢ (Σⱼ Wᵢⱼ uⱼ): products and short sums, which round
    the same whatever the number of members — batched matrix-vector products do not on the CPU,
    nor does one long sum, which torch splits over threads when it has few outputs."""
    return ((weight * u.unsqueeze(1)).sum(dim=2) * v).sum(dim=1).view(-1, 1, 1)


def add_spectral_vectors(module: nn.Module, inits: list[torch.Generator], matrix: Tensor) -> None:
    """Register the buffers ``sn_u`` (S, fan_out) and ``sn_v`` (S, fan_in) on ``module``: random
    unit vectors drawn from each member's own generator, refined by 15 iterations on ``matrix``
    (S, fan_in, fan_out), as torch's spectral_norm starts."""
    fan_in, fan_out = matrix.shape[1:]
    u = torch.stack([torch.randn(fan_out, generator=g) for g in inits])
    v = torch.stack([torch.randn(fan_in, generator=g) for g in inits])
    module.register_buffer("sn_u", F.normalize(u, dim=1, eps=SN_EPS))
    module.register_buffer("sn_v", F.normalize(v, dim=1, eps=SN_EPS))
    power_iteration(matrix.detach(), module.sn_u, module.sn_v, SN_INIT_ITERATIONS)


def spectral_sigma(module: nn.Module, matrix: Tensor) -> Tensor:
    """σ per member (S, 1, 1) of ``matrix`` (S, fan_in, fan_out), a view of ``module``'s weight,
    after one power iteration in training mode. The vectors are cloned: a later forward pass refines
    them in place, and this pass's backward needs the values it used (torch's spectral_norm clones
    them too)."""
    if module.training:
        power_iteration(matrix.detach(), module.sn_u, module.sn_v, 1)
    return spectral_norm_estimate(matrix, module.sn_u.clone(), module.sn_v.clone())
