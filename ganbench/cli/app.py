"""Command line: ``ganbench list``, ``ganbench train`` and ``ganbench benchmark``.

Bad input ends with exit code 2 and one paragraph on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ganbench import discovery
from ganbench.errors import GanbenchError

app = typer.Typer(
    help="Benchmark GAN losses and alternation schedules for stability and mode collapse.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

RegistryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--registry", help="Extra plugin folder (repeatable; also GANBENCH_REGISTRY).", show_default=False
    ),
]


@app.callback()
def _root(registry: RegistryOpt = None) -> None:
    """Load extra plugin folders before any command runs."""
    if registry:
        discovery.add_directories(registry)


@app.command("list")
def list_cmd() -> None:
    """List every registered loss, schedule, dataset and metric, and where each came from."""
    from ganbench.cli.list_cmd import print_registry

    print_registry(console)


@app.command()
def train(
    dataset: Annotated[str | None, typer.Option(help="Registered dataset name [default: ring].")] = None,
    loss: Annotated[
        str | None, typer.Option(help="Registered loss name [default: modified_minimax].")
    ] = None,
    schedule: Annotated[
        str | None, typer.Option(help="Registered schedule name [default: alternating].")
    ] = None,
    seeds: Annotated[int, typer.Option(help="Number of seeds trained in lockstep.", min=1)] = 1,
    first_seed: Annotated[int, typer.Option(help="Seeds are first_seed … first_seed+seeds−1.", min=0)] = 0,
    g_steps: Annotated[int | None, typer.Option(help="Budget in generator updates.")] = None,
    device: Annotated[str | None, typer.Option(help="auto (cuda when available), cpu or cuda.")] = None,
    config: Annotated[Path | None, typer.Option(help="YAML file with training settings.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a setting, e.g. --set schedule.d_steps=5 (repeatable)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the sample image (default outputs/…).")] = None,
) -> None:
    """Train one configuration for several seeds in lockstep; show per-seed results and samples."""
    from ganbench.cli.train_cmd import run_train

    try:
        run_train(
            console, dataset, loss, schedule, seeds, first_seed, g_steps, device, config, set_ or [], out
        )
    except KeyboardInterrupt:  # typer would exit 130 silently
        err_console.print("ganbench: interrupted before the end of training; nothing was saved.")
        raise typer.Exit(130) from None


@app.command()
def benchmark(
    spec: Annotated[Path, typer.Argument(help="Experiment spec, e.g. experiments/default.yaml.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the cells and estimated cost; train nothing.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Keep matching cells: loss=NAME, dataset=NAME, schedule=NAME (repeatable)."),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Override the spec's number of seeds.", min=1)] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
    ] = None,
    jobs: Annotated[
        int, typer.Option(help="Cells trained in parallel worker processes (1: in this process).", min=1)
    ] = 2,
) -> None:
    """Train every (configuration, seed) of a spec, record each in MLflow, skip what is already done."""
    from ganbench.experiment.runner import run_benchmark

    try:
        code = run_benchmark(console, spec, tracking_uri, seeds, only or [], jobs, dry_run)
    except KeyboardInterrupt:  # typer would exit 130 silently; say what happened to the results
        err_console.print("ganbench: interrupted. Finished runs are kept; rerun the same command to resume.")
        raise typer.Exit(130) from None
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point: user errors → exit code 2 with one clear paragraph."""
    try:
        app()
    except GanbenchError as exc:
        err_console.print(f"[bold red]ganbench:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
