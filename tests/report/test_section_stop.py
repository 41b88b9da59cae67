"""A stop signal that a library inside a report section turns into another error (or swallows) still
stops the report: the section does not record it as its own failure and carry on."""

from __future__ import annotations

import textwrap

import pytest

from ganbench import discovery
from ganbench.experiment.interrupts import Interrupted, acknowledge, signal_name, stopping_on_signals
from ganbench.registry import reports
from ganbench.report.build import run_section
from ganbench.testing import report_contract

# A library that catches the interrupt and raises its own error ("converted"), or drops it and
# fails on the state it left ("swallowed", where nothing chains the interrupt to the error).
SECTION = '''
import os
import signal
import time

from ganbench.api import ReportSection, reports

@reports.register("{name}")
class Stopped(ReportSection):
    """A section inside which a stop signal lands."""
    def build(self, data, ctx):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except KeyboardInterrupt:
            if "{how}" == "converted":
                raise RuntimeError("the library's own error")
        raise ValueError("state left behind")
'''


@pytest.fixture
def seen():
    """The stop counts as seen after the test, whatever it asserted: a stop left unseen is sent
    again (``interrupts.RESEND_SECONDS``), to a process whose handlers are back to the default."""
    yield
    acknowledge()


@pytest.mark.parametrize("how", ["converted", "swallowed"])
def test_a_stop_inside_a_section_stops_the_report(tmp_path, scratch_registry, seen, how):
    (tmp_path / "plugins").mkdir()
    name = f"stopped_{how}"
    (tmp_path / "plugins" / f"{name}.py").write_text(textwrap.dedent(SECTION.format(name=name, how=how)))
    discovery.load_directory(tmp_path / "plugins")
    data = report_contract.contract_data(tmp_path)
    with stopping_on_signals(), pytest.raises(KeyboardInterrupt) as stop:
        run_section(name, reports.get(name), data, tmp_path / "out")
    assert isinstance(stop.value, Interrupted) and signal_name(stop.value) == "SIGTERM"
