"""``train.compile``: every update's core compiles whole (``fullgraph=True`` — a graph break fails)
and trains exactly as the eager updates do. The cheap ``eager`` backend keeps this fast: it traces
with dynamo like inductor does, so a graph break shows the same; what inductor's kernels give is
measured in ``benchmarks/bench_compile.py``, not tested."""

import pytest
import torch

from ganbench.testing.setups import tiny_setup
from ganbench.train.compiled import EAGER, compiles, updates_for
from ganbench.train.trainer import train


@pytest.mark.parametrize(
    ("loss", "schedule"),
    [
        ("modified_minimax", "alternating"),  # D and G cores
        ("wasserstein", "simultaneous"),  # the joint core, with weight clipping inside
        ("least_squares", "adaptive"),  # per-seed masks on the device
    ],
)
def test_compiled_updates_have_no_graph_break_and_train_as_eager(loss, schedule):
    eager = tiny_setup(loss=loss, schedule=schedule, seeds=[0, 1, 2], g_steps=6)
    compiled = tiny_setup(loss=loss, schedule=schedule, seeds=[0, 1, 2], g_steps=6, compile="on")
    updates = updates_for(compiled, backend="eager")
    assert updates is not EAGER
    everyone, some = torch.ones(3, dtype=torch.bool), torch.tensor([True, False, True])
    for mask in (everyone, some, everyone):
        if schedule == "simultaneous":
            outs = EAGER.joint(eager, mask, mask), updates.joint(compiled, mask, mask)
        else:
            outs = EAGER.d(eager, mask), updates.d(compiled, mask)
            assert torch.equal(outs[0][0], outs[1][0])
            outs = EAGER.g(eager, mask), updates.g(compiled, mask)
        assert torch.equal(outs[0][0], outs[1][0])
    for net in ("generator", "discriminator"):
        for a, b in zip(getattr(eager, net).parameters(), getattr(compiled, net).parameters(), strict=True):
            assert torch.equal(a, b)


def test_a_loss_with_a_penalty_keeps_its_d_step_eager_and_the_rest_compiles():
    setup = tiny_setup(loss="wgan_gp", g_steps=3, compile="on")
    updates = updates_for(setup, backend="eager")
    assert updates.d.keywords["core"] is None and updates.g.keywords["core"] is not None
    mask = torch.ones(2, dtype=torch.bool)
    ok, _ = updates.g(setup, mask)
    assert ok.all()


def test_auto_is_off_on_the_cpu_and_the_setting_reaches_the_trainer():
    assert not compiles("auto", torch.device("cpu")) and compiles("on", torch.device("cpu"))
    assert not compiles("off", torch.device("cuda"))
    result = train(tiny_setup(g_steps=2, matmul_precision="high"))
    assert result.g_updates.tolist() == [2, 2]
    assert torch.get_float32_matmul_precision() == "high"
    train(tiny_setup(g_steps=1))
    assert torch.get_float32_matmul_precision() == "highest"


def test_a_process_compiles_more_models_than_dynamos_recompile_limit():
    mask = torch.ones(2, dtype=torch.bool)
    for _ in range(torch._dynamo.config.recompile_limit + 2):  # a benchmark worker's many models
        setup = tiny_setup(compile="on")
        ok, _ = updates_for(setup, backend="eager").d(setup, mask)
        assert ok.all()
