"""``train.compile: graphs``: each update's core is recorded once as a CUDA graph and replayed, and
trains as the eager updates do — on CUDA; on the CPU the setting is the eager path."""

import warnings

import pytest
import torch

from ganbench.testing.setups import tiny_config, tiny_setup
from ganbench.train.build import build_population
from ganbench.train.compiled import EAGER, _draws_in_core, mode, updates_for
from ganbench.train.population import population_key
from ganbench.train.trainer import train

NO_GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
LOSSES = ["minimax", "modified_minimax", "wasserstein"]  # the default spec's: one clips weights


def mixed(schedule, compile_setting, device, **extra):
    configs = [
        tiny_config(
            loss=loss, schedule=schedule, seeds=[i, i + 10], compile=compile_setting, device=device, **extra
        )
        for i, loss in enumerate(LOSSES)
    ]
    return build_population(configs, "test")


def test_graphs_are_the_eager_updates_where_there_is_no_cuda_and_losses_still_share_a_model():
    cpu = torch.device("cpu")
    assert mode("graphs", cpu) == "off" and mode("graphs", torch.device("cuda")) == "graphs"
    assert updates_for(tiny_setup(compile="graphs")) is EAGER
    keys = {population_key(tiny_config(loss=loss, compile="graphs")) for loss in LOSSES}
    assert len(keys) == 1  # recorded graphs hold any mixture of losses: they still pack
    assert _draws_in_core(tiny_setup(loss="wgan_gp").loss)  # its penalty draws: that D step stays eager
    assert not _draws_in_core(mixed("alternating", "graphs", "cpu").loss)


@NO_GPU
@pytest.mark.parametrize("schedule", [{"name": "alternating", "d_steps": 5}, "simultaneous", "adaptive"])
def test_recorded_updates_train_as_the_eager_ones_on_cuda(schedule):
    eager = mixed(schedule, "off", "cuda", g_steps=12)
    graphed = mixed(schedule, "graphs", "cuda", g_steps=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a core that could not be recorded fails here
        a, b = train(eager), train(graphed)
    assert a.g_updates.tolist() == b.g_updates.tolist()
    for net in ("generator", "discriminator"):
        for p, q in zip(getattr(eager, net).parameters(), getattr(graphed, net).parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


@NO_GPU
def test_updates_are_recorded_and_replayed_on_cuda():
    setup = mixed("alternating", "graphs", "cuda")
    updates = updates_for(setup)
    mask = torch.ones(setup.n_seeds, dtype=torch.bool, device="cuda")
    for _ in range(4):
        ok, stats = updates.d(setup, mask)
        ok_g, _ = updates.g(setup, mask)
    for core in (updates.d.keywords["core"], updates.g.keywords["core"]):
        assert [r is not None for r in core.recorded.values()] == [True]
    assert ok.all() and ok_g.all() and torch.isfinite(stats["d_loss"]).all()
