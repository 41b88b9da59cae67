"""The three kinds of update a schedule can ask for: D step, G step, joint (simultaneous) step.

Each takes the boolean (S,) mask of seeds that should update, on the training device, and returns
the mask of seeds that did (those whose objective was finite) and per-seed statistics as (S,)
tensors, all on the device: nothing here reads a device tensor on the host. Seeds outside the mask —
or whose objective is NaN/inf — keep their parameters and optimizer state bit-identical (see
:func:`frozen_seeds`). Where the host cannot tell for free that no seed is in a mask (a CUDA mask),
the step runs for nobody under the mask and changes nothing (optimizer state, Adam's step count
included, is per member and restored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from ganbench.contracts.loss import Loss
from ganbench.train.build import TrainSetup
from ganbench.train.host import known_all, may_any

Stats = dict[str, Tensor]


@contextmanager
def frozen_seeds(
    keep: Tensor, params: list[nn.Parameter], optimizer: torch.optim.Optimizer
) -> Iterator[None]:
    """Whatever the block does to ``params`` and their optimizer state, seeds outside ``keep`` are
    restored afterwards (state created in the block starts at zero for them). The restore is a
    ``torch.where`` over the seed axis — no host read of ``keep`` — skipped when ``keep`` is known
    on the host to be all True."""
    if known_all(keep):
        yield
        return
    n_seeds = keep.shape[0]

    def per_seed(state: dict) -> dict[str, Tensor]:
        return {
            k: v for k, v in state.items() if torch.is_tensor(v) and v.dim() > 0 and v.shape[0] == n_seeds
        }

    saved_params = [p.detach().clone() for p in params]
    saved_state = [{k: v.clone() for k, v in per_seed(optimizer.state[p]).items()} for p in params]
    yield
    keep = keep.to(params[0].device)
    with torch.no_grad():
        for p, old, old_state in zip(params, saved_params, saved_state, strict=True):
            k = keep.view(-1, *[1] * (p.dim() - 1))
            p.copy_(torch.where(k, p, old))
            for name, v in per_seed(optimizer.state[p]).items():
                before = old_state.get(name)
                kv = keep.view(-1, *[1] * (v.dim() - 1))  # Adam's step count is (S,)
                v.copy_(torch.where(kv, v, before if before is not None else torch.zeros_like(v)))


def seed_grad_norm(params: list[nn.Parameter]) -> Tensor:
    """Per-seed L2 norm of the gradient over all ``params`` → (S,) (one concatenation and one norm:
    two kernels whatever the number of parameters)."""
    grads = [p.grad.detach().flatten(1) for p in params if p.grad is not None]
    return torch.linalg.vector_norm(torch.cat(grads, dim=1), dim=1)


def _set_requires_grad(params: list[nn.Parameter], flag: bool) -> None:
    """``Module.requires_grad_`` over a cached parameter list (no module walk per step)."""
    for p in params:
        p.requires_grad_(flag)


def _finite(*objectives: Tensor) -> Tensor:
    ok = torch.ones_like(objectives[0], dtype=torch.bool)
    for obj in objectives:
        ok &= torch.isfinite(obj.detach())
    return ok


def _set_grads(objective: Tensor, ok: Tensor, params: list[nn.Parameter], retain: bool = False) -> None:
    # Summing over seeds keeps them separate (each seed's loss depends on its own weights only);
    # masked seeds contribute zero, and anything NaN they produce is undone by frozen_seeds.
    masked = torch.where(ok, objective, torch.zeros_like(objective))
    grads = torch.autograd.grad(masked.sum(), params, retain_graph=retain, allow_unused=True)
    for p, g in zip(params, grads, strict=True):
        p.grad = g


def _step(
    optimizer: torch.optim.Optimizer, params: list[nn.Parameter], ok: Tensor, after: Callable[[], None]
):
    with frozen_seeds(ok, params, optimizer):
        optimizer.step()
        after()


def accuracy(loss: Loss, real_scores: Tensor | None, fake_scores: Tensor) -> Stats:
    """Per-seed share of fake (and, given, real) samples the discriminator classifies correctly.

    For a loss with ``relative_scores`` the decision threshold is the midpoint of each seed's mean
    real and mean fake score (so ``real_scores`` are required): adding a constant to a critic
    changes nothing it does, and must not change its accuracy either.
    """
    fake = fake_scores.detach()
    calls_real = loss.predicts_real
    if loss.relative_scores:
        if real_scores is None:
            raise ValueError("accuracy of a loss with relative scores needs the real scores too")
        midpoint = (real_scores.detach().mean(1) + fake.mean(1)).unsqueeze(1) / 2

        def calls_real(scores: Tensor) -> Tensor:
            return scores > midpoint

    out = {"d_acc_fake": (~calls_real(fake)).float().mean(1)}
    if real_scores is not None:
        out["d_acc_real"] = calls_real(real_scores.detach()).float().mean(1)
    return out


def _d_objective(s: TrainSetup, real: Tensor, fake: Tensor, real_scores: Tensor, fake_scores: Tensor):
    """The discriminator's loss plus its penalty (if the loss has one), and the penalty alone."""
    objective = s.loss.d_loss(real_scores, fake_scores)
    penalty = s.loss.penalty(s.discriminator, real, fake, s.streams)
    return (objective if penalty is None else objective + penalty), penalty


