"""Every registered report section — built-in or dropped in — runs the ReportSection contract."""

import pytest

from ganbench.registry import reports
from ganbench.testing import report_contract

NAMES = reports.names()


def test_the_built_in_sections_are_registered():
    assert {"ranking", "mode_collapse", "seeds", "learning_curves", "discriminator", "stability"} <= set(
        NAMES
    )
    assert {"samples", "budget", "tuning", "convergence"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_builds_on_partial_data(name, tmp_path):
    report_contract.check_builds_on_partial_data(name, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic(name, tmp_path):
    report_contract.check_deterministic(name, tmp_path)
