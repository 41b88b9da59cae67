"""Adam, RMSprop and SGD with one set of settings per member: learning rate, betas, momentum and
weight decay are (S,) tensors over the leading member axis of every parameter.

Why not ``torch.optim``: its optimizers take one learning rate per parameter group (a tensor ``lr``
must have one element), and a member here is a slice of every parameter, not a group. These apply
the textbook update element-wise, with each member's settings broadcast over its slice, so a
population of configurations that differ only in these settings trains as one model.

**One flat buffer per network.** The optimizer moves a network's parameters into one (S, P)
tensor, ``flat``, and leaves each ``nn.Parameter`` a view of its columns; its state (Adam's moments,
momentum buffers) is (S, P) too, and each step gathers the gradients into one (S, P) tensor (one
``cat``). So a step is a handful of kernels whatever the number of layers — what a GPU, where a
small step is launch-bound, needs — and so are a gradient norm and the masking below.

**Members that sit a step out.** ``update(grad, keep)`` moves only the members in ``keep`` (an (S,)
bool tensor, or None for all): the others' gradients are zeroed and their per-member coefficients
set so that their parameters and state come out bit-identical (x·1 + 0, x + (−0)), with no save and
restore. State is per member too — Adam's step count included, so the bias correction of a member
that sat some ticks out counts that member's own steps. A member trained beside others gets
exactly the numbers it gets alone: every operation is element-wise within its slice, and the
masking multiplies by exactly 1 where a member moves.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganbench.train.config import OptimizerConfig


def _per_member(values: list[float], device: torch.device) -> Tensor:
    return torch.tensor(values, dtype=torch.float32, device=device)


def flatten_(params: list[nn.Parameter]) -> Tensor:
    """Move ``params`` (each (S, …)) into one (S, P) tensor and make each a view of its columns, in
    order; returns the tensor. The ``Parameter`` objects stay the same (modules keep them)."""
    n = params[0].shape[0]
    flat = torch.cat([p.detach().reshape(n, -1) for p in params], dim=1)
    _bind(params, flat)
    return flat


def _bind(params: list[nn.Parameter], flat: Tensor) -> None:
    """Make each parameter the view of its columns of ``flat`` (whose rows may have changed)."""
    offset = 0
    for p in params:
        size = p[0].numel()
        p.data = flat[:, offset : offset + size].view(flat.shape[0], *p.shape[1:])
        offset += size


class MemberOptimizer(torch.optim.Optimizer):
    """One parameter group whose settings are (S,) tensors, over one flat (S, P) parameter buffer;
    subclasses write ``_update`` on (S, P) tensors with (S, 1) coefficients."""

    #: Names of the (S, P) state tensors a subclass keeps (made at zero with the optimizer).
    buffers: tuple[str, ...] = ()

    def __init__(self, params, settings: dict[str, Tensor]) -> None:
        params = list(params)
        super().__init__(params, dict(settings))
        self.flat = flatten_(params)
        # Read once on the host: with no weight decay anywhere the step skips two kernels.
        self.decays = bool((settings["weight_decay"] != 0).any())
        # The (S, P) state, one entry per name in ``buffers``, made here (at zero) rather than at the
        # first step: a step then only computes (what a compiled step needs).
        self.state["flat"] = {name: torch.zeros_like(self.flat) for name in self.buffers}
        # Constants made once (``torch.where(m, x, 0.0)`` would wrap a new 0-dim tensor per call).
        self.one = torch.ones((), device=self.flat.device)  # also a backward pass's seed
        self.zero = torch.zeros((), device=self.flat.device)

    @property
    def settings(self) -> dict[str, Tensor]:
        """The per-member settings (name → (S,) tensor)."""
        return {k: v for k, v in self.param_groups[0].items() if torch.is_tensor(v)}

    @property
    def params(self) -> list[nn.Parameter]:
        """The parameters, in the order of their columns in ``flat``."""
        return self.param_groups[0]["params"]

    def gather_grads(self) -> Tensor:
        """The parameters' gradients as one (S, P) tensor (a missing gradient counts as zero)."""
        n = self.flat.shape[0]
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        return torch.cat([g.reshape(n, -1) for g in grads], dim=1)

    @torch.no_grad()
    def step(self, closure=None):  # noqa: D401 — torch's signature
        """One step for every member from the parameters' ``.grad``."""
        self.update(self.gather_grads())

    @torch.no_grad()
    def update(self, grad: Tensor, keep: Tensor | None = None) -> None:
        """One step from the (S, P) gradient ``grad`` for the members in ``keep`` ((S,) bool; None:
        all); the others' parameters and state stay bit-identical."""
        state = self.state["flat"]
        grad = self.with_decay(grad, self.flat)
        moves = None
        if keep is not None:
            grad = torch.where(keep.unsqueeze(1), grad, self.zero)  # a frozen member's NaN must not leak
            moves = keep.float()
        self._update(grad, state, self.param_groups[0], moves, keep)

    def with_decay(self, grad: Tensor, flat: Tensor) -> Tensor:
        """``grad`` plus the L2 penalty's gradient at ``flat``, as torch applies weight decay (no
        kernel when no member decays). Shared by the step and the unrolled look-ahead."""
        if not self.decays:
            return grad
        return grad + self.param_groups[0]["weight_decay"].unsqueeze(1) * flat

    def _update(
        self, grad: Tensor, state: dict, group: dict, moves: Tensor | None, keep: Tensor | None = None
    ) -> None:
        """Apply the step to ``self.flat`` and ``state``; ``moves`` is (S,) 1.0/0.0 and ``keep`` the
        same as bool (None: all move)."""
        raise NotImplementedError

    def select(self, rows: Tensor) -> None:
        """Keep only the members at ``rows`` (indices on the device, in order): parameters, state and
        settings; the parameters' gradients are dropped."""
        n = self.flat.shape[0]
        group = self.param_groups[0]
        for key, value in group.items():
            if torch.is_tensor(value) and value.dim() == 1 and value.shape[0] == n:
                group[key] = value[rows]
        state = self.state["flat"]
        for key, value in state.items():
            state[key] = value[rows]
        self.flat = self.flat[rows]
        _bind(self.params, self.flat)
        for p in self.params:
            p.grad = None


