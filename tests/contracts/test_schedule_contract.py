"""Every registered schedule — built-in or dropped in — runs the Schedule contract."""

import pytest

from ganbench.registry import schedules
from ganbench.testing import schedule_contract

NAMES = schedules.names()


@pytest.mark.parametrize("name", NAMES)
def test_steps_are_boolean_seed_masks(name):
    schedule_contract.check_step_shapes(name)


@pytest.mark.parametrize("name", NAMES)
def test_generator_budget_is_always_reached(name):
    schedule_contract.check_generator_progresses(name)


@pytest.mark.parametrize("name", NAMES)
def test_decisions_are_deterministic(name):
    schedule_contract.check_deterministic(name)
