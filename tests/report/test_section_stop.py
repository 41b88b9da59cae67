"""A stop signal that a library inside a report section turns into another error (or swallows) still
stops the report: the section does not record it as its own failure and carry on."""

from __future__ import annotations

import textwrap

import pytest

from ganbench import discovery
from ganbench.experiment import interrupts
from ganbench.experiment.interrupts import Interrupted, acknowledge, signal_name
from ganbench.registry import reports
from ganbench.report.build import run_section
from ganbench.testing import report_contract

# A library that catches the interrupt and raises its own error ("converted"), or drops it and
# fails on the state it left ("swallowed", where nothing chains the interrupt to the error).
# The signal lands as its handler (``stopping_on_signals``') runs: called here directly rather than
# through a real signal to the test process, whose handlers and lifetime the test does not own.
SECTION = '''
import signal

from ganbench.api import ReportSection, reports
from ganbench.experiment import interrupts

@reports.register("{name}")
class Stopped(ReportSection):
    """A section inside which a stop signal lands."""
    def build(self, data, ctx):
        try:
            interrupts._raise(signal.SIGTERM, None)
        except KeyboardInterrupt:
            if "{how}" == "converted":
                raise RuntimeError("the library's own error")
        raise ValueError("state left behind")
'''


@pytest.fixture
def seen(monkeypatch):
    """No stop is sent again during the test (``interrupts.RESEND_SECONDS``: to this process, whose
    handlers are the default ones), and it counts as seen afterwards, whatever the test asserted."""
    monkeypatch.setattr(interrupts, "RESEND_SECONDS", 3600.0)
    yield
    acknowledge()


@pytest.mark.parametrize("how", ["converted", "swallowed"])
def test_a_stop_inside_a_section_stops_the_report(tmp_path, scratch_registry, seen, how):
    (tmp_path / "plugins").mkdir()
    name = f"stopped_{how}"
    (tmp_path / "plugins" / f"{name}.py").write_text(textwrap.dedent(SECTION.format(name=name, how=how)))
    discovery.load_directory(tmp_path / "plugins")
    data = report_contract.contract_data(tmp_path)
    with pytest.raises(KeyboardInterrupt) as stop:
        run_section(name, reports.get(name), data, tmp_path / "out")
    assert isinstance(stop.value, Interrupted) and signal_name(stop.value) == "SIGTERM"
