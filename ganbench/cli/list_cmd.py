"""``ganbench list``: every registered component, where it came from, and what it takes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ganbench import discovery, registry
from ganbench.contracts.network import REMEDY_OPTIONS, NetParams
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
        # A network's `name` field picks the family (the row's own name), not a parameter of it.
        skip = ("name",) if kind == "networks" else ()
        for entry in reg.entries():
            table.add_row(entry.name, describe_fields(entry.obj.Params, skip), short_origin(entry.origin))
        console.print(table)
    console.print(remedy_table())
    if discovery.failures:
        console.print("[bold red]plugins that failed to load:[/]")
        for failure in discovery.failures:
            console.print(f"  {failure}", highlight=False)


def remedy_table() -> Table:
    """The remedies against mode collapse that are network options (the loss options R1/R2 are
    listed with each loss): key, default and what it does."""
    table = Table(title="remedies (network options)", title_justify="left", expand=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("default")
    table.add_column("what it does")
    for name in REMEDY_OPTIONS:
        field = NetParams.model_fields[name]
        table.add_row(f"discriminator.{name}", str(field.default).lower(), field.description or "")
    table.add_row("loss.r1, loss.r2", "0", "R1 / R2 gradient penalties γ/2·E‖∇D‖² (every loss, see above)")
    return table
