"""The Network contract (``ganbench.contracts.network``), as checks every registered network family
runs: for each of its ``example_params`` variants, plain, with spectral norm and with packing, on
every sample shape it accepts among a vector and two image shapes.

Networks are checked as the trainer uses them: G and D of one set of members initialised from the
members' generators (G first), their parameters bound as views of one buffer as the member
optimizers bind them (member- or layer-major, as the network asks), in training mode. Everything
is on the CPU, where together-equals-alone is promised bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn

from ganbench import registry
from ganbench.contracts.network import MemberDiscriminator
from ganbench.contracts.penalties import input_gradient_sq_norms
from ganbench.train.member_optim import flatten_, wants_layer_major

#: Sample shapes tried: 2-D-mixture-like vectors, small grey and small colour images.
SHAPES: tuple[tuple[int, ...], ...] = ((2,), (1, 8, 8), (3, 16, 16))
#: The remedy options every family has, each checked on every variant (pack: the discriminator's).
OPTIONS: dict[str, dict[str, Any]] = {
    "plain": {},
    "spectral_norm": {"spectral_norm": True},
    "pack": {"pack": 2},
}
Z_DIM, BATCH = 16, 16


def cases() -> list[tuple[str, int, str]]:
    """(family, variant index, option) for every registered family."""
    out = []
    for name in registry.networks.names():
        n_variants = len(registry.networks.get(name).example_params())
        out += [(name, i, option) for i in range(n_variants) for option in OPTIONS]
    return out


def case_id(case: tuple[str, int, str]) -> str:
    name, i, option = case
    return f"{name}-{i}-{option}"


def shapes(name: str) -> list[tuple[int, ...]]:
    """The shapes of :data:`SHAPES` the family accepts (its ``check`` passes); at least one."""
    family = registry.networks.get(name)
    accepted = []
    for shape in SHAPES:
        try:
            family().check(shape)
        except ValueError:
            continue
        accepted.append(shape)
    assert accepted, f"network {name}: accepts none of the sample shapes {SHAPES}"
    return accepted


def build(
    name: str, variant: int, option: str, seeds: list[int], shape: tuple[int, ...]
) -> tuple[nn.Module, MemberDiscriminator]:
    """G and D for ``seeds`` as the trainer builds and binds them."""
    family = registry.networks.get(name)
    settings = family.example_params()[variant]
    extra = OPTIONS[option]
    g_params = family.Params(**settings, **{k: v for k, v in extra.items() if k != "pack"})
    d_params = family.Params(**settings, **extra)
    inits = [torch.Generator().manual_seed(s) for s in seeds]
    generator = family(g_params).generator(inits, Z_DIM, shape, True)
    discriminator = family(d_params).discriminator(inits, shape)
    for net in (generator, discriminator):
        flatten_(list(net.parameters()), wants_layer_major(net))
    return generator, discriminator


def _inputs(n_members: int, shape: tuple[int, ...], seed: int = 0) -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n_members, BATCH, Z_DIM, generator=g)
    x = torch.rand(n_members, BATCH, *shape, generator=g) * 2 - 1
    return z, x


def check_shapes(name: str, variant: int, option: str) -> None:
    """G: (S, B, z_dim) → (S, B, *shape) in [−1, 1] for bounded data; D: → (S, B / pack); finite."""
    for shape in shapes(name):
        g, d = build(name, variant, option, [0, 1], shape)
        z, x = _inputs(2, shape)
        fake = g(z)
        assert fake.shape == (2, BATCH, *shape), f"{name} G: {tuple(fake.shape)} for samples {shape}"
        assert torch.isfinite(fake).all() and fake.abs().max() <= 1, f"{name} G: bounded data ends in tanh"
        pack = OPTIONS[option].get("pack", 1)
        assert d.pack == pack, f"{name} D: pack is {d.pack}, asked {pack}"
        for batch in (x, fake):
            scores = d(batch)
            assert scores.shape == (2, BATCH // pack), f"{name} D: {tuple(scores.shape)} for {shape}"
            assert torch.isfinite(scores).all()


def check_member_axis(name: str, variant: int, option: str) -> None:
    """Every parameter and buffer of G and D has the leading member axis."""
    for shape in shapes(name):
        for net in build(name, variant, option, [0, 1, 2], shape):
            for what, tensors in (("parameter", net.named_parameters()), ("buffer", net.named_buffers())):
                for key, t in tensors:
                    assert t.dim() >= 1 and t.shape[0] == 3, f"{name}: {what} {key} {tuple(t.shape)}"


def _perturb(net: nn.Module, rows: tuple[int, ...]) -> None:
    with torch.no_grad():
        for p in net.parameters():
            for r in rows:
                p[r].add_(0.1 * torch.randn_like(p[r]))


def _grads(net: nn.Module) -> list[Tensor]:
    return [torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in net.parameters()]


def check_members_independent(name: str, variant: int, option: str) -> None:
    """Member 1's outputs do not move when members 0 and 2's weights do, and no gradient of member
    1's output reaches another member's parameters."""
    for shape in shapes(name):
        g, d = build(name, variant, option, [0, 1, 2], shape)
        z, x = _inputs(3, shape)
        g.eval(), d.eval()  # no state refined between the two passes (batch statistics still apply)
        before = g(z).detach(), d(x).detach()
        _perturb(g, (0, 2))
        _perturb(d, (0, 2))
        after = g(z).detach(), d(x).detach()
        for what, b, a in zip(("G", "D"), before, after, strict=True):
            assert torch.equal(b[1], a[1]), f"{name} {what}: member 1 moved with members 0 and 2"
            assert not torch.equal(b[0], a[0]), f"{name} {what}: member 0 did not move with its weights"
        g.train(), d.train()
        d(g(z))[1].sum().backward()
        for net in (g, d):
            for p, grad in zip(net.parameters(), _grads(net), strict=True):
                assert not grad[0].any() and not grad[2].any(), (
                    f"{name}: member 1's gradient reached {tuple(p.shape)}"
                )


@contextmanager
def one_thread() -> Iterator[None]:
    """One CPU thread inside: torch splits a long sum over threads when it has few outputs, so with
    several threads a sum's rounding may depend on the number of members."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def check_together_equals_alone(name: str, variant: int, option: str) -> None:
    """Member 1 of seeds [4, 5, 6] equals seed 5 alone, bit for bit on one CPU thread: weights,
    buffers, samples, scores and gradients, after two training-mode passes (spectral norm refines
    its vectors per pass)."""
    with one_thread():
        _together_equals_alone(name, variant, option)


