"""Network options: maxout units, normal initialisation, shapes and per-seed independence."""

import pytest
import torch

from ganbench.train.networks import Discriminator, Generator, NetConfig, maxout

PACGAN_D = NetConfig(width=200, depth=3, activation="maxout", pieces=5, init_std=0.02)
PACGAN_G = NetConfig(width=400, depth=4, activation="relu", norm="batch", init_std=0.02)


def inits(seeds):
    return [torch.Generator().manual_seed(s) for s in seeds]


def test_maxout_keeps_the_largest_piece_of_each_unit():
    x = torch.tensor([[1.0, 5.0, 2.0, -1.0, -3.0, -2.0]])  # 2 units × 3 pieces
    assert maxout(x, 3).tolist() == [[5.0, -1.0]]


def test_maxout_layer_sizes():
    d = Discriminator(inits([0, 1]), 2, PACGAN_D)
    shapes = [tuple(layer.weight.shape) for layer in d.net.hidden] + [tuple(d.net.out.weight.shape)]
    assert shapes == [(2, 2, 1000), (2, 200, 1000), (2, 200, 1000), (2, 200, 1)]
    assert d(torch.randn(2, 7, 2)).shape == (2, 7)


def test_normal_init_has_the_asked_std_and_zero_biases():
    g = Generator(inits([0]), 2, 2, PACGAN_G, bounded=False)
    w = g.net.hidden[1].weight
    assert abs(w.std().item() - 0.02) < 0.002 and abs(w.mean().item()) < 0.002
    assert all(float(layer.bias.abs().max()) == 0.0 for layer in [*g.net.hidden, g.net.out])


def test_default_init_is_unchanged_by_the_new_options():
    a = Generator(inits([3]), 4, 2, NetConfig(), bounded=False)
    ref = torch.Generator().manual_seed(3)
    bound = 1.0 / 4**0.5
    expected = torch.empty(4, 128).uniform_(-bound, bound, generator=ref)
    assert torch.equal(a.net.hidden[0].weight[0], expected)


@pytest.mark.parametrize("cfg", [PACGAN_D, PACGAN_G], ids=["maxout_d", "batchnorm_relu_g"])
def test_a_seed_does_not_see_other_seeds_weights(cfg):
    net = Discriminator(inits([0, 1, 2]), 2, cfg)
    x = torch.randn(3, 16, 2)
    before = net(x).detach()
    with torch.no_grad():
        for p in net.parameters():
            p[0].add_(torch.randn_like(p[0]))
            p[2].mul_(-3.0)
    after = net(x).detach()
    assert torch.equal(after[1], before[1])
    assert not torch.equal(after[0], before[0]) and not torch.equal(after[2], before[2])


def test_same_seed_same_network_beside_others():
    alone = Discriminator(inits([5]), 2, PACGAN_D)
    beside = Discriminator(inits([4, 5]), 2, PACGAN_D)
    x = torch.randn(1, 8, 2)
    torch.testing.assert_close(alone(x)[0], beside(torch.cat([x, x]))[1])


def test_pieces_must_be_at_least_two():
    with pytest.raises(ValueError):
        NetConfig(activation="maxout", pieces=1)