def d_update(setup: TrainSetup, mask: Tensor) -> tuple[Tensor, Stats]:
    """One discriminator step for the seeds in ``mask``; the generator is not touched."""
    s, b = setup, setup.config.batch_size
    d_params = s.d_params
    real = s.dataset.draw(s.streams, b)
    with torch.no_grad():
        fake = s.generator(s.streams.normal(b, s.config.z_dim))
    real_scores, fake_scores = s.discriminator(real), s.discriminator(fake)
    objective, penalty = _d_objective(s, real, fake, real_scores, fake_scores)
    ok = mask & _finite(objective)
    stats = {"d_loss": objective.detach(), **accuracy(s.loss, real_scores, fake_scores)}
    if penalty is not None:
        stats["penalty"] = penalty.detach()
    if may_any(ok):
        _set_grads(objective, ok, d_params)
        stats["grad_norm_d"] = seed_grad_norm(d_params)
        _step(s.d_optimizer, d_params, ok, lambda: s.loss.constrain(s.discriminator))
    return ok, stats


def g_update(setup: TrainSetup, mask: Tensor) -> tuple[Tensor, Stats]:
    """One generator step for the seeds in ``mask``: gradients flow back through D, whose
    parameters (and optimizer state) are left exactly as they were."""
    s, b = setup, setup.config.batch_size
    g_params = s.g_params
    fake = s.generator(s.streams.normal(b, s.config.z_dim))
    _set_requires_grad(s.d_params, False)  # no gradient into D's parameters
    try:
        fake_scores = s.discriminator(fake)
        real_scores = None
        if s.loss.uses_real_in_g or s.loss.relative_scores:
            with torch.no_grad():
                real_scores = s.discriminator(s.dataset.draw(s.streams, b))
        objective = s.loss.g_loss(fake_scores, real_scores if s.loss.uses_real_in_g else None)
        ok = mask & _finite(objective)
        acc = accuracy(s.loss, real_scores, fake_scores)
        stats = {"g_loss": objective.detach(), "g_acc_fake": acc["d_acc_fake"]}
        if may_any(ok):
            _set_grads(objective, ok, g_params)
            stats["grad_norm_g"] = seed_grad_norm(g_params)
            _step(s.g_optimizer, g_params, ok, lambda: None)
    finally:
        _set_requires_grad(s.d_params, True)
    return ok, stats


def joint_update(setup: TrainSetup, d_mask: Tensor, g_mask: Tensor) -> tuple[Tensor, Tensor, Stats]:
    """Simultaneous step: one forward pass; D and G gradients both taken at the current parameters,
    then both optimizers step. A seed whose D or G objective is non-finite updates neither."""
    s, b = setup, setup.config.batch_size
    d_params, g_params = s.d_params, s.g_params
    real = s.dataset.draw(s.streams, b)
    fake = s.generator(s.streams.normal(b, s.config.z_dim))
    real_scores, fake_scores = s.discriminator(real), s.discriminator(fake)
    d_objective, penalty = _d_objective(s, real, fake, real_scores, fake_scores)
    g_objective = s.loss.g_loss(fake_scores, real_scores.detach() if s.loss.uses_real_in_g else None)
    finite = _finite(d_objective, g_objective)
    ok_d, ok_g = d_mask & finite, g_mask & finite
    stats = {
        "d_loss": d_objective.detach(),
        "g_loss": g_objective.detach(),
        **accuracy(s.loss, real_scores, fake_scores),
    }
    if penalty is not None:
        stats["penalty"] = penalty.detach()
    if may_any(ok_d | ok_g):
        _set_grads(d_objective, ok_d, d_params, retain=True)
        _set_grads(g_objective, ok_g, g_params)
        stats["grad_norm_d"] = seed_grad_norm(d_params)
        stats["grad_norm_g"] = seed_grad_norm(g_params)
        _step(s.d_optimizer, d_params, ok_d, lambda: s.loss.constrain(s.discriminator))
        _step(s.g_optimizer, g_params, ok_g, lambda: None)
    return ok_d, ok_g, stats
