"""Network options: maxout units, normal initialisation, shapes and per-seed independence."""

import pytest
import torch
from mlp_nets import Discriminator, Generator, NetConfig

from ganbench.layers.activations import maxout

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


def _running_net(seeds):
    return Generator(inits(seeds), 3, 2, NetConfig(width=6, depth=1, norm="batch_running"), bounded=False)


def test_batch_running_matches_torch_batchnorm_per_seed_in_training_and_in_eval():
    """Known answer: each seed's layer is torch.nn.BatchNorm1d(momentum=0.05) on that seed's
    activations — the same training outputs, the same running averages, the same eval outputs."""
    torch.manual_seed(0)
    net = _running_net([0, 1])
    norm, linear = net.net.norms[0], net.net.hidden[0]
    with torch.no_grad():
        norm.scale.uniform_(0.5, 1.5)
        norm.shift.uniform_(-0.5, 0.5)
    refs = []
    for s in range(2):
        ref = torch.nn.BatchNorm1d(6, momentum=0.05, eps=1e-5)
        with torch.no_grad():
            ref.weight.copy_(norm.scale[s, 0])
            ref.bias.copy_(norm.shift[s, 0])
        refs.append(ref)
    for step in range(5):
        z = torch.randn(2, 32, 3) * (1 + step)
        h = linear(z)
        out = norm(h)
        for s in range(2):
            torch.testing.assert_close(out[s], refs[s](h[s]), rtol=1e-5, atol=1e-5)
    for s in range(2):
        torch.testing.assert_close(norm.running_mean[s, 0], refs[s].running_mean, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(norm.running_var[s, 0], refs[s].running_var, rtol=1e-5, atol=1e-6)
    h = linear(torch.randn(2, 9, 3)).detach()
    norm.eval()
    for s in range(2):
        refs[s].eval()
        torch.testing.assert_close(norm(h)[s], refs[s](h[s]), rtol=1e-5, atol=1e-5)


def test_evaluating_uses_and_keeps_the_running_averages_and_restores_training_mode():
    from ganbench.layers.evaluating import evaluating

    net = _running_net([0])
    for _ in range(3):
        net(torch.randn(1, 16, 3))
    mean = net.net.norms[0].running_mean.clone()
    z = torch.randn(1, 5, 3)
    with evaluating(net) as g:
        one = g(z)
        assert not net.training and not one.requires_grad
        assert torch.equal(g(z[:, :2]), one[:, :2])  # a sample does not depend on the batch beside it
    assert net.training and torch.equal(net.net.norms[0].running_mean, mean)
    assert not torch.equal(net(z), one)  # training mode normalises with the batch's own statistics


def test_batch_running_averages_are_per_seed():
    alone, beside = _running_net([7]), _running_net([6, 7])
    for _ in range(4):
        z = torch.randn(2, 16, 3)
        alone(z[1:])
        beside(torch.cat([torch.randn(1, 16, 3) * 5, z[1:]]))
    for name, buf in alone.named_buffers():
        torch.testing.assert_close(dict(beside.named_buffers())[name][1:], buf)
