"""S seeds in lockstep give the same per-seed results as each seed trained alone."""

import pytest
import torch

from ganbench.registry import schedules
from ganbench.testing.setups import tiny_setup
from ganbench.train.trainer import train

SHARED_DECISIONS = [n for n in schedules.names() if not schedules.get(n).per_seed]
NO_GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
DEVICES = ["cpu", pytest.param("cuda", marks=NO_GPU)]  # on CUDA to float tolerance, as on the CPU


def seed_slice(module, i):
    return [p.detach()[i] for p in module.parameters()]


@pytest.mark.parametrize("schedule", SHARED_DECISIONS)
@pytest.mark.parametrize("loss", ["modified_minimax", "wgan_gp"])
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("streams", ["philox", "generator"])
def test_lockstep_equals_alone(schedule, loss, device, streams):
    together = tiny_setup(
        device=device,
        loss=loss,
        schedule=schedule,
        seeds=[3, 5, 8],
        g_steps=15,
        streams=streams,
        sets=["schedule.d_epochs=0.02"] if schedule == "epochwise" else [],
    )
    alone = tiny_setup(
        device=device,
        loss=loss,
        schedule=schedule,
        seeds=[5],
        g_steps=15,
        streams=streams,
        sets=["schedule.d_epochs=0.02"] if schedule == "epochwise" else [],
    )
    train(together)
    train(alone)
    for net in ("generator", "discriminator"):
        for a, b in zip(
            seed_slice(getattr(together, net), 1), seed_slice(getattr(alone, net), 0), strict=True
        ):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_seeds_start_different_and_stay_reproducible():
    a, b = tiny_setup(seeds=[0, 1]), tiny_setup(seeds=[0, 1])
    w_a, w_b = a.generator.net.out.weight, b.generator.net.out.weight
    assert torch.equal(w_a, w_b)  # same seeds → same initialisation
    assert not torch.equal(w_a[0], w_a[1])  # independent initialisations per seed
    train(a)
    train(b)
    assert torch.equal(a.generator.net.out.weight, b.generator.net.out.weight)  # bit-reproducible on CPU
