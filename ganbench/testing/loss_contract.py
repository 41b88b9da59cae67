"""The Loss contract, as checks any registered loss must pass."""

from __future__ import annotations

import copy

import torch

from ganbench import registry
from ganbench.contracts import Loss, SeedStreams
from ganbench.testing.setups import tiny_setup
from ganbench.train.updates import accuracy, d_update, g_update

S, B = 3, 16


def make(name: str) -> Loss:
    """An instance of the registered loss with default parameters."""
    cls = registry.losses.get(name)
    return cls(cls.Params())


def check_shapes_and_finite(name: str) -> None:
    """Scores (S, B) → losses (S,), finite for ordinary and for extreme (±1e4) scores, with finite
    gradients."""
    loss = make(name)
    gen = torch.Generator().manual_seed(0)
    for scale in (1.0, 1e4):
        real = (scale * torch.randn(S, B, generator=gen)).requires_grad_(True)
        fake = (scale * torch.randn(S, B, generator=gen)).requires_grad_(True)
        d, g = loss.d_loss(real, fake), loss.g_loss(fake, real if loss.uses_real_in_g else None)
        assert d.shape == (S,) and g.shape == (S,), f"{name}: losses must have shape (S,)"
        assert torch.isfinite(d).all() and torch.isfinite(g).all(), f"{name}: non-finite at scale {scale}"
        grads = torch.autograd.grad(d.sum() + g.sum(), [real, fake], allow_unused=True)
        assert all(gr is None or torch.isfinite(gr).all() for gr in grads), f"{name}: non-finite gradients"


def check_seeds_independent(name: str) -> None:
    """Changing seed 0's scores changes no other seed's loss."""
    loss = make(name)
    real, fake = torch.randn(S, B), torch.randn(S, B)
    real2, fake2 = real.clone(), fake.clone()
    real2[0] += 3.0
    fake2[0] -= 3.0
    for f in (
        lambda r, x: loss.d_loss(r, x),
        lambda r, x: loss.g_loss(x, r if loss.uses_real_in_g else None),
    ):
        assert torch.equal(f(real, fake)[1:], f(real2, fake2)[1:]), f"{name}: seeds are mixed"


def _snapshot(module: torch.nn.Module, optimizer: torch.optim.Optimizer):
    return copy.deepcopy(module.state_dict()), copy.deepcopy(optimizer.state_dict())


def _identical(a, b) -> bool:
    (pa, oa), (pb, ob) = a, b
    same_params = all(torch.equal(pa[k], pb[k]) for k in pa)
    return same_params and repr(oa) == repr(ob)


def check_players_separate(name: str) -> None:
    """A D step leaves G's parameters and optimizer state bit-identical, and vice versa."""
    setup = tiny_setup(loss=name)
    everyone = torch.ones(setup.n_seeds, dtype=torch.bool)
    for _ in range(2):  # a second round runs with optimizer state already present
        g_before = _snapshot(setup.generator, setup.g_optimizer)
        d_before = _snapshot(setup.discriminator, setup.d_optimizer)
        d_update(setup, everyone)
        assert _identical(g_before, _snapshot(setup.generator, setup.g_optimizer)), f"{name}: D step moved G"
        assert not _identical(d_before, _snapshot(setup.discriminator, setup.d_optimizer)), (
            f"{name}: D did not move"
        )
        d_before = _snapshot(setup.discriminator, setup.d_optimizer)
        g_before = _snapshot(setup.generator, setup.g_optimizer)
        g_update(setup, everyone)
        assert _identical(d_before, _snapshot(setup.discriminator, setup.d_optimizer)), (
            f"{name}: G step moved D"
        )
        assert not _identical(g_before, _snapshot(setup.generator, setup.g_optimizer)), (
            f"{name}: G did not move"
        )


def check_discriminator_separates(name: str, steps: int = 300) -> None:
    """On a linearly separable toy problem (real ~ N(+1, 0.3²), fake ~ N(−1, 0.3²) in 2-D), a few
    hundred steps of the D loss alone (with its penalty and constraint) make D rank real above fake:
    the share of (real, fake) pairs with score(real) > score(fake) exceeds 0.95 for every seed, and
    the loss's accuracy rule (``predicts_real`` or the relative-scores midpoint) agrees: over 90 %
    on real and on fake for every seed."""
    loss = make(name)
    seeds = [0, 1]
    inits = [torch.Generator().manual_seed(s) for s in seeds]
    mlp = registry.networks.get("mlp")
    disc = mlp(mlp.Params(width=32, depth=2)).discriminator(inits, (2,))
    opt = torch.optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.999))
    rand = SeedStreams(seeds, "toy", torch.device("cpu"))

    def batch(n: int):
        return 1.0 + 0.3 * rand.normal(n, 2), -1.0 + 0.3 * rand.normal(n, 2)

    for _ in range(steps):
        real, fake = batch(64)
        objective = loss.d_loss(disc(real), disc(fake))
        penalty = loss.penalty(disc, real, fake, rand)
        if penalty is not None:
            objective = objective + penalty
        opt.zero_grad()
        objective.sum().backward()
        opt.step()
        loss.constrain(disc)
    with torch.no_grad():
        real, fake = batch(256)
        rs, fs = disc(real), disc(fake)
    ranked = (rs[:, :, None] > fs[:, None, :]).float().mean(dim=(1, 2))
    assert (ranked > 0.95).all(), (
        f"{name}: D alone did not separate real from fake (pairwise {ranked.tolist()})"
    )
    acc = accuracy(loss, rs, fs)
    assert (acc["d_acc_real"] > 0.9).all() and (acc["d_acc_fake"] > 0.9).all(), (
        f"{name}: D separates real from fake but its accuracy rule does not say so "
        f"(real {acc['d_acc_real'].tolist()}, fake {acc['d_acc_fake'].tolist()})"
    )


def check_relative_scores_declared(name: str) -> None:
    """``relative_scores`` is set exactly when adding one constant to every score (real and fake
    alike) leaves the gradients of both losses unchanged (a loss may move by a constant, as the
    Wasserstein generator loss does) — else accuracy would use the wrong decision rule."""
    loss = make(name)
    real, fake = torch.randn(S, B), torch.randn(S, B)

    def gradients(shift: float) -> torch.Tensor:
        r, f = (real + shift).requires_grad_(True), (fake + shift).requires_grad_(True)
        d, g = loss.d_loss(r, f), loss.g_loss(f, r if loss.uses_real_in_g else None)
        grads = torch.autograd.grad(d.sum(), [r, f]) + torch.autograd.grad(g.sum(), [r, f], allow_unused=True)
        return torch.cat([torch.zeros(S, B) if gr is None else gr for gr in grads])

    invariant = torch.allclose(gradients(0.0), gradients(3.0), atol=1e-6)
    assert invariant == loss.relative_scores, (
        f"{name}: the loss gradients {'are' if invariant else 'are not'} unchanged by a constant "
        f"shift of the scores, so relative_scores should be {invariant}"
    )
