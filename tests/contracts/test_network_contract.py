"""Every registered network family — built-in or dropped in — runs the Network contract on each of
its example variants, plain, spectrally normalised and packed."""

import pytest

from ganbench.testing import network_contract as contract

CASES = contract.cases()
IDS = [contract.case_id(c) for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shapes(case):
    contract.check_shapes(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_parameter_and_buffer_has_the_member_axis(case):
    contract.check_member_axis(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_members_never_mix(case):
    contract.check_members_independent(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_together_equals_alone_bit_for_bit(case):
    contract.check_together_equals_alone(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_input_gradient_penalties_stay_per_member(case):
    contract.check_input_gradient_penalties(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_spectral_norm(case):
    contract.check_spectral_norm(*case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_independent_rows_and_packing(case):
    contract.check_rows_and_packing(*case)


def test_both_built_in_families_are_checked():
    assert {"mlp", "dcgan"} <= {name for name, _, _ in CASES}
