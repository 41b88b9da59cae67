"""Loss values against numbers worked out by hand from the formulas in DESIGN.md.

Scores for one seed: real = (0, 2), fake = (−1, 5). The expected values below are written with the
plain definitions (log, exp, sigmoid) — not the softplus forms the implementations use.
"""

import math

import pytest
import torch

from ganbench.testing.loss_contract import make

REAL = torch.tensor([[0.0, 2.0]])
FAKE = torch.tensor([[-1.0, 5.0]])


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def mean(xs) -> float:
    return sum(xs) / len(xs)


def log_d_real():  # E[log D(x)]
    return mean([math.log(sig(r)) for r in (0, 2)])


def log_one_minus_d_fake():  # E[log(1 − D(G(z)))]
    return mean([math.log(1 - sig(f)) for f in (-1, 5)])


def values(name, real=REAL, fake=FAKE):
    loss = make(name)
    return loss.d_loss(real, fake).item(), loss.g_loss(fake, real if loss.uses_real_in_g else None).item()


def test_minimax():
    d, g = values("minimax")
    assert d == pytest.approx(-log_d_real() - log_one_minus_d_fake(), rel=1e-6)
    assert g == pytest.approx(log_one_minus_d_fake(), rel=1e-6)


def test_modified_minimax():
    d, g = values("modified_minimax")
    assert d == pytest.approx(-log_d_real() - log_one_minus_d_fake(), rel=1e-6)
    assert g == pytest.approx(-mean([math.log(sig(f)) for f in (-1, 5)]), rel=1e-6)


def test_wasserstein():
    d, g = values("wasserstein")
    assert d == pytest.approx(2.0 - 1.0)  # E[C(fake)] − E[C(real)] = 2 − 1
    assert g == pytest.approx(-2.0)


def test_hinge():
    d, g = values("hinge")
    # E[max(0, 1 − r)] = (1 + 0)/2, E[max(0, 1 + f)] = (0 + 6)/2
    assert d == pytest.approx(0.5 + 3.0)
    assert g == pytest.approx(-2.0)


def test_least_squares():
    d, g = values("least_squares")
    # ½E[(r − 1)²] = ½·(1 + 1)/2, ½E[f²] = ½·(1 + 25)/2, ½E[(f − 1)²] = ½·(4 + 16)/2
    assert d == pytest.approx(0.5 + 6.5)
    assert g == pytest.approx(5.0)


def test_relativistic_average():
    d, g = values("relativistic")
    mean_real, mean_fake = 1.0, 2.0
    real_rel = [r - mean_fake for r in (0, 2)]
    fake_rel = [f - mean_real for f in (-1, 5)]
    expected_d = -mean([math.log(sig(x)) for x in real_rel]) - mean([math.log(1 - sig(x)) for x in fake_rel])
    expected_g = -mean([math.log(sig(x)) for x in fake_rel]) - mean([math.log(1 - sig(x)) for x in real_rel])
    assert d == pytest.approx(expected_d, rel=1e-6)
    assert g == pytest.approx(expected_g, rel=1e-6)


def test_minimax_is_stable_at_extreme_scores():
    loss = make("minimax")
    d = loss.d_loss(torch.tensor([[-1e4]]), torch.tensor([[1e4]]))
    assert d.item() == pytest.approx(2e4)  # −log σ(−1e4) − log(1 − σ(1e4)) ≈ 1e4 + 1e4


class LinearCritic(torch.nn.Module):
    """C(x) = w·x per seed: its gradient norm is ‖w‖ everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return (x * self.w).sum(-1)


@pytest.mark.parametrize(("w", "expected"), [([0.0, 2.0], 10.0), ([0.6, 0.8], 0.0), ([3.0, 4.0], 160.0)])
def test_gradient_penalty_of_linear_critic(w, expected):
    from ganbench.contracts import SeedStreams

    loss = make("wgan_gp")
    real, fake = torch.randn(1, 8, 2), torch.randn(1, 8, 2)
    penalty = loss.penalty(LinearCritic(w), real, fake, SeedStreams([0], "t", torch.device("cpu")))
    assert penalty.shape == (1,)
    assert penalty.item() == pytest.approx(expected, abs=1e-4)  # λ(‖w‖ − 1)², λ = 10


def test_weight_clipping_clips_every_critic_parameter():
    loss = make("wasserstein")
    critic = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    with torch.no_grad():
        critic[0].weight.fill_(0.5)
        critic[1].bias.fill_(-0.3)
        critic[0].bias.fill_(0.004)
    loss.constrain(critic)
    assert torch.all(critic[0].weight == 0.01) and torch.all(critic[1].bias == -0.01)
    assert torch.all(critic[0].bias == 0.004)  # inside [−c, c]: untouched
