"""Adam, RMSprop and SGD with one set of settings per member: learning rate, betas, momentum and
weight decay are (S,) tensors over the leading member axis of every parameter.

Why not ``torch.optim``: its optimizers take one learning rate per parameter group (a tensor ``lr``
must have one element), and a member here is a slice of every parameter, not a group. These apply
the textbook update element-wise, with each member's settings broadcast over its slice, so a
population of configurations that differ only in these settings trains as one model.

**One flat buffer per network.** The optimizer moves a network's parameters into one buffer,
``store``, and leaves each ``nn.Parameter`` a view of it; its state (Adam's moments, momentum
buffers) is one (S, P) tensor per name, member by member, and each step gathers the gradients into
one (S, P) tensor (one ``cat``). So a step is a handful of kernels whatever the number of layers —
what a GPU, where a small step is launch-bound, needs — and so are a gradient norm and the masking
below. Two layouts of ``store``:

- **member-major** (the default): ``store`` is the (S, P) tensor itself, each parameter a strided
  column block of it. Right for layers that read a member's weight with any strides (a batched
  matrix product);
- **layer-major** (``layer_major``: a network with a :data:`CONTIGUOUS_MEMBERS` layer, at S > 1):
  each parameter's (S, …) block is contiguous, one after the other. A grouped convolution wants
  its (S·C_out, …) weight and a batch norm its (S·C,) scale contiguous: in the member-major layout
  every forward pass copied them (21 copies and 11 stacks a DCGAN update at S = 64); here they are
  views. The step computes its (S, P) change member by member as before and adds it into
  ``store`` through a fixed permutation (a division and one ``index_add_``, where Adam's
  ``addcdiv_`` did both: one kernel more a step), the same numbers — θ + (−1)·q is θ − q exactly.
  ``flat`` is then a gathered copy.

At S = 1 (or with one parameter) the layouts are the same and the member-major one is used.

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


#: The attribute a module sets (True) to have its network's parameters laid out layer-major.
CONTIGUOUS_MEMBERS = "contiguous_members"


def wants_layer_major(module: nn.Module) -> bool:
    """Whether any layer of ``module`` reads its members' weights as one contiguous block."""
    return any(getattr(m, CONTIGUOUS_MEMBERS, False) for m in module.modules())


def flatten_(params: list[nn.Parameter], layer_major: bool = False) -> tuple[Tensor, Tensor | None]:
    """Move ``params`` (each (S, …)) into one buffer and make each a view of it, in order; returns
    the buffer and, for the layer-major layout, the permutation from member-major positions to it
    (None: member-major, the buffer is the (S, P) tensor). The ``Parameter`` objects stay the same
    (modules keep them)."""
    n = params[0].shape[0]
    flat = torch.cat([p.detach().reshape(n, -1) for p in params], dim=1)
    return _bind(params, flat, layer_major)


def _bind(params: list[nn.Parameter], flat: Tensor, layer_major: bool) -> tuple[Tensor, Tensor | None]:
    """Lay the member-major (S, P) values ``flat`` out as ``flatten_`` does and rebind ``params``."""
    n = flat.shape[0]
    sizes = [p[0].numel() for p in params]
    if not layer_major or n == 1 or len(params) == 1:  # (the layouts agree)
        for p, column in zip(params, flat.split(sizes, dim=1), strict=True):
            p.data = column.view(n, *p.shape[1:])
        return flat, None
    store = torch.cat([column.reshape(-1) for column in flat.split(sizes, dim=1)])
    for p, block in zip(params, store.split([n * size for size in sizes]), strict=True):
        p.data = block.view(n, *p.shape[1:])
    # perm[s·P + j]: where member s's column j lies in ``store`` (int32 where it fits: half the memory)
    dtype = torch.int32 if store.numel() < 2**31 else torch.int64
    places = torch.arange(store.numel(), dtype=dtype, device=flat.device)
    blocks = [
        block.view(n, size) for block, size in zip(places.split([n * z for z in sizes]), sizes, strict=True)
    ]
    return store, torch.cat(blocks, dim=1).reshape(-1)


