"""Discriminator accuracy: the loss's decision rule, or the midpoint rule for relative scores."""

import pytest
import torch

from ganbench.testing.loss_contract import make
from ganbench.train.updates import accuracy

REAL = torch.tensor([[1.0, 2.0, 3.0, -0.5], [0.5, 0.5, 0.5, 0.5]])
FAKE = torch.tensor([[-1.0, -2.0, 0.5, 2.5], [-0.5, -0.5, 0.2, 0.7]])


def test_logit_losses_threshold_at_zero():
    acc = accuracy(make("minimax"), REAL, FAKE)
    assert acc["d_acc_real"].tolist() == [0.75, 1.0]
    assert acc["d_acc_fake"].tolist() == [0.5, 0.5]


def test_critic_threshold_is_the_midpoint_of_the_seed_means():
    # seed 0: means 1.375 and 0.0 → midpoint 0.6875; seed 1: means 0.5 and -0.025 → 0.2375
    acc = accuracy(make("wasserstein"), REAL, FAKE)
    assert acc["d_acc_real"].tolist() == [0.75, 1.0]
    assert acc["d_acc_fake"].tolist() == [0.75, 0.75]


@pytest.mark.parametrize("name", ["wasserstein", "wgan_gp", "relativistic"])
def test_relative_score_accuracy_ignores_a_constant_shift(name):
    loss = make(name)
    for shift in (-50.0, 7.0, 1e3):
        shifted = accuracy(loss, REAL + shift, FAKE + shift)
        for key, value in accuracy(loss, REAL, FAKE).items():
            assert torch.equal(shifted[key], value), (name, shift, key)


def test_relative_scores_need_the_real_batch():
    with pytest.raises(ValueError, match="real scores"):
        accuracy(make("wasserstein"), None, FAKE)
