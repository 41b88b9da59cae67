"""Report sections are plugins: a dropped-in file shows up, the contract catches a bad one, and a
section that raises is reported without taking the report down."""

from __future__ import annotations

import re
import textwrap

import pytest

from ganbench import discovery
from ganbench.registry import reports
from ganbench.report.build import run_section
from ganbench.testing import report_contract

UNLABELLED = '''
import matplotlib.pyplot as plt
from ganbench.api import ReportSection, SectionResult, reports

@reports.register("{name}")
class Unlabelled(ReportSection):
    """A section whose figure has no axis labels."""
    title = "unlabelled"

    def build(self, data, ctx):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title("a line")
        return SectionResult(figures=[ctx.save_figure(fig, "line", "a line")])
'''

BROKEN = '''
from ganbench.api import ReportSection, reports

@reports.register("{name}")
class Broken(ReportSection):
    """A section that fails."""
    def build(self, data, ctx):
        raise ValueError("no such column")
'''


def test_a_dropped_in_section_is_registered_and_checked(tmp_path, scratch_registry):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "unlabelled.py").write_text(
        textwrap.dedent(UNLABELLED.format(name="unlabelled_test"))
    )
    discovery.load_directory(tmp_path / "plugins")
    assert "unlabelled_test" in reports.names()
    with pytest.raises(AssertionError, match="without an x-axis label"):
        report_contract.check_builds_on_partial_data("unlabelled_test", tmp_path / "check")


def test_a_failing_section_is_recorded_not_raised(tmp_path, scratch_registry):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "broken.py").write_text(textwrap.dedent(BROKEN.format(name="broken_test")))
    discovery.load_directory(tmp_path / "plugins")
    data = report_contract.contract_data(tmp_path)
    outcome = run_section("broken_test", reports.get("broken_test"), data, tmp_path / "out")
    assert outcome.result is None and outcome.error.startswith("ValueError: no such column (broken.py, line")


def test_ganbench_list_shows_the_report_sections(cli):
    proc = cli("list")
    assert proc.returncode == 0
    listed = re.split(r"^reports\s*$", proc.stdout, flags=re.M)[1]  # the table titled 'reports'
    assert "built-in reports/ranking.py" in listed
    for name in ("ranking", "mode_collapse", "learning_curves", "samples", "tuning"):
        assert name in listed
