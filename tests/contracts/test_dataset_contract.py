"""Every registered dataset — built-in or dropped in — runs the Dataset contract."""

import pytest

from ganbench.registry import datasets
from ganbench.testing import dataset_contract

NAMES = datasets.names()


@pytest.mark.parametrize("name", NAMES)
def test_batches_have_seed_axis_and_live_on_device(name, tmp_path):
    dataset_contract.check_batches(name, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_each_seed_has_its_own_stream(name, tmp_path):
    dataset_contract.check_streams(name, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_draw_for_all_seeds_at_once(name, tmp_path):
    dataset_contract.check_draw(name, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_known_modes_are_well_formed(name, tmp_path):
    dataset_contract.check_modes(name, tmp_path)
