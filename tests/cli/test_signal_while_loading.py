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


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_cli_itself_imports_is_said(sig):
    """The CLI's own import (torch through the registry: ~1.7 s) ran before any handler: SIGINT there
    printed a KeyboardInterrupt traceback, SIGTERM exited 143 without a word. A real process, signalled
    once it has started importing ganbench.cli.app (a stand-in module that waits marks the moment)."""
    import os
    import subprocess
    import time

    code = (
        "import sys, time, types\n"
        "import importlib.abc, importlib.util\n"
        "class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        return importlib.util.spec_from_loader(name, self) if name == 'ganbench.cli.app' else None\n"
        "    def create_module(self, spec):\n"
        "        return None\n"
        "    def exec_module(self, module):\n"
        "        print('loading', flush=True)\n"
        "        time.sleep(30)\n"
        "sys.meta_path.insert(0, Finder())\n"
        "import ganbench.cli\n"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout.readline().strip() == b"loading"
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    name = signal.Signals(sig).name
    assert proc.returncode == 128 + sig, err.decode()
    assert err.decode().strip() == f"ganbench: stopped by {name} while starting; nothing was done."