def _together_equals_alone(name: str, variant: int, option: str) -> None:
    for shape in shapes(name):
        together, alone = (
            build(name, variant, option, [4, 5, 6], shape),
            build(name, variant, option, [5], shape),
        )
        z, x = _inputs(3, shape)
        results = []
        for (g, d), rows in ((together, slice(0, 3)), (alone, slice(1, 2))):
            for _ in range(2):
                fake = g(z[rows])
                scores = d(fake)
            real_scores = d(x[rows])
            (scores.sum() + real_scores.sum()).backward()
            state = [t.detach() for net in (g, d) for t in (*net.parameters(), *net.buffers())]
            results.append(
                (state, fake.detach(), scores.detach(), real_scores.detach(), _grads(g) + _grads(d))
            )
        (state, *outs, grads), (state1, *outs1, grads1) = results
        for t, t1 in zip(state, state1, strict=True):
            assert torch.equal(t[1], t1[0]), f"{name}: member 1's weights or buffers differ from alone"
        for what, t, t1 in zip(
            ("samples", "scores of fakes", "scores of real data"), outs, outs1, strict=True
        ):
            assert torch.equal(t[1], t1[0]), f"{name}: member 1's {what} differ from alone"
        for t, t1 in zip(grads, grads1, strict=True):
            assert torch.equal(t[1], t1[0]), (
                f"{name}: member 1's gradient of {tuple(t.shape)} differs from alone"
            )


def check_input_gradient_penalties(name: str, variant: int, option: str) -> None:
    """‖∇ₓD(x)‖² per input (R1/R2, the gradient taken twice) is per member: member 1's equals alone's
    bit for bit (on one CPU thread) and its gradient reaches no other member's parameters."""
    with one_thread():
        _penalties_per_member(name, variant, option)


def _penalties_per_member(name: str, variant: int, option: str) -> None:
    for shape in shapes(name):
        (_, d), (_, d1) = (
            build(name, variant, option, [4, 5, 6], shape),
            build(name, variant, option, [5], shape),
        )
        _, x = _inputs(3, shape)
        norms, norms1 = input_gradient_sq_norms(d, x), input_gradient_sq_norms(d1, x[1:2])
        assert torch.equal(norms[1], norms1[0]), f"{name}: member 1's input-gradient norms differ from alone"
        norms[1].sum().backward()
        for p, grad in zip(d.parameters(), _grads(d), strict=True):
            assert not grad[0].any() and not grad[2].any(), (
                f"{name}: member 1's penalty reached {tuple(p.shape)}"
            )
        assert any(g[1].any() for g in _grads(d)), f"{name}: the penalty does not depend on D's weights"


def check_spectral_norm(name: str, variant: int, option: str) -> None:
    """With ``spectral_norm`` each normalised weight counts only up to its scale: D's scores do not
    change (in eval mode) when every such weight is multiplied by 10; D says its rows are not
    independent (the power iteration runs per call). Without it, scaling does change the scores."""
    for shape in shapes(name):
        _, d = build(name, variant, option, [0, 1], shape)
        _, x = _inputs(2, shape)
        layers = [m for m in d.modules() if hasattr(m, "sn_u")]
        if option != "spectral_norm":
            assert not layers, f"{name}: spectral-norm buffers without the option"
            continue
        assert layers and not d.rows_independent, (
            f"{name}: spectral_norm left no sn_u/sn_v or rows independent"
        )
        d.eval()
        before = d(x).detach()
        with torch.no_grad():
            for layer in layers:
                layer.weight.mul_(10.0)
        torch.testing.assert_close(
            d(x), before, rtol=1e-4, atol=1e-5, msg=f"{name}: scores depend on weight scale"
        )


def check_rows_and_packing(name: str, variant: int, option: str) -> None:
    """A discriminator whose rows are independent scores a batch as the sum of its parts (real and
    fake batches may share one call), and with ``pack`` = m score k depends only on samples
    k·m … k·m + m − 1."""
    for shape in shapes(name):
        _, d = build(name, variant, option, [0, 1], shape)
        if not d.rows_independent:
            continue
        _, x = _inputs(2, shape)
        _, y = _inputs(2, shape, seed=1)
        joint = d(torch.cat((x, y), dim=1))
        torch.testing.assert_close(
            joint, torch.cat((d(x), d(y)), dim=1), msg=f"{name}: rows are not independent"
        )
        x = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(d(x)[:, 0].sum(), x)
        grad = grad.reshape(2, BATCH, -1).abs().sum(dim=2)  # (S, B): how much each sample moves score 0
        assert (grad[:, : d.pack] > 0).all() and not grad[:, d.pack :].any(), (
            f"{name}: score 0 depends on samples outside its pack of {d.pack}"
        )
