"""Command line: ``ganbench list``, ``train``, ``benchmark``, ``tune``, ``worker``, ``evaluate``,
``report``, ``literature`` and ``ui``.

Bad input ends with exit code 2 and one paragraph on stderr, never a traceback; failed training
with exit code 1. SIGINT and SIGTERM stop a long command cleanly (130 and 143).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ganbench import __version__
from ganbench.errors import GanbenchError, WorkFailed
from ganbench.experiment.interrupts import (
    STOP_EXIT_CODES,
    end_within_grace,
    exit_code,
    signal_name,
    stopping_on_signals,
)
from ganbench.experiment.store_check import check_sqlite_store, full_disk, resolve_uri
from ganbench.registry import add_directories

app = typer.Typer(
    help="Benchmark GAN losses and alternation schedules for stability and mode collapse.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

WIDTH_WHEN_PIPED = 200
"""Columns when the output is a file, a pipe or CI (rich would crop tables at 80); COLUMNS wins."""


def output_width() -> int | None:
    """Rich's own choice on a terminal; otherwise COLUMNS, else :data:`WIDTH_WHEN_PIPED`."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return None if sys.stdout.isatty() else WIDTH_WHEN_PIPED


console = Console(width=output_width())
err_console = Console(stderr=True, width=output_width())

RegistryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--registry", help="Extra plugin folder (repeatable; also GANBENCH_REGISTRY).", show_default=False
    ),
]


