"""The three kinds of update a schedule can ask for: D step, G step, joint (simultaneous) step.

Each takes the boolean (S,) mask of seeds that should update, on the training device, and returns
the mask of seeds that did (those whose objective was finite) and per-seed statistics as (S,)
tensors, all on the device: nothing here reads a device tensor on the host. Seeds outside the mask —
or whose objective is NaN/inf — keep their parameters and optimizer state bit-identical (see
:meth:`MemberOptimizer.update`). A step whose mask holds nobody runs
under the mask and changes nothing (optimizer state, Adam's step count included, is per member) —
the host does not read the mask to skip it: on a GPU that read would wait for the device.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ganbench.contracts.loss import Loss
from ganbench.train.accuracy import SCORES, Stats, accuracy, defers, later
from ganbench.train.build import TrainSetup
from ganbench.train.host import known_all
from ganbench.train.lookahead import Judge, opponent
from ganbench.train.member_optim import MemberOptimizer
from ganbench.train.mixed_loss import MixedLoss


def seed_grad_norm(grad: Tensor) -> Tensor:
    """Per-seed L2 norm of a flat (S, P) gradient → (S,) (one kernel)."""
    return torch.linalg.vector_norm(grad, dim=1)


def _set_requires_grad(params: list[nn.Parameter], flag: bool) -> None:
    """``Module.requires_grad_`` over a cached parameter list (no module walk per step)."""
    for p in params:
        p.requires_grad_(flag)


def _finite(*objectives: Tensor) -> Tensor:
    """Per-seed: are all ``objectives`` finite? (x − x is 0 for a finite x and NaN for ±inf or NaN:
    two kernels, where ``torch.isfinite`` takes four.)"""
    ok = None
    for obj in objectives:
        x = obj.detach()
        ok = (x - x) == 0 if ok is None else ok & ((x - x) == 0)
    return ok


def _grads(objective: Tensor, optimizer: MemberOptimizer, retain: bool = False) -> Tensor:
    """Every member's gradient as one flat (S, P) tensor (``optimizer``'s layout).

    Summing over members keeps them separate (each member's loss depends on its own weights only),
    so a member whose objective is NaN/inf spoils only its own gradient — which is never applied:
    :meth:`MemberOptimizer.update` zeroes the gradients of the members it does not move."""
    params = optimizer.params
    n = objective.shape[0]
    # The gradient of the members' sum, seeded with ones (a view of one constant) rather than
    # through a ``sum`` whose backward would expand the same ones: a kernel fewer, the same numbers.
    grads = torch.autograd.grad(
        objective, params, grad_outputs=optimizer.one.expand(n), retain_graph=retain, allow_unused=True
    )
    flat = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)]
    return torch.cat([g.reshape(n, -1) for g in flat], dim=1)


def _step(
    optimizer: MemberOptimizer,
    grad: Tensor,
    ok: Tensor,
    constrain: Callable[[], None] | None,
    read_masks: bool = True,
) -> None:
    """Step the members in ``ok`` (the others stay bit-identical), then apply ``constrain`` (weight
    clipping) to the members that moved: the others' flat parameters are put back where needed.
    With ``read_masks`` a CPU ``ok`` that is all True takes the unmasked path (the same numbers)."""
    keep = None if read_masks and known_all(ok) else ok
    before = optimizer.flat.clone() if constrain is not None and keep is not None else None
    optimizer.update(grad, keep)
    if constrain is not None:
        constrain()
    if before is not None:
        optimizer.set_flat(torch.where(keep.unsqueeze(1), optimizer.flat, before))


def _constraint(loss: Loss, discriminator: nn.Module) -> Callable[[], None] | None:
    """The loss's ``constrain`` bound to the discriminator, or None where the loss has none."""
    if isinstance(loss, MixedLoss):
        return loss.constraint(discriminator)
    constrain = loss.constrain
    if getattr(constrain, "__func__", None) is Loss.constrain:
        return None
    return lambda: constrain(discriminator)


def _accuracy(loss: Loss, real_scores: Tensor | None, fake_scores: Tensor) -> Stats:
    """:func:`accuracy`, each part of a model of several losses by its own loss's rule."""
    if isinstance(loss, MixedLoss):
        return loss.accuracy(real_scores, fake_scores)
    return accuracy(loss, real_scores, fake_scores)


def _d_accuracy(s: TrainSetup, real_scores: Tensor, fake_scores: Tensor) -> Stats:
    """A D step's accuracies, or its scores (detached, under ``SCORES``) where the meter may work
    them out for many steps at once (``accuracy.defers``): five kernels a D step fewer."""
    if isinstance(s.loss, MixedLoss) or not defers(s.loss, s.schedule.reads_accuracy):
        return _accuracy(s.loss, real_scores, fake_scores)
    return dict(zip(SCORES, (real_scores.detach(), fake_scores.detach()), strict=True))


def _real_in_g(loss: Loss) -> bool | None:
    """Whether the generator's step scores a real batch: True or False for every member, None for
    some (a model of several losses, see :meth:`MixedLoss.draw_real_in_g`)."""
    if isinstance(loss, MixedLoss):
        return loss.real_in_g
    return loss.uses_real_in_g or loss.relative_scores


def score_both(s: TrainSetup, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
    """The discriminator's scores of ``real`` and of ``fake``. Where a row's score depends on that
    row alone, both batches go through D as one (one forward and one backward pass instead of two:
    about 28 fewer kernels a D step with 3 hidden layers); with batch statistics or spectral
    normalisation (a power iteration per call) they stay two calls, as the remedy defines them."""
    if not s.discriminator.rows_independent:
        return s.discriminator(real), s.discriminator(fake)
    scores = s.discriminator(torch.cat((real, fake), dim=1))
    n_real = real.shape[1] // s.discriminator.pack
    real_scores, fake_scores = scores.split((n_real, scores.shape[1] - n_real), dim=1)  # (backward: one cat)
    return real_scores, fake_scores


def _d_objective(s: TrainSetup, real: Tensor, fake: Tensor, real_scores: Tensor, fake_scores: Tensor):
    """The discriminator's loss plus its penalty (if the loss has one), and the penalty alone."""
    objective = s.loss.d_loss(real_scores, fake_scores)
    penalty = s.loss.penalty(s.discriminator, real, fake, s.streams)
    return (objective if penalty is None else objective + penalty), penalty


#: The tensor work of an update, from its random inputs: ``core(setup, real, z, mask)``. The
#: trainer may pass a compiled one (see ``ganbench.train.compiled``); random numbers are drawn
#: outside it, since a stream's position is host state.
Core = Callable[[TrainSetup, Tensor | None, Tensor, Tensor], tuple]


def _opponent(s: TrainSetup, real: Tensor | None, fake: Tensor) -> Judge:
    """What the generator's objective scores with (see :mod:`ganbench.train.lookahead`)."""
    return opponent(s.discriminator, s.d_optimizer, s.loss, s.config.discriminator.unroll, real, fake)


def d_update(setup: TrainSetup, mask: Tensor, core: Core | None = None) -> tuple[Tensor, Stats]:
    """One discriminator step for the seeds in ``mask``; the generator is not touched."""
    s, b = setup, setup.config.batch_size
    real = s.dataset.draw(s.streams, b)
    z = s.streams.normal(b, s.config.z_dim)
    ok, stats = (core or d_core)(s, real, z, mask)
    return ok, later(s.loss, stats)


def d_core(s: TrainSetup, real: Tensor, z: Tensor, mask: Tensor, read_masks: bool = True):
    """:func:`d_update` from its random inputs (``read_masks``: may read CPU masks on the host)."""
    with torch.no_grad():
        fake = s.generator(z)
    real_scores, fake_scores = score_both(s, real, fake)
    objective, penalty = _d_objective(s, real, fake, real_scores, fake_scores)
    ok = mask & _finite(objective)
    stats = {"d_loss": objective.detach(), **_d_accuracy(s, real_scores, fake_scores)}
    if penalty is not None:
        stats["penalty"] = penalty.detach()
    grad = _grads(objective, s.d_optimizer)
    stats["grad_norm_d"] = seed_grad_norm(grad)
    _step(s.d_optimizer, grad, ok, _constraint(s.loss, s.discriminator), read_masks)
    return ok, stats


def g_update(setup: TrainSetup, mask: Tensor, core: Core | None = None) -> tuple[Tensor, Stats]:
    """One generator step for the seeds in ``mask``: gradients flow back through D, whose
    parameters (and optimizer state) are left exactly as they were."""
    s, b = setup, setup.config.batch_size
    z = s.streams.normal(b, s.config.z_dim)
    wants = _real_in_g(s.loss)
    if wants is None:  # only some members' losses score real samples: their runs draw a batch
        real = s.loss.draw_real_in_g(s.dataset, s.streams, b)
    else:
        real = s.dataset.draw(s.streams, b) if wants or s.config.discriminator.unroll else None
    _set_requires_grad(s.d_params, False)  # no gradient into D's parameters
    try:
        return (core or g_core)(s, real, z, mask)
    finally:
        _set_requires_grad(s.d_params, True)


def g_core(s: TrainSetup, real: Tensor | None, z: Tensor, mask: Tensor, read_masks: bool = True):
    """:func:`g_update` from its random inputs (``real`` only for a loss that needs real scores, or
    for an unrolled discriminator's look-ahead)."""
    fake = s.generator(z)
    real_scores = None
    if isinstance(real, tuple):  # some members' real batches (a model of several losses)
        fake_scores = s.discriminator(fake)
        with torch.no_grad():
            real_scores = s.loss.real_scores_in_g(s.discriminator, real, s.streams, fake_scores)
    else:
        judge = _opponent(s, real, fake)  # D, or D unrolled (discriminator.unroll)
        fake_scores = judge(fake)
        if _real_in_g(s.loss):
            with torch.no_grad():
                real_scores = judge(real)
    objective = s.loss.g_loss(fake_scores, real_scores if s.loss.uses_real_in_g else None)
    ok = mask & _finite(objective)
    stats = {"g_loss": objective.detach()}
    if s.schedule.reads_accuracy:  # D's accuracy on these fakes, for the schedule's next decision
        stats["g_acc_fake"] = _accuracy(s.loss, real_scores, fake_scores)["d_acc_fake"]
    grad = _grads(objective, s.g_optimizer)
    stats["grad_norm_g"] = seed_grad_norm(grad)
    _step(s.g_optimizer, grad, ok, None, read_masks)
    return ok, stats


def joint_update(
    setup: TrainSetup, d_mask: Tensor, g_mask: Tensor, core: Callable | None = None
) -> tuple[Tensor, Tensor, Stats]:
    """Simultaneous step: one forward pass; D and G gradients both taken at the current parameters,
    then both optimizers step. A seed whose D or G objective is non-finite updates neither."""
    s, b = setup, setup.config.batch_size
    real = s.dataset.draw(s.streams, b)
    z = s.streams.normal(b, s.config.z_dim)
    ok_d, ok_g, stats = (core or joint_core)(s, real, z, d_mask, g_mask)
    return ok_d, ok_g, later(s.loss, stats)


def joint_core(
    s: TrainSetup, real: Tensor, z: Tensor, d_mask: Tensor, g_mask: Tensor, read_masks: bool = True
):
    """:func:`joint_update` from its random inputs."""
    fake = s.generator(z)
    real_scores, fake_scores = score_both(s, real, fake)
    d_objective, penalty = _d_objective(s, real, fake, real_scores, fake_scores)
    judge = _opponent(s, real, fake)  # the generator's side may see the discriminator unrolled
    g_fake, g_real = (fake_scores, real_scores) if judge is s.discriminator else (judge(fake), judge(real))
    g_objective = s.loss.g_loss(g_fake, g_real.detach() if s.loss.uses_real_in_g else None)
    finite = _finite(d_objective, g_objective)
    ok_d, ok_g = d_mask & finite, g_mask & finite
    stats = {
        "d_loss": d_objective.detach(),
        "g_loss": g_objective.detach(),
        **_d_accuracy(s, real_scores, fake_scores),
    }
    if penalty is not None:
        stats["penalty"] = penalty.detach()
    d_grad = _grads(d_objective, s.d_optimizer, retain=True)
    g_grad = _grads(g_objective, s.g_optimizer)
    stats["grad_norm_d"] = seed_grad_norm(d_grad)
    stats["grad_norm_g"] = seed_grad_norm(g_grad)
    _step(s.d_optimizer, d_grad, ok_d, _constraint(s.loss, s.discriminator), read_masks)
    _step(s.g_optimizer, g_grad, ok_g, None, read_masks)
    return ok_d, ok_g, stats
