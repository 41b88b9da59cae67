"""The convolutional family trains as the MLP does: member optimizers, weight clipping, R1/R2,
WGAN-GP, unrolling, packing and spectral norm, members in one model equal to each trained alone
(bit for bit on the CPU), and the grouped-convolution strategy the GPU takes agrees with the CPU's."""

import pytest
import torch

from ganbench.layers.conv import set_strategy
from ganbench.testing.population_contract import check_configs_equal_alone, check_member_equals_alone
from ganbench.testing.setups import tiny_config, tiny_setup
from ganbench.train.trainer import train

#: A small DCGAN on 8×8 digits (one stride-2 stage) for both players. Batch 32, so that a packed
#: discriminator (pack 2) still scores 16 rows: torch's CPU sum over as few as 8 values per member
#: takes another vectorised path at 4 members than at 2 (measured: a member's weights 2e-11 off),
#: where 16 or more sum alike at any member count.
DCGAN = (
    "dataset.name=digits",
    "generator={name: dcgan, width: 4}",
    "discriminator={name: dcgan, width: 4}",
    "batch_size=32",
)


@pytest.mark.parametrize(
    "shared",
    [
        (),
        ("discriminator.norm=layer", "generator.norm=none"),
        ("discriminator.spectral_norm=true",),
        ("discriminator.pack=2",),
        ("loss.r1=1.0", "loss.r2=0.5"),
        ("discriminator.unroll=1",),
    ],
    ids=["plain", "layer_norm", "spectral_norm", "pack", "r1_r2", "unroll"],
)
def test_dcgan_members_in_a_population_equal_them_trained_alone(shared):
    check_member_equals_alone("schedule", "alternating", g_steps=4, shared=(*DCGAN, *shared))


@pytest.mark.parametrize("loss", ["wasserstein", "wgan_gp", "hinge"])
def test_dcgan_losses_pack_and_equal_alone(loss):
    configs = [
        tiny_config(loss=name, seeds=[k, k + 1], g_steps=4, eval_every=2, sets=list(DCGAN))
        for k, name in enumerate(("modified_minimax", loss))
    ]
    check_configs_equal_alone(configs, what=f"dcgan: modified_minimax beside {loss}")


def test_weight_clipping_holds_every_critic_weight_of_a_dcgan():
    setup = tiny_setup(loss="wasserstein", seeds=[0, 1], g_steps=5, sets=[*DCGAN, "d_optimizer.lr=0.01"])
    train(setup)
    for p in setup.discriminator.parameters():
        assert p.abs().max() <= 0.01 + 1e-7
    assert any(p.abs().max() > 0.009 for p in setup.discriminator.parameters())  # clipping was reached


def test_a_dcgan_trains_on_colour_images_and_both_players_move():
    setup = tiny_setup(seeds=[0, 1], g_steps=3, sets=[*DCGAN, "dataset.name=stacked_digits"])
    g0 = [p.detach().clone() for p in setup.generator.parameters()]
    d0 = [p.detach().clone() for p in setup.discriminator.parameters()]
    result = train(setup)
    assert result.g_updates.tolist() == [3, 3]
    assert not any(result.diverged.tolist())
    assert all(not torch.equal(a, b) for a, b in zip(g0, setup.generator.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(d0, setup.discriminator.parameters(), strict=True))
    assert setup.eval_samples(8).shape == (2, 8, 3, 8, 8)


def test_the_gpus_grouped_convolutions_train_as_the_cpus_loop():
    """Grouped convolution (groups = members) is what CUDA runs; on the CPU it rounds otherwise than
    one convolution per member (oneDNN sums in another order), so it agrees to float tolerance —
    and with oneDNN off, where both are the same reference kernel, bit for bit."""
    loop = tiny_setup(seeds=[0, 1, 2], g_steps=3, sets=list(DCGAN))
    grouped = tiny_setup(seeds=[0, 1, 2], g_steps=3, sets=list(DCGAN))
    for net in (grouped.generator, grouped.discriminator):
        set_strategy(net, "grouped")
    train(loop)
    train(grouped)
    for a, b in zip(loop.generator.parameters(), grouped.generator.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    with torch.backends.mkldnn.flags(enabled=False):
        loop = tiny_setup(seeds=[0, 1, 2], g_steps=2, sets=list(DCGAN))
        grouped = tiny_setup(seeds=[0, 1, 2], g_steps=2, sets=list(DCGAN))
        for net in (grouped.generator, grouped.discriminator):
            set_strategy(net, "grouped")
        train(loop)
        train(grouped)
    for a, b in zip(loop.discriminator.parameters(), grouped.discriminator.parameters(), strict=True):
        assert torch.equal(a, b)