def _print_version(value: bool) -> None:
    if value:
        console.print(f"ganbench {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    registry: RegistryOpt = None,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Load extra plugin folders before any command runs."""
    if registry:
        add_directories(registry)


@app.command("list")
def list_cmd() -> None:
    """List every registered loss, schedule, dataset and metric, and where each came from."""
    from ganbench.cli.list_cmd import print_registry

    print_registry(console)


@app.command()
def train(
    dataset: Annotated[str | None, typer.Option(help="Registered dataset name \\[default: ring].")] = None,
    loss: Annotated[
        str | None, typer.Option(help="Registered loss name \\[default: modified_minimax].")
    ] = None,
    schedule: Annotated[
        str | None, typer.Option(help="Registered schedule name \\[default: alternating].")
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
    threads: Annotated[
        int | None,
        typer.Option(
            help="CPU threads for training \\[default: torch's choice]; 1 on a busy machine.", min=1
        ),
    ] = None,
) -> None:
    """Train one configuration for several seeds in lockstep; show per-seed results and samples."""
    from ganbench.cli.train_cmd import run_train

    try:
        run_train(
            console,
            dataset,
            loss,
            schedule,
            seeds,
            first_seed,
            g_steps,
            device,
            config,
            set_ or [],
            out,
            threads=threads,
        )
    except KeyboardInterrupt:  # typer would exit 130 silently
        err_console.print("ganbench: interrupted before the end of training; nothing was saved.")
        raise typer.Exit(130) from None


@app.command()
def benchmark(
    spec: Annotated[Path, typer.Argument(help="Experiment spec, e.g. experiments/default.yaml.")],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="List the cells, their estimated cost and the batched models; train nothing.",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Keep matching cells: loss=NAME, dataset=NAME, schedule=NAME (repeatable)."),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Override the spec's number of seeds.", min=1)] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            help="Add a component beside the spec's own: loss=NAME, dataset=NAME, schedule=NAME, or "
            "KIND={name: NAME, param: value} (repeatable). Runs already in the store are reused; only "
            "the new cells train.",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Set one of the spec's own keys, dotted: seeds=3, train.g_steps=4000 (repeatable; "
            "values read as YAML). A setting that changes what existing cells train writes to its own "
            "experiment, <name>_set-<digest>, unless --set name=… names one.",
            show_default=False,
        ),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            help="Batched models trained in parallel worker processes (1: in this process; with "
            "--storage, 0 only queues the models for workers started elsewhere).",
            min=0,
        ),
    ] = 2,
    storage: Annotated[
        str | None,
        typer.Option(
            help="Optuna storage URL (or GANBENCH_STORAGE): queue the batched models there (one trial "
            "each, packed as without it) for any number of `ganbench worker`s, on this machine or others.",
            show_default=False,
        ),
    ] = None,
    population: Annotated[
        int | None,
        typer.Option(
            help="Most members (cell × seed) per batched model: cells that may share a model "
            "(same networks, data and shapes) train together. Default: 16 on the CPU, 512 on a "
            "GPU; 1 trains every cell alone.",
            min=1,
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="Spec profile to apply (the spec's `profiles:`): auto picks `cuda` when training "
            "runs on a GPU and the spec has one; none applies none. A profile renames the "
            "experiment (default → default_cuda), so budgets never mix.",
        ),
    ] = "auto",
    pack_losses: Annotated[
        bool | None,
        typer.Option(
            "--pack-losses/--no-pack-losses",
            help="Let cells of different losses share a batched model (each loss on its own members). "
            "Default: on a GPU yes (about half the kernels), on the CPU no (measured: more CPU time).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Train every (configuration, seed) of a spec, record each in MLflow, skip what is already done."""
    with stopping_on_signals():
        try:
            if not dry_run:  # a bad store ends here, in a second, before the training code is even loaded
                check_sqlite_store(resolve_uri(tracking_uri))
            from ganbench.cli.benchmark_cmd import run_benchmark

            storage = storage or os.environ.get("GANBENCH_STORAGE")
            code = run_benchmark(
                console,
                spec,
                tracking_uri,
                seeds,
                only or [],
                jobs if storage else max(jobs, 1),
                dry_run,
                population,
                profile,
                storage_url=storage,
                pack_losses=pack_losses,
                add=add or [],
                settings=set_ or [],
            )
        except KeyboardInterrupt as exc:  # typer would exit 130 silently; say what happened to the results
            err_console.print(
                f"ganbench: stopped by {signal_name(exc)}. Finished runs are kept; rerun the same command "
                "to resume.",
                highlight=False,
            )
            raise typer.Exit(exit_code(exc)) from None
    raise typer.Exit(code)


TrackingOpt = Annotated[
    str | None,
    typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
]
BatchOpt = Annotated[
    int | None,
    typer.Option(
        help="Tuning trials asked at once (ask-and-tell) and trained as one batched model; "
        "trials that differ in a non-batchable setting (d_steps, a width) split into several. "
        "Default: as many as fill the device (16 members on the CPU, 512 on a GPU, over the "
        "trial's seeds); 1: one trial at a time.",
        min=1,
        show_default=False,
    ),
]
StorageOpt = Annotated[
    str | None,
    typer.Option(
        help="Optuna storage: an RDB URL or journal:PATH (default: GANBENCH_STORAGE, else "
        "sqlite:///optuna.db). Passwords are never logged.",
        show_default=False,
    ),
]


@app.command()
def tune(
    spec: Annotated[Path, typer.Argument(help="Tuning spec, e.g. experiments/tune_default.yaml.")],
    storage: StorageOpt = None,
    tracking_uri: TrackingOpt = None,
    jobs: Annotated[
        int,
        typer.Option(help="Local worker processes (1: in this process; 0: only create the studies).", min=0),
    ] = 2,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Keep matching arms: loss=NAME, dataset=NAME, schedule=NAME (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the budget curves \\[default: reports/<spec>/tuning].")
    ] = None,
    batch: BatchOpt = None,
    n_trials: Annotated[
        int | None,
        typer.Option("--n-trials", help="Trials per study, instead of the spec's n_trials.", min=1),
    ] = None,
) -> None:
    """Tune each (dataset, loss, schedule) of a spec with Optuna; rerun to continue the studies."""
    with stopping_on_signals():
        try:  # the import inside: a signal while it loads (seconds) is said too, not a silent 130
            from ganbench.cli.tune_cmd import run_tune

            code = run_tune(console, spec, storage, tracking_uri, jobs, only or [], out, batch, n_trials)
        except KeyboardInterrupt as exc:
            err_console.print(
                f"ganbench: stopped by {signal_name(exc)}. Finished trials are kept and running ones were "
                "handed back to the queue; rerun the same command to continue.",
                highlight=False,
            )
            raise typer.Exit(exit_code(exc)) from None
    raise typer.Exit(code)


@app.command()
def worker(
    storage: StorageOpt = None,
    tracking_uri: TrackingOpt = None,
    study: Annotated[
        list[str] | None, typer.Option(help="Work only on these studies (repeatable) \\[default: all].")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Take no new trial after this many seconds.", min=0)
    ] = None,
    heartbeat: Annotated[
        int, typer.Option(help="Seconds between heartbeats of a running trial.", min=1)
    ] = 10,
    grace: Annotated[
        int, typer.Option(help="Seconds without a heartbeat after which a trial counts as lost.", min=2)
    ] = 60,
    quiet: Annotated[bool, typer.Option("--quiet", help="No line per finished trial.")] = False,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads for training \\[default: torch's choice].", min=1)
    ] = None,
    batch: BatchOpt = None,
) -> None:
    """Take trials and benchmark cells from a shared Optuna storage until none is left."""
    from ganbench.cli.tune_cmd import resolve_storage
    from ganbench.executor.worker import WorkerSettings, serve

    if threads:
        import torch

        torch.set_num_threads(threads)
    # Worker i of a local `tune --jobs N` is told its index; a worker started by hand uses its pid.
    offset = int(os.environ.get("GANBENCH_WORKER_INDEX", os.getpid()))
    settings = WorkerSettings(
        resolve_storage(storage),
        tracking_uri,
        study or None,
        timeout,
        batch,
        seed_offset=offset,
        quiet=quiet,
        heartbeat=heartbeat,
        grace=grace,
    )
    with stopping_on_signals():
        try:
            serve(settings, console)
        except KeyboardInterrupt as exc:
            err_console.print(
                f"ganbench worker: stopped by {signal_name(exc)}; the trial it was running went back to "
                "the queue for the next worker.",
                highlight=False,
            )
            raise typer.Exit(exit_code(exc)) from None


@app.command()
def evaluate(
    samples: Annotated[
        list[Path],
        typer.Argument(
            help="Generated samples: an .npy file or an .npz archive (see docs/evaluate.md); several "
            "are scored side by side against one reference set.",
        ),
    ],
    dataset: Annotated[str, typer.Option(help="Registered dataset whose metrics and protocol to apply.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object keyed by metric name instead of a table.")
    ] = False,
    n_samples: Annotated[
        int | None,
        typer.Option(
            "--n-samples",
            help="Score this many samples instead of the protocol's count (26,000 for stacked digits).",
            min=1,
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="The array to score in an .npz archive of several.", show_default=False)
    ] = None,
    device: Annotated[str, typer.Option(help="auto (cuda when available), cpu or cuda.")] = "auto",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="A dataset parameter, e.g. --set path=data.npz (repeatable)."),
    ] = None,
    inception: Annotated[
        bool,
        typer.Option(
            "--inception", help="Add FID and KID in Inception-v3 features (natural images; the fid extra)."
        ),
    ] = False,
    inception_weights: Annotated[
        Path | None,
        typer.Option(
            help="Inception weights file \\[default: torch-fidelity's file in torch hub's cache; never "
            "downloaded].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score samples from any GAN code with a dataset's metrics and protocol (modes, FD, PRDC, …)."""
    from ganbench.cli.evaluate_cmd import run_evaluate

    run_evaluate(
        console,
        err_console,
        dataset,
        samples,
        as_json,
        n_samples,
        key,
        device,
        set_ or [],
        inception or inception_weights is not None,
        inception_weights,
    )


@app.command()
def report(
    experiments: Annotated[
        list[str] | None,
        typer.Argument(help="MLflow experiment names (a spec's name, e.g. default); all when omitted."),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Report folder (default reports/<experiment>/; with several: OUT/<experiment>/)."),
    ] = None,
) -> None:
    """Write a comparison report (index.html, summary.md, results.csv, figures) from the MLflow runs."""
    with stopping_on_signals():
        try:  # the import inside: a signal while it loads (seconds) is said too, not a silent 130
            from ganbench.cli.report_cmd import run_report

            code = run_report(console, experiments or [], tracking_uri, out)
        except KeyboardInterrupt as exc:
            err_console.print(
                f"ganbench: report stopped by {signal_name(exc)}; the report being written was discarded "
                "and any earlier report in its folder is untouched.",
                highlight=False,
            )
            raise typer.Exit(exit_code(exc)) from None
    raise typer.Exit(code)


@app.command()
def literature(
    experiments: Annotated[
        list[str] | None,
        typer.Argument(help="Literature experiments (e.g. pacgan_ring); every published one in the store."),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
    ] = None,
    published: Annotated[Path, typer.Option(help="Published values to compare with.")] = Path(
        "experiments/literature/published.yaml"
    ),
    out: Annotated[Path, typer.Option(help="Folder for literature.md and literature.csv.")] = Path(
        "reports/literature"
    ),
) -> None:
    """Published mode-collapse results beside ours (mean ± sd, 95 % t interval, inside or not)."""
    from ganbench.cli.literature_cmd import run_literature

    run_literature(console, experiments or [], tracking_uri, published, out)


@app.command()
def ui(
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535, envvar="UI_PORT")] = 5000,
) -> None:
    """Serve the MLflow UI over the store (what `make ui` runs) and print each experiment's runs link."""
    from ganbench.cli.ui_cmd import run_ui

    raise typer.Exit(run_ui(console, tracking_uri, host, port))


def main() -> None:
    """Console-script entry point: user errors → exit code 2 with one clear paragraph; failed
    training (a plugin raised, a worker died) → exit code 1 with one paragraph. A command that a stop
    signal ended (130, 143) ends within a grace period, whatever the interpreter's exit waits on
    (:func:`~ganbench.experiment.interrupts.end_within_grace`)."""
    try:
        _run()
    except SystemExit as exc:
        if exc.code in STOP_EXIT_CODES:
            end_within_grace(exc.code)
        raise


def _run() -> None:
    try:
        app()
    except GanbenchError as exc:
        # escaped: a message may hold brackets ("pip install -e '.[fid]'") that rich would take as markup
        err_console.print(f"[bold red]ganbench:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except WorkFailed as exc:
        err_console.print(f"[bold red]ganbench:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt as exc:  # a second signal while the first one's message was printed
        sys.exit(exit_code(exc))
    except Exception as exc:
        full = full_disk(exc, [resolve_uri(None), os.environ.get("GANBENCH_STORAGE", "")])
        if full is None:
            raise
        err_console.print(f"[bold red]ganbench:[/] {escape(full)}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
