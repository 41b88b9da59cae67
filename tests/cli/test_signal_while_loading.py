"""A stop signal that lands while a command still loads its code (seconds on a busy machine: pandas,
matplotlib, MLflow) is said like one that lands later, not a silent exit 130/143. `report` and `tune`
imported their code before they took the signals over: SIGINT 3–5 s into `ganbench report` exited
130 without a word."""

from __future__ import annotations

import importlib
import signal
import sys
import types

import pytest
import typer

from ganbench.experiment.interrupts import Interrupted

cli = importlib.import_module("ganbench.cli.app")  # the module (ganbench.cli.app is also the Typer app)


class StillLoading(types.ModuleType):
    """A command module whose loading the signal interrupts (any name taken from it raises)."""

    def __init__(self, name: str, signum: int) -> None:
        super().__init__(name)
        self.signum = signum

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # what the import machinery and repr look up
            raise AttributeError(attr)
        raise Interrupted(self.signum)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    ("command", "module", "said"),
    [
        ("report", "ganbench.cli.report_cmd", "report stopped by {}"),
        ("tune", "ganbench.cli.tune_cmd", "stopped by {}. Finished trials are kept"),
    ],
)
def test_a_signal_while_the_command_loads_is_said(monkeypatch, capsys, tmp_path, command, module, said, sig):
    monkeypatch.setitem(sys.modules, module, StillLoading(module, sig))
    with pytest.raises(typer.Exit) as stopped:
        if command == "report":
            cli.report(["quick"], None, tmp_path)
        else:
            cli.tune(tmp_path / "spec.yaml")
    assert stopped.value.exit_code == 128 + sig
    assert said.format(signal.Signals(sig).name) in capsys.readouterr().err
