"""MLP generator and discriminator with a leading seed axis: S independent networks as one module.

Every weight has shape (S, ...) and layers use batched matmul, so S seeds train in one pass with no
mixing: seed s's outputs depend only on seed s's weights and inputs. Seed s is initialised from its
own generator, on the CPU first so the same seed gives the same network on any device: by default as
``nn.Linear`` does (U(−1/√fan_in, 1/√fan_in)), or, with ``init_std``, weights N(0, init_std²) and zero
biases (the DCGAN/ALI/PacGAN convention).

A hidden layer is linear → norm → activation. ``norm: batch`` normalises with the statistics of the
batch at hand, in training and in evaluation alike; ``norm: batch_running`` trains the same way but
keeps per-seed running averages of those statistics (momentum 0.05, PacGAN's; every training-mode
forward pass updates them, as in ``torch.nn.BatchNorm1d``) and evaluates with them — what PacGAN's
and ALI's code do when they draw evaluation samples (Blocks' inference mode). Evaluation samples
are drawn in ``eval()`` mode (:func:`evaluating`). ``activation: maxout`` (Goodfellow et al. 2013,
"Maxout Networks") makes the linear map produce ``width × pieces`` values and keeps the largest of each
unit's ``pieces`` (the discriminator of ALI and PacGAN's 2-D experiments: 3 × 200 units, 5 pieces).

Two remedies against mode collapse are network options. ``spectral_norm: true`` (Miyato et al. 2018,
"Spectral Normalization for Generative Adversarial Networks") divides every linear map's weight by an
estimate of its largest singular value, per member, refined by one power iteration at every forward
pass in training mode (as ``torch.nn.utils.parametrizations.spectral_norm`` does). ``pack: m`` (Lin et
al. 2018, "PacGAN") makes the discriminator judge m samples at once: consecutive groups of m samples
of a batch are concatenated into one input, so a batch of B samples gets B/m scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, model_serializer
from torch import Tensor, nn

Activation = Literal["relu", "leaky_relu", "elu", "tanh", "silu", "gelu", "maxout"]
Norm = Literal["none", "layer", "batch", "batch_running"]
#: Weight of the newest batch in the running averages of ``norm: batch_running`` (PacGAN's 0.05).
RUNNING_MOMENTUM = 0.05

#: Network options added as remedies against collapse (left out of dumps when off).
REMEDY_OPTIONS = ("spectral_norm", "pack", "unroll")

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "elu": F.elu,
    "tanh": torch.tanh,
    "silu": F.silu,
    "gelu": F.gelu,
}


def maxout(x: Tensor, pieces: int) -> Tensor:
    """Max over consecutive groups of ``pieces`` features: (..., width·pieces) → (..., width)."""
    return x.unflatten(-1, (-1, pieces)).amax(dim=-1)


class NetConfig(BaseModel):
    """Shape of one player's MLP."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    width: int = Field(128, ge=1, description="units per hidden layer")
    depth: int = Field(3, ge=1, description="number of hidden layers")
    activation: Activation = "leaky_relu"
    pieces: int = Field(5, ge=2, description="linear pieces per unit when activation is maxout")
    norm: Norm = Field("none", description="per-seed normalisation of hidden layers")
    init_std: float | None = Field(
        None, gt=0, description="weights N(0, init_std²) and zero biases; None: nn.Linear's uniform init"
    )
    spectral_norm: bool = Field(False, description="divide every weight by its spectral norm (Miyato 2018)")
    pack: int = Field(
        1, ge=1, description="discriminator only: samples judged together as one input (PacGAN, Lin 2018)"
    )
    unroll: int = Field(
        0,
        ge=0,
        description="discriminator only: look-ahead steps the generator sees (Unrolled GAN, Metz 2017)",
    )

    @model_serializer(mode="wrap")
    def _omit_default_remedies(self, handler):
        """The remedy options at their defaults (off) are left out of dumps, so runs recorded before
        they existed keep their parameters and cell identity; set, they are recorded."""
        data = handler(self)
        for name in REMEDY_OPTIONS:
            if name in data and data[name] == type(self).model_fields[name].default:
                del data[name]
        return data

    @property
    def units(self) -> int:
        """Outputs of each hidden linear map (``width × pieces`` for maxout)."""
        return self.width * self.pieces if self.activation == "maxout" else self.width


