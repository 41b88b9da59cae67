"""The unrolled discriminator (Metz, Poole, Pfau & Sohl-Dickstein 2017, "Unrolled Generative
Adversarial Networks"): the generator is trained against the discriminator as it will be after
k more of its own optimizer steps, D_k, with the gradient taken *through* those steps — so the
generator sees how the discriminator would answer a move, and a move onto one mode stops paying.

``discriminator.unroll: k`` (a network option; 0 = off) makes :func:`opponent` return D_k in place
of D for the generator's update. The k look-ahead steps are differentiable copies of the
discriminator's real optimizer step — Adam, RMSprop or SGD with each member's own settings,
starting from the optimizer's current state, as Metz et al. unroll Adam from its state — on the
discriminator's loss (``Loss.d_loss``) for one real batch and the generator's batch at hand (the
same two batches at every step, as in the authors' code). The discriminator itself, its
optimizer state and its buffers (spectral-norm vectors, batch-norm running averages) are left
exactly as they were: the look-ahead works on copies. Left out of the look-ahead, and said so:
the loss's penalty and constraint (gradient penalties, weight clipping).

Nothing in the loss or schedule contracts changes: the trainer asks for the generator's opponent
and gets D itself when k = 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

from ganbench.contracts.loss import Loss
from ganbench.train.member_optim import MemberAdam, MemberOptimizer, MemberRMSprop, MemberSGD, col

Judge = Callable[[Tensor], Tensor]


def _safe_sqrt(x: Tensor) -> Tensor:
    """√x with a zero (not NaN) gradient where x = 0 (Adam's second moment of a gradient that is
    exactly zero, e.g. a bias before batch norm)."""
    positive = x > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, x, 1.0)), 0.0)


def _adam(opt: MemberOptimizer, flat: Tensor, grad: Tensor, state: dict[str, Tensor]):
    group = opt.param_groups[0]
    b1, b2, weights = group["beta1"], group["beta2"], group["weights"]
    corrections = state["corrections"].lerp(opt.one.to(flat.dtype), weights)  # (1−β₁ᵗ, 1−β₂ᵗ, lr, ε)
    a, b = corrections.unsqueeze(1).pow(opt.powers).prod(2).unbind(1)  # as the optimizer steps
    m = state["exp_avg"] * col(b1) + grad * col(weights[:, 0])
    v = state["exp_avg_sq"] * col(b2) + grad.square() * col(weights[:, 1])
    new = flat - m / (_safe_sqrt(v) * col(a) + col(b))
    return new, {"corrections": corrections, "exp_avg": m, "exp_avg_sq": v}


def _rmsprop(opt: MemberOptimizer, flat: Tensor, grad: Tensor, state: dict[str, Tensor]):
    group = opt.param_groups[0]
    square_avg = state["square_avg"] * col(group["alpha"]) + grad.square() * (1 - opt.alpha)
    buf = state["momentum_buffer"] * col(group["momentum"]) + grad / (_safe_sqrt(square_avg) + opt.eps)
    new = flat - col(group["lr"]) * buf
    return new, {"square_avg": square_avg, "momentum_buffer": buf}


def _sgd(opt: MemberOptimizer, flat: Tensor, grad: Tensor, state: dict[str, Tensor]):
    group = opt.param_groups[0]
    buf = state["momentum_buffer"] * col(group["momentum"]) + grad
    return flat - col(group["lr"]) * buf, {"momentum_buffer": buf}


#: The differentiable step of each member optimizer, out of place: (optimizer, flat params, flat
#: gradient, state) → (new flat params, new state). Same formulas as the in-place ``_update``s.
STEPS = {MemberAdam: _adam, MemberRMSprop: _rmsprop, MemberSGD: _sgd}


def _state(opt: MemberOptimizer) -> dict[str, Tensor]:
    """The optimizer's current state, detached (its (S, P) buffers at zero before a first step)."""
    state = {name: value.detach() for name, value in opt.state["flat"].items()}
    for name in opt.buffers:
        state.setdefault(name, torch.zeros_like(opt.flat))
    return state


def unrolled(
    discriminator: nn.Module,
    optimizer: MemberOptimizer,
    loss: Loss,
    real: Tensor,
    fake: Tensor,
    steps: int,
) -> Judge:
    """D after ``steps`` differentiable optimizer steps on ``loss.d_loss`` for (``real``, ``fake``)
    → a function scoring samples with those weights. Gradients flow into ``fake`` (and so into
    the generator) through every step; D's own parameters, state and buffers are not touched."""
    names = [name for name, _ in discriminator.named_parameters()]
    shapes = [p.shape for p in optimizer.params]
    step = STEPS[type(optimizer)]
    buffers = {name: b.clone() for name, b in discriminator.named_buffers()}  # refined on copies
    real = real.detach()

    def weights(flat: Tensor) -> dict[str, Tensor]:
        out, offset = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = shape[1:].numel()
            out[name] = flat[:, offset : offset + size].view(shape)
            offset += size
        return out

    def judge_with(flat: Tensor) -> Judge:
        return lambda x: functional_call(discriminator, {**weights(flat), **buffers}, (x,))

    flat, state = optimizer.flat.detach().requires_grad_(True), _state(optimizer)
    for _ in range(steps):
        judge = judge_with(flat)
        objective = loss.d_loss(judge(real), judge(fake))
        (grad,) = torch.autograd.grad(objective.sum(), flat, create_graph=True)
        flat, state = step(optimizer, flat, optimizer.with_decay(grad, flat), state)
    return judge_with(flat)


def opponent(
    discriminator: nn.Module,
    optimizer: MemberOptimizer,
    loss: Loss,
    steps: int,
    real: Tensor | None,
    fake: Tensor,
) -> Judge:
    """What the generator's update scores its samples with: D itself (``steps`` = 0), else D
    unrolled ``steps`` look-ahead steps on the real batch ``real`` and ``fake``."""
    if steps == 0:
        return discriminator
    return unrolled(discriminator, optimizer, loss, real, fake, steps)
