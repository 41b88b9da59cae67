"""The ``ganbench`` command line (typer): one module per command group.

A stop signal while the command's code loads (torch, MLflow, pandas: over a second) is said like a
later one, in one line with exit 130 / 143, instead of a ``KeyboardInterrupt`` traceback (SIGINT) or
no word at all (SIGTERM): the handlers are taken over before ``app`` is imported.
"""

import sys

from ganbench.experiment.interrupts import Interrupted, exit_code, signal_name, stopping_on_signals

try:
    with stopping_on_signals():
        from ganbench.cli.app import app, main
except Interrupted as exc:
    print(f"ganbench: stopped by {signal_name(exc)} while starting; nothing was done.", file=sys.stderr)
    sys.exit(exit_code(exc))

__all__ = ["app", "main"]
