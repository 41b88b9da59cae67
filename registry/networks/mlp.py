"""`mlp`: multilayer perceptrons for both players — the network a spec gets when it names none.

A hidden layer is linear → norm → activation. ``norm: batch`` normalises with the statistics of the
batch at hand, in training and in evaluation alike; ``norm: batch_running`` trains the same way but
keeps per-seed running averages of those statistics (momentum 0.05, PacGAN's) and evaluates with
them — what PacGAN's and ALI's code do when they draw evaluation samples. ``activation: maxout``
(Goodfellow et al. 2013) makes the linear map produce ``width × pieces`` values and keeps the
largest of each unit's ``pieces`` (ALI's and PacGAN's 2-D discriminator: 3 × 200 units, 5 pieces).
Samples of any shape are flattened on the way in and reshaped on the way out (views).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from ganbench.api import Field, MemberDiscriminator, NetParams, Network, networks
from ganbench.layers.activations import ACTIVATIONS, maxout
from ganbench.layers.linear import SeedLinear
from ganbench.layers.norm import Norm, SeedNorm

Activation = Literal["relu", "leaky_relu", "elu", "tanh", "silu", "gelu", "maxout"]


class MlpParams(NetParams):
    """Shape of one player's MLP."""

    width: int = Field(128, ge=1, description="units per hidden layer")
    depth: int = Field(3, ge=1, description="number of hidden layers")
    activation: Activation = "leaky_relu"
    pieces: int = Field(5, ge=2, description="linear pieces per unit when activation is maxout")
    norm: Norm = Field("none", description="per-seed normalisation of hidden layers")
    init_std: float | None = Field(
        None, gt=0, description="weights N(0, init_std²) and zero biases; None: nn.Linear's uniform init"
    )

    @property
    def units(self) -> int:
        """Outputs of each hidden linear map (``width × pieces`` for maxout)."""
        return self.width * self.pieces if self.activation == "maxout" else self.width


class SeedMLP(nn.Module):
    """MLP over the seed axis: ``depth`` hidden layers of ``width`` units, then a linear output."""

    def __init__(self, inits: list[torch.Generator], fan_in: int, fan_out: int, cfg: MlpParams) -> None:
        super().__init__()
        n_seeds, std = len(inits), cfg.init_std
        fan_ins = [fan_in] + [cfg.width] * (cfg.depth - 1)
        sn = cfg.spectral_norm
        self.hidden = nn.ModuleList(SeedLinear(inits, a, cfg.units, std, sn) for a in fan_ins)
        self.norms = nn.ModuleList(
            SeedNorm(n_seeds, cfg.units, cfg.norm) for _ in range(cfg.depth if cfg.norm != "none" else 0)
        )
        self.out = SeedLinear(inits, cfg.width, fan_out, std, sn)
        pieces = cfg.pieces
        is_maxout = cfg.activation == "maxout"
        self.act = (lambda x: maxout(x, pieces)) if is_maxout else ACTIVATIONS[cfg.activation]

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.hidden):
            x = layer(x)
            if self.norms:
                x = self.norms[i](x)
            x = self.act(x)
        return self.out(x)


class MlpGenerator(nn.Module):
    """z (S, B, z_dim) → samples (S, B, *sample_shape); ends in tanh when the data lie in [−1, 1]."""

    def __init__(self, inits, z_dim: int, sample_shape: tuple[int, ...], cfg: MlpParams, bounded: bool):
        super().__init__()
        self.z_dim = z_dim
        self.bounded = bounded
        self.sample_shape = tuple(sample_shape)
        self.net = SeedMLP(inits, z_dim, math.prod(self.sample_shape), cfg)

    def forward(self, z: Tensor) -> Tensor:
        x = self.net(z)
        x = torch.tanh(x) if self.bounded else x
        return x if len(self.sample_shape) == 1 else x.unflatten(-1, self.sample_shape)


class MlpDiscriminator(MemberDiscriminator):
    """Samples (S, B, *shape) → scores (S, B / pack): raw logits or critic values. With ``pack`` = m
    each score judges m consecutive samples of the batch, concatenated (PacGAN)."""

    def __init__(self, inits, sample_shape: tuple[int, ...], cfg: MlpParams) -> None:
        super().__init__()
        self.pack = cfg.pack
        self.net = SeedMLP(inits, math.prod(sample_shape) * cfg.pack, 1, cfg)
        # Batch statistics (``norm``) and the power iteration (``spectral_norm``) tie rows together.
        self.rows_independent = cfg.norm == "none" and not cfg.spectral_norm

    def packed(self, x: Tensor) -> Tensor:
        """Samples (S, B, *shape) → the discriminator's inputs (S, B / pack, pack · dim), flat."""
        s, b = x.shape[:2]
        return x.reshape(s, b // self.pack, -1)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(self.packed(x)).squeeze(-1)


@networks.register("mlp")
class Mlp(Network):
    """Fully connected networks on flattened samples (Goodfellow et al. 2014; the 2-D mixtures'
    networks of VEEGAN, ALI and PacGAN): ``depth`` hidden layers of ``width`` units."""

    Params = MlpParams

    @classmethod
    def example_params(cls):
        small = {"width": 16, "depth": 2}
        return [small, {**small, "norm": "batch_running"}, {**small, "activation": "maxout", "pieces": 3}]

    def generator(self, inits, z_dim, sample_shape, bounded):
        return MlpGenerator(inits, z_dim, sample_shape, self.params, bounded)

    def discriminator(self, inits, sample_shape):
        return MlpDiscriminator(inits, sample_shape, self.params)