class SeedLinear(nn.Module):
    """S independent affine maps: (S, B, fan_in) → (S, B, fan_out); with ``spectral_norm`` each
    member's weight is divided by its largest singular value σ (see :func:`spectral_normalised`)."""

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
            # Power-iteration estimates of the top singular vectors, per member: u (S, fan_out) and
            # v (S, fan_in), random unit vectors refined by 15 iterations, as torch's spectral_norm.
            u = torch.stack([torch.randn(fan_out, generator=g) for g in inits])
            v = torch.stack([torch.randn(fan_in, generator=g) for g in inits])
            self.register_buffer("sn_u", F.normalize(u, dim=1, eps=SN_EPS))
            self.register_buffer("sn_v", F.normalize(v, dim=1, eps=SN_EPS))
            power_iteration(self.weight.detach(), self.sn_u, self.sn_v, SN_INIT_ITERATIONS)

    def forward(self, x: Tensor) -> Tensor:
        weight = self.weight
        if self.spectral_norm:
            if self.training:
                power_iteration(weight.detach(), self.sn_u, self.sn_v, 1)
            # Clones: a later forward pass refines u and v in place, and this pass's backward needs
            # the values it used (torch's spectral_norm clones them too).
            weight = weight / spectral_norm_estimate(weight, self.sn_u.clone(), self.sn_v.clone())
        return torch.baddbmm(self.bias, x, weight)


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
        v.copy_(F.normalize(torch.bmm(weight, u.unsqueeze(2)).squeeze(2), dim=1, eps=SN_EPS))
        u.copy_(F.normalize(torch.bmm(v.unsqueeze(1), weight).squeeze(1), dim=1, eps=SN_EPS))


def spectral_norm_estimate(weight: Tensor, u: Tensor, v: Tensor) -> Tensor:
    """σ = vᵀ W u per member → (S, 1, 1), differentiable in ``weight`` with u and v held constant
    (Miyato et al. 2018, Algorithm 1)."""
    return torch.bmm(v.unsqueeze(1), torch.bmm(weight, u.unsqueeze(2)))


class SeedNorm(nn.Module):
    """Per-seed layer norm (over features) or batch norm (over the batch); ``batch_running`` also
    keeps per-seed running averages of the batch statistics and normalises with them in eval mode."""

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


@contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` in eval mode (running statistics, no updates of them) and without gradients for
    the block; its training mode is restored after."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        module.train(was_training)


class SeedMLP(nn.Module):
    """MLP over the seed axis: ``depth`` hidden layers of ``width`` units, then a linear output."""

    def __init__(self, inits: list[torch.Generator], fan_in: int, fan_out: int, cfg: NetConfig) -> None:
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


class Generator(nn.Module):
    """z (S, B, z_dim) → samples (S, B, *sample_shape); ends in tanh when the data lie in [−1, 1].
    The MLP works on flat vectors: its output is reshaped to the samples' shape (a view)."""

    def __init__(
        self,
        inits: list[torch.Generator],
        z_dim: int,
        sample_shape: tuple[int, ...] | int,
        cfg: NetConfig,
        bounded: bool,
    ):
        super().__init__()
        self.z_dim = z_dim
        self.bounded = bounded
        self.sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        self.net = SeedMLP(inits, z_dim, math.prod(self.sample_shape), cfg)

    def forward(self, z: Tensor) -> Tensor:
        x = self.net(z)
        x = torch.tanh(x) if self.bounded else x
        return x if len(self.sample_shape) == 1 else x.unflatten(-1, self.sample_shape)


class Discriminator(nn.Module):
    """Samples (S, B, *shape) → scores (S, B / pack): raw logits or critic values. With ``pack`` = m
    each score judges m consecutive samples of the batch, concatenated (PacGAN)."""

    def __init__(
        self, inits: list[torch.Generator], sample_shape: tuple[int, ...] | int, cfg: NetConfig
    ) -> None:
        super().__init__()
        self.pack = cfg.pack
        dim = sample_shape if isinstance(sample_shape, int) else math.prod(sample_shape)
        self.net = SeedMLP(inits, dim * cfg.pack, 1, cfg)
        #: Whether a row's score depends on that row alone: no batch statistics (``norm``) and no
        #: power iteration per call (``spectral_norm``). Then real and generated batches may be
        #: scored in one call (see ``ganbench.train.updates.score_both``).
        self.rows_independent = cfg.norm == "none" and not cfg.spectral_norm

    def packed(self, x: Tensor) -> Tensor:
        """Samples (S, B, *shape) → the discriminator's inputs (S, B / pack, pack · dim), flat."""
        s, b = x.shape[:2]
        return x.reshape(s, b // self.pack, -1)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(self.packed(x)).squeeze(-1)
