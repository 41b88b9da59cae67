"""``ganbench list``: every registered component, where it came from, and what it takes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ganbench import discovery, registry
from ganbench.validation import describe_fields


def short_origin(origin: str) -> str:
    """Built-in plugin paths relative to the built-in folder, others as they are."""
    root = str(discovery.builtin_dir()) + "/"
    return "built-in " + origin[len(root) :] if origin.startswith(root) else origin


def print_registry(console: Console) -> None:
    """Print one table per kind, then any plugin that failed to load."""
    for kind, reg in registry.ALL.items():
        table = Table(title=kind, title_justify="left", expand=False, show_lines=False)
        table.add_column("name", style="bold cyan", no_wrap=True)
        table.add_column("parameters")
        table.add_column("source", style="dim", overflow="fold")
        for entry in reg.entries():
            table.add_row(entry.name, describe_fields(entry.obj.Params), short_origin(entry.origin))
        console.print(table)
    if discovery.failures:
        console.print("[bold red]plugins that failed to load:[/]")
        for failure in discovery.failures:
            console.print(f"  {failure}", highlight=False)
