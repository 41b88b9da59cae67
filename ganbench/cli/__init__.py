"""The ``ganbench`` command line (typer): one module per command group."""

from ganbench.cli.app import app, main

__all__ = ["app", "main"]
