"""Adam, RMSprop and SGD with one set of settings per member: learning rate, betas, momentum and
weight decay are (S,) tensors over the leading member axis of every parameter.

Why not ``torch.optim``: its optimizers take one learning rate per parameter group (a tensor ``lr``
must have one element), and a member here is a slice of every parameter, not a group. These apply
the textbook update element-wise, with each member's settings broadcast over its slice, so a
population of configurations that differ only in these settings trains as one model.

State is per member too — Adam's step count included, so the bias correction of a member that sat
some ticks out (a per-seed schedule, a frozen member) counts that member's own steps. A member
trained beside others gets exactly the numbers it gets alone: every operation is element-wise
within its slice.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganbench.train.config import OptimizerConfig


def _per_member(values: list[float], device: torch.device) -> Tensor:
    return torch.tensor(values, dtype=torch.float32, device=device)


def _view(t: Tensor, p: Tensor) -> Tensor:
    """(S,) → (S, 1, …, 1), broadcastable against ``p`` of shape (S, …)."""
    return t.view(-1, *[1] * (p.dim() - 1))


class MemberOptimizer(torch.optim.Optimizer):
    """One parameter group whose settings are (S,) tensors; subclasses write ``_update``."""

    def __init__(self, params, settings: dict[str, Tensor]) -> None:
        super().__init__(list(params), dict(settings))
        # Read once on the host: with no weight decay anywhere the step skips two kernels a tensor.
        self.decays = bool((settings["weight_decay"] != 0).any())

    @property
    def settings(self) -> dict[str, Tensor]:
        """The per-member settings (name → (S,) tensor)."""
        return {k: v for k, v in self.param_groups[0].items() if torch.is_tensor(v)}

    @torch.no_grad()
    def step(self, closure=None):  # noqa: D401 — torch's signature
        group = self.param_groups[0]
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = p.grad
            if self.decays:  # L2 penalty as torch applies it (weight_decay = 0: grad unchanged)
                grad = grad + _view(group["weight_decay"], p) * p
            self._update(p, grad, self.state[p], group)
        return None

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError


class MemberAdam(MemberOptimizer):
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε), with t the member's own step count."""

    eps = 1e-8

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = torch.zeros(p.shape[0], dtype=torch.float32, device=p.device)
            state["exp_avg"] = torch.zeros_like(p)
            state["exp_avg_sq"] = torch.zeros_like(p)
        b1, b2, lr = group["beta1"], group["beta2"], group["lr"]
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Eight full-size kernels a tensor (torch's single-tensor Adam: seven); the (S,) factors are tiny.
        m.lerp_(grad, _view(1 - b1, p))
        v.lerp_(grad.square(), _view(1 - b2, p))  # β₂v + (1−β₂)g²
        denom = v.sqrt().div_(_view((1 - b2**t).sqrt(), p)).add_(self.eps)
        p.addcdiv_(m * _view(-lr / (1 - b1**t), p), denom)


class MemberRMSprop(MemberOptimizer):
    """RMSprop (Tieleman & Hinton 2012) as torch writes it: v ← αv + (1−α)g², b ← μb + g/(√v + ε),
    θ ← θ − lr·b (μ = 0: θ ← θ − lr·g/(√v + ε)); α = 0.99, ε = 1e-8."""

    alpha, eps = 0.99, 1e-8

    def _update(self, p, grad, state, group):
        if not state:
            state["square_avg"] = torch.zeros_like(p)
            state["momentum_buffer"] = torch.zeros_like(p)
        state["square_avg"].mul_(self.alpha).addcmul_(grad, grad, value=1 - self.alpha)
        avg = state["square_avg"].sqrt().add_(self.eps)
        buf = state["momentum_buffer"]
        buf.mul_(_view(group["momentum"], p)).add_(grad / avg)
        p.sub_(_view(group["lr"], p) * buf)


class MemberSGD(MemberOptimizer):
    """SGD with momentum as torch writes it (no dampening): b ← μb + g (b = g at the first step),
    θ ← θ − lr·b."""

    def _update(self, p, grad, state, group):
        if not state:
            state["momentum_buffer"] = torch.zeros_like(p)
        buf = state["momentum_buffer"]
        buf.mul_(_view(group["momentum"], p)).add_(grad)
        p.sub_(_view(group["lr"], p) * buf)


OPTIMIZERS: dict[str, type[MemberOptimizer]] = {
    "adam": MemberAdam,
    "rmsprop": MemberRMSprop,
    "sgd": MemberSGD,
}


def make_member_optimizer(params, configs: list[OptimizerConfig], device: torch.device) -> MemberOptimizer:
    """The optimizer over ``params`` (each of shape (S, …)) with member i's settings from ``configs[i]``.
    Every member must use the same algorithm (``name``): a different one is a different model."""
    names = {c.name for c in configs}
    if len(names) != 1:
        raise ValueError(f"members of one model must share the optimizer algorithm, got {sorted(names)}")
    settings = {
        "lr": _per_member([c.lr for c in configs], device),
        "beta1": _per_member([c.betas[0] for c in configs], device),
        "beta2": _per_member([c.betas[1] for c in configs], device),
        "momentum": _per_member([c.momentum for c in configs], device),
        "weight_decay": _per_member([c.weight_decay for c in configs], device),
    }
    return OPTIMIZERS[configs[0].name](params, settings)
