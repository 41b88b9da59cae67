"""The per-member optimizers are Adam, RMSprop and SGD: each member's slice follows torch.optim run
on that slice alone with that member's settings (up to float rounding)."""

import pytest
import torch

from ganbench.train.config import OptimizerConfig
from ganbench.train.member_optim import make_member_optimizer

SETTINGS = [
    {"lr": 1e-3, "betas": (0.5, 0.999), "momentum": 0.0, "weight_decay": 0.0},
    {"lr": 3e-2, "betas": (0.0, 0.9), "momentum": 0.9, "weight_decay": 0.01},
    {"lr": 2e-4, "betas": (0.9, 0.99), "momentum": 0.5, "weight_decay": 0.0},
]


def reference(name: str, param: torch.nn.Parameter, s: dict) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam([param], lr=s["lr"], betas=s["betas"], weight_decay=s["weight_decay"])
    if name == "rmsprop":
        return torch.optim.RMSprop(
            [param], lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"]
        )
    return torch.optim.SGD([param], lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd"])
def test_each_member_follows_torch_optim_with_its_own_settings(name):
    gen = torch.Generator().manual_seed(0)
    start = torch.randn(len(SETTINGS), 4, 5, generator=gen)
    grads = [torch.randn(len(SETTINGS), 4, 5, generator=gen) for _ in range(25)]
    batched = torch.nn.Parameter(start.clone())
    configs = [OptimizerConfig(name=name, **s) for s in SETTINGS]
    optimizer = make_member_optimizer([batched], configs, torch.device("cpu"))
    alone = [torch.nn.Parameter(start[i].clone()) for i in range(len(SETTINGS))]
    refs = [reference(name, p, s) for p, s in zip(alone, SETTINGS, strict=True)]
    for g in grads:
        batched.grad = g + 0.1 * batched.detach()  # gradients that depend on the weights too
        optimizer.step()
        for i, (p, ref) in enumerate(zip(alone, refs, strict=True)):
            p.grad = g[i] + 0.1 * p.detach()
            ref.step()
    for i, p in enumerate(alone):
        torch.testing.assert_close(batched.detach()[i], p.detach(), rtol=1e-5, atol=1e-6)
    assert not torch.equal(batched.detach()[0], start[0])  # and they did move


def _params(gen: torch.Generator) -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.randn(3, *shape, generator=gen)) for shape in ((2, 4, 3), (5,), (4, 2))]


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd"])
def test_the_layer_major_layout_steps_exactly_as_the_member_major_one(name):
    """Each parameter's (S, …) block is contiguous in the layer-major layout; steps (all members,
    then some sitting out), ``flat``, ``set_flat`` and dropping a member give the member-major
    layout's numbers bit for bit."""
    gen = torch.Generator().manual_seed(1)
    start = _params(gen)
    configs = [OptimizerConfig(name=name, **s) for s in SETTINGS]
    pairs = []
    for layer_major in (False, True):
        params = [torch.nn.Parameter(p.detach().clone()) for p in start]
        pairs.append((params, make_member_optimizer(params, configs, torch.device("cpu"), layer_major)))
    (mm_params, mm), (lm_params, lm) = pairs
    assert mm.perm is None and lm.perm is not None
    assert all(p.is_contiguous() for p in lm_params) and not mm_params[0].is_contiguous()
    assert all(p.untyped_storage().data_ptr() == lm.store.untyped_storage().data_ptr() for p in lm_params)
    assert torch.equal(lm.flat, mm.flat)
    for step in range(6):
        grad = torch.randn(mm.flat.shape, generator=gen)
        keep = None if step < 3 else torch.tensor([True, step % 2 == 0, True])
        for opt in (mm, lm):
            opt.update(grad.clone(), keep)
        assert all(torch.equal(a, b) for a, b in zip(mm_params, lm_params, strict=True)), step
    assert not torch.equal(lm_params[0], start[0])  # (they moved)
    halved = mm.flat * 0.5
    for opt in (mm, lm):
        opt.set_flat(halved)
    assert all(torch.equal(a, b) for a, b in zip(mm_params, lm_params, strict=True))
    rows = torch.tensor([0, 2])
    for opt in (mm, lm):
        opt.select(rows)
    assert all(torch.equal(a, b) and a.shape[0] == 2 for a, b in zip(mm_params, lm_params, strict=True))
    assert all(p.is_contiguous() for p in lm_params)
    for opt in (mm, lm):
        opt.update(torch.ones_like(mm.flat))
    assert all(torch.equal(a, b) for a, b in zip(mm_params, lm_params, strict=True))


def test_making_a_member_optimizer_leaves_torch_dynamo_unimported():
    """`torch.optim.Optimizer.add_param_group` imports torch._dynamo on its first call (1 s of CPU at
    every training process's start); the member optimizers take the plain function. Checked in a
    fresh interpreter, with the optimizer's parameter group as torch.optim lays it out."""
    import subprocess
    import sys

    probe = (
        "import sys, torch\n"
        "from ganbench.train.config import OptimizerConfig\n"
        "from ganbench.train.member_optim import make_member_optimizer\n"
        "p = torch.nn.Parameter(torch.zeros(2, 3))\n"
        "opt = make_member_optimizer([p], [OptimizerConfig(name='adam')] * 2, torch.device('cpu'))\n"
        "group = opt.param_groups[0]\n"
        "print('torch._dynamo' in sys.modules, len(group['params']), set(opt.defaults) <= set(group))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "1", "True"]