class MemberOptimizer(torch.optim.Optimizer):
    """One parameter group whose settings are (S,) tensors, over one flat (S, P) parameter buffer;
    subclasses write ``_update`` on (S, P) tensors with (S, 1) coefficients."""

    #: Names of the (S, P) state tensors a subclass keeps (made at zero with the optimizer).
    buffers: tuple[str, ...] = ()

    # ``torch.optim.Optimizer`` wraps ``add_param_group`` (its ``__init__`` calls it) in
    # ``torch._disable_dynamo``, whose first call imports torch._dynamo: 1.0–1.2 s of CPU at the
    # start of every process that trains (2-core Xeon), for a guard against tracing the method whole,
    # which nothing does to a member optimizer (a compiled update calls ``update``). The plain
    # function (``functools.wraps`` keeps it as ``__wrapped__``) does the same work.
    add_param_group = getattr(
        torch.optim.Optimizer.add_param_group, "__wrapped__", torch.optim.Optimizer.add_param_group
    )

    def __init__(self, params, settings: dict[str, Tensor], layer_major: bool = False) -> None:
        params = list(params)
        super().__init__(params, dict(settings))
        self.layer_major = layer_major
        self.store, self.perm = flatten_(params, layer_major)
        self.refresh()
        # The (S, P) state, one entry per name in ``buffers``, made here (at zero) rather than at the
        # first step: a step then only computes (what a compiled step needs).
        flat = self.flat  # (a gathered copy in the layer-major layout: gathered once)
        self.state["flat"] = {name: torch.zeros_like(flat) for name in self.buffers}
        # Constants made once (``torch.where(m, x, 0.0)`` would wrap a new 0-dim tensor per call).
        self.one = torch.ones((), device=self.store.device)  # also a backward pass's seed
        self.zero = torch.zeros((), device=self.store.device)

    def refresh(self) -> None:
        """Read on the host what the settings let a step skip — called at construction, and by
        whoever changes a setting in place afterwards (nothing in training does)."""
        # With no weight decay anywhere the step skips two kernels.
        self.decays = bool((self.param_groups[0]["weight_decay"] != 0).any())

    @property
    def flat(self) -> Tensor:
        """The parameters as one (S, P) tensor, member by member: ``store`` itself in the
        member-major layout, a copy gathered from it (one kernel) in the layer-major one."""
        if self.perm is None:
            return self.store
        return torch.index_select(self.store, 0, self.perm).view(self.members, -1)

    @property
    def members(self) -> int:
        """S, the number of members."""
        return self.param_groups[0]["lr"].shape[0]

    def set_flat(self, values: Tensor) -> None:
        """Write the member-major (S, P) ``values`` into the parameters."""
        if self.perm is None:
            self.store.copy_(values)
        else:
            self.store.index_put_((self.perm,), values.reshape(-1))

    def subtract(self, change: Tensor) -> None:
        """θ ← θ − ``change`` for the member-major (S, P) ``change`` (one kernel)."""
        if self.perm is None:
            self.store.sub_(change)
        else:
            self.store.index_add_(0, self.perm, change.reshape(-1), alpha=-1)

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
        n = self.members
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
        if self.decays:  # (``flat`` is a gathered copy in the layer-major layout: only where needed)
            grad = self.with_decay(grad, self.flat)
        if keep is not None:
            grad = torch.where(keep.unsqueeze(1), grad, self.zero)  # a frozen member's NaN must not leak
        self._update(grad, state, self.param_groups[0], keep)

    def with_decay(self, grad: Tensor, flat: Tensor) -> Tensor:
        """``grad`` plus the L2 penalty's gradient at ``flat``, as torch applies weight decay (no
        kernel when no member decays). Shared by the step and the unrolled look-ahead."""
        if not self.decays:
            return grad
        return grad + self.param_groups[0]["weight_decay"].unsqueeze(1) * flat

    def _update(self, grad: Tensor, state: dict, group: dict, keep: Tensor | None = None) -> None:
        """Apply the step to the parameters and ``state``; ``keep`` is (S,) bool, the members that
        move (None: all move)."""
        raise NotImplementedError

    def select(self, rows: Tensor) -> None:
        """Keep only the members at ``rows`` (indices on the device, in order): parameters, state and
        settings; the parameters' gradients are dropped."""
        n, flat = self.members, self.flat[rows]
        group = self.param_groups[0]
        for key, value in group.items():
            if torch.is_tensor(value) and value.dim() == 1 and value.shape[0] == n:
                group[key] = value[rows]
        state = self.state["flat"]
        for key, value in state.items():
            state[key] = value[rows]
        self.store, self.perm = _bind(self.params, flat, self.layer_major)
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

    def __init__(self, params, settings: dict[str, Tensor], layer_major: bool = False) -> None:
        super().__init__(params, settings, layer_major)
        group = self.param_groups[0]  # the moving averages' weights, computed once
        group["weight1"], group["weight2"] = 1 - group["beta1"], 1 - group["beta2"]
        zero = torch.zeros_like(group["lr"])
        # (S, 4), made once: the weights that step ``corrections`` (columns 0 and 1: weight1, weight2)
        group["weights"] = torch.stack((group["weight1"], group["weight2"], zero, zero), dim=1)
        # (1 − β₁ᵗ, 1 − β₂ᵗ, lr, ε) per member (t = 0: 0, 0)
        eps = torch.full_like(group["lr"], self.eps)
        corrections = self.state["flat"]["corrections"] = torch.stack((zero, zero, group["lr"], eps), dim=1)
        group["lr"] = corrections[:, 2]  # the learning rates are a view of their column (set them there)
        self.powers = torch.tensor(self.exponents, device=self.store.device)  # (2, 4)
        # (a, b) of a member that sits a step out: m / (0·√v + ∞) = 0, its parameters stay
        self.frozen = torch.tensor([0.0, float("inf")], device=self.store.device)

    def refresh(self) -> None:
        super().refresh()
        # a ≤ 1 / (lr·√(1−β₂)) from the first step on: unless some member's bound is near float32's
        # largest (lr ≈ 0), no step needs a's clamp (a kernel fewer)
        group = self.param_groups[0]
        worst = 1 / (group["lr"].double() * (1 - group["beta2"].double()).sqrt())
        self.clamps = bool((worst >= torch.finfo(torch.float32).max / 4).any())

    def select(self, rows: Tensor) -> None:
        super().select(rows)
        group = self.param_groups[0]
        group["weights"] = group["weights"][rows]
        group["lr"] = self.state["flat"]["corrections"][:, 2]

    def _update(self, grad, state, group, keep=None):
        corrections, weights = state["corrections"], group["weights"]
        if keep is not None:  # a member that sits out: weights 0 (its state stays), (a, b) = (0, ∞)
            weights = torch.where(col(keep), weights, self.zero)  # (exactly the weights where it moves)
        corrections.lerp_(self.one.to(corrections.dtype), weights)  # (float32: no copy)
        ab = corrections.unsqueeze(1).pow(self.powers).prod(2)  # (S, 2): a, b
        # lr = 0 makes a and b infinite: a finite a keeps a·√v + b infinite where v = 0 (not NaN),
        # and the member in place (m / ∞ = 0)
        if self.clamps:
            ab[:, 0].clamp_(max=torch.finfo(ab.dtype).max)
        if keep is not None:  # (before its first step a member's a is 0·∞)
            ab = torch.where(col(keep), ab, self.frozen)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Six (S, P) kernels (torch's single-tensor Adam: seven a tensor).
        m.lerp_(grad, weights[:, 0:1])
        v.lerp_(grad.square(), weights[:, 1:2])  # β₂v + (1−β₂)g²
        denominator = torch.addcmul(ab[:, 1:], v.sqrt(), ab[:, 0:1])
        if self.perm is None:
            self.store.addcdiv_(m, denominator, value=-1)  # (one kernel where m / d and θ − q are two)
        else:
            self.subtract(m / denominator)


class MemberRMSprop(MemberOptimizer):
    """RMSprop (Tieleman & Hinton 2012) as torch writes it: v ← αv + (1−α)g², b ← μb + g/(√v + ε),
    θ ← θ − lr·b (μ = 0: θ ← θ − lr·g/(√v + ε)); α = 0.99, ε = 1e-8."""

    alpha, eps = 0.99, 1e-8
    buffers = ("square_avg", "momentum_buffer")

    def __init__(self, params, settings: dict[str, Tensor], layer_major: bool = False) -> None:
        super().__init__(params, settings, layer_major)
        self.param_groups[0]["alpha"] = torch.full_like(settings["lr"], self.alpha)

    def _update(self, grad, state, group, keep=None):
        # v·α + (1−α)g² is torch's order of operations; a member that sits out keeps v·1 + 0.
        alpha = group["alpha"] if keep is None else torch.where(keep, group["alpha"], self.one)
        square_avg, buf = state["square_avg"], state["momentum_buffer"]
        square_avg.mul_(col(alpha)).addcmul_(grad, grad, value=1 - self.alpha)
        momentum, lr = group["momentum"], group["lr"]
        if keep is not None:  # sits out: momentum 1 (b·1 + 0) and learning rate 0 (θ − 0)
            momentum, lr = torch.where(keep, momentum, self.one), torch.where(keep, lr, self.zero)
        avg = square_avg.sqrt().add_(self.eps)
        buf.mul_(col(momentum)).add_(grad / avg)
        self.subtract(col(lr) * buf)


class MemberSGD(MemberOptimizer):
    """SGD with momentum as torch writes it (no dampening): b ← μb + g (b = g at the first step),
    θ ← θ − lr·b."""

    buffers = ("momentum_buffer",)

    def _update(self, grad, state, group, keep=None):
        momentum, lr = group["momentum"], group["lr"]
        if keep is not None:  # sits out: momentum 1 (b·1 + 0) and learning rate 0 (θ − 0)
            momentum, lr = torch.where(keep, momentum, self.one), torch.where(keep, lr, self.zero)
        buf = state["momentum_buffer"]
        buf.mul_(col(momentum)).add_(grad)
        self.subtract(col(lr) * buf)


OPTIMIZERS: dict[str, type[MemberOptimizer]] = {
    "adam": MemberAdam,
    "rmsprop": MemberRMSprop,
    "sgd": MemberSGD,
}


def make_member_optimizer(
    params, configs: list[OptimizerConfig], device: torch.device, layer_major: bool = False
) -> MemberOptimizer:
    """The optimizer over ``params`` (each of shape (S, …)) with member i's settings from ``configs[i]``,
    in the ``layer_major`` layout or not (see the module docstring). Every member must use the same
    algorithm (``name``): a different one is a different model."""
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
    return OPTIMIZERS[configs[0].name](params, settings, layer_major)
