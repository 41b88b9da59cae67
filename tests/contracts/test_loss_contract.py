"""Every registered loss — built-in or dropped in — runs the Loss contract."""

import pytest

from ganbench.registry import losses
from ganbench.testing import loss_contract

NAMES = losses.names()


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_finite_at_extreme_scores(name):
    loss_contract.check_shapes_and_finite(name)


@pytest.mark.parametrize("name", NAMES)
def test_seeds_do_not_mix(name):
    loss_contract.check_seeds_independent(name)


@pytest.mark.parametrize("name", NAMES)
def test_each_step_moves_only_its_player(name):
    loss_contract.check_players_separate(name)


@pytest.mark.parametrize("name", NAMES)
def test_discriminator_alone_separates_real_from_fake(name):
    loss_contract.check_discriminator_separates(name)


@pytest.mark.parametrize("name", NAMES)
def test_relative_scores_flag_matches_the_loss(name):
    loss_contract.check_relative_scores_declared(name)