def col(t: Tensor) -> Tensor:
    """(S,) → (S, 1), broadcastable against an (S, P) tensor."""
    return t.unsqueeze(1)


class MemberAdam(MemberOptimizer):
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε), with t the member's own step count.

    Written as θ ← θ − m / (a·√v + b), a = (1−β₁ᵗ) / (lr·√(1−β₂ᵗ)), b = ε·(1−β₁ᵗ) / lr (the same
    step, rounded in another order), so that a step is six (S, P) kernels and four small ones:
    the state ``corrections`` (S, 4) holds (1−β₁ᵗ, 1−β₂ᵗ, lr, ε) per member, stepped by one
    ``lerp_`` towards 1 with weights (1−β₁, 1−β₂, 0, 0) (1 − βᵗ⁺¹ = (1 − βᵗ) + (1−β)·βᵗ; lr and ε
    stay exactly); (a, b) are one power of it by ``exponents`` and one product."""

    eps = 1e-8
    buffers = ("exp_avg", "exp_avg_sq")
    #: (a, b) = products of the columns of ``corrections`` raised to these powers.
    exponents = ((1.0, -0.5, -1.0, 0.0), (1.0, 0.0, -1.0, 1.0))

    def __init__(self, params, settings: dict[str, Tensor]) -> None:
        super().__init__(params, settings)
        group = self.param_groups[0]  # the moving averages' weights, computed once
        group["weight1"], group["weight2"] = 1 - group["beta1"], 1 - group["beta2"]
        zero = torch.zeros_like(group["lr"])
        # (S, 4), made once: the weights that step ``corrections`` (columns 0 and 1: weight1, weight2)
        group["weights"] = torch.stack((group["weight1"], group["weight2"], zero, zero), dim=1)
        # (1 − β₁ᵗ, 1 − β₂ᵗ, lr, ε) per member (t = 0: 0, 0)
        eps = torch.full_like(group["lr"], self.eps)
        corrections = self.state["flat"]["corrections"] = torch.stack((zero, zero, group["lr"], eps), dim=1)
        group["lr"] = corrections[:, 2]  # the learning rates are a view of their column (set them there)
        self.powers = torch.tensor(self.exponents, device=self.flat.device)  # (2, 4)
        # (a, b) of a member that sits a step out: m / (0·√v + ∞) = 0, its parameters stay
        self.frozen = torch.tensor([0.0, float("inf")], device=self.flat.device)

    def select(self, rows: Tensor) -> None:
        super().select(rows)
        group = self.param_groups[0]
        group["weights"] = group["weights"][rows]
        group["lr"] = self.state["flat"]["corrections"][:, 2]

    def _update(self, grad, state, group, moves, keep=None):
        corrections, weights = state["corrections"], group["weights"]
        if moves is not None:  # a member that sits out: weights 0 (its state stays), (a, b) = (0, ∞)
            weights = weights * col(moves)  # (exactly the weights where it moves: the same numbers)
        corrections.lerp_(self.one.to(corrections.dtype), weights)  # (float32: no copy)
        ab = corrections.unsqueeze(1).pow(self.powers).prod(2)  # (S, 2): a, b
        # lr = 0 makes a and b infinite: a finite a keeps a·√v + b infinite where v = 0 (not NaN),
        # and the member in place (m / ∞ = 0)
        ab[:, 0].clamp_(max=torch.finfo(ab.dtype).max)
        if keep is not None:  # (before its first step a member's a is 0·∞)
            ab = torch.where(col(keep), ab, self.frozen)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Six (S, P) kernels (torch's single-tensor Adam: seven a tensor).
        m.lerp_(grad, weights[:, 0:1])
        v.lerp_(grad.square(), weights[:, 1:2])  # β₂v + (1−β₂)g²
        self.flat.addcdiv_(m, torch.addcmul(ab[:, 1:], v.sqrt(), ab[:, 0:1]), value=-1)


class MemberRMSprop(MemberOptimizer):
    """RMSprop (Tieleman & Hinton 2012) as torch writes it: v ← αv + (1−α)g², b ← μb + g/(√v + ε),
    θ ← θ − lr·b (μ = 0: θ ← θ − lr·g/(√v + ε)); α = 0.99, ε = 1e-8."""

    alpha, eps = 0.99, 1e-8
    buffers = ("square_avg", "momentum_buffer")

    def __init__(self, params, settings: dict[str, Tensor]) -> None:
        super().__init__(params, settings)
        self.param_groups[0]["alpha"] = torch.full_like(settings["lr"], self.alpha)

    def _update(self, grad, state, group, moves, keep=None):
        # v·α + (1−α)g² is torch's order of operations; a member that sits out keeps v·1 + 0.
        alpha = group["alpha"] if moves is None else torch.where(moves > 0, group["alpha"], self.one)
        square_avg, buf = state["square_avg"], state["momentum_buffer"]
        square_avg.mul_(col(alpha)).addcmul_(grad, grad, value=1 - self.alpha)
        momentum, lr = group["momentum"], group["lr"]
        if moves is not None:  # sits out: momentum 1 (b·1 + 0) and learning rate 0 (θ − 0)
            momentum, lr = torch.where(moves > 0, momentum, self.one), lr * moves
        avg = square_avg.sqrt().add_(self.eps)
        buf.mul_(col(momentum)).add_(grad / avg)
        self.flat.sub_(col(lr) * buf)


class MemberSGD(MemberOptimizer):
    """SGD with momentum as torch writes it (no dampening): b ← μb + g (b = g at the first step),
    θ ← θ − lr·b."""

    buffers = ("momentum_buffer",)

    def _update(self, grad, state, group, moves, keep=None):
        momentum, lr = group["momentum"], group["lr"]
        if moves is not None:  # sits out: momentum 1 (b·1 + 0) and learning rate 0 (θ − 0)
            momentum, lr = torch.where(moves > 0, momentum, self.one), lr * moves
        buf = state["momentum_buffer"]
        buf.mul_(col(momentum)).add_(grad)
        self.flat.sub_(col(lr) * buf)


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
