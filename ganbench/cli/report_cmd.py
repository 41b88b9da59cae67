"""``ganbench report``: connect to the store, check the experiment names and report folders, write
one report each — into a staging folder moved into place, so that a report is whole or absent."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from rich.console import Console

from ganbench.errors import GanbenchError
from ganbench.experiment.interrupts import shielded
from ganbench.report.build import write_report
from ganbench.tracking.load import experiment_names, find_experiment, load
from ganbench.tracking.tracker import Tracker, resolve_uri
from ganbench.validation import clip

DEFAULT_ROOT = Path("reports")


def run_report(console: Console, experiments: list[str], tracking_uri: str | None, out: Path | None) -> int:
    """Write ``reports/<experiment>/`` (or ``out`` for a single experiment, ``out/<experiment>`` for
    several) for each experiment — every ganbench experiment in the store when none is named.
    Returns the exit code: 0, or 1 when a report section failed (the rest of the report is written)."""
    require_sqlite_file(resolve_uri(tracking_uri))
    tracker = Tracker.connect(tracking_uri)
    names = experiments or [n for n in experiment_names(tracker) if n != "Default"]
    if not names:
        raise GanbenchError(
            f"the MLflow store at {tracker.shown} holds no experiment yet; run `ganbench benchmark SPEC` "
            "(or `make benchmark`) first."
        )
    folders = {}
    for name in names:  # every name and folder is checked before anything is written
        find_experiment(tracker, name)
        folders[name] = out if (out is not None and len(names) == 1) else (out or DEFAULT_ROOT) / name
        check_folder_name(folders[name], name)
    code = 0
    for name in names:
        folder = folders[name]
        with tempfile.TemporaryDirectory(prefix="ganbench-report-") as tmp:
            data = load(tracker, name, Path(tmp))
            report = write_atomically(data, folder)
        n_figures = sum(len(s.result.figures) for s in report.sections if s.result)
        n_verdicts = sum(len(s.result.verdicts) for s in report.sections if s.result)
        console.print(
            f"[bold]{name}[/]: {report.status.headline} Wrote {folder / 'index.html'} "
            f"({_count(n_figures, 'figure')}, {_count(n_verdicts, 'verdict')}), {folder / 'summary.md'} and "
            f"{folder / 'results.csv'} ({report.rows} rows).",
            highlight=False,
        )
        for section in report.failed:
            console.print(f"[bold red]section {section.name} failed:[/] {section.error}", highlight=False)
            code = 1
    return code


#: Longest report folder name: file systems allow 255 bytes, and the folder's staging twin adds some.
MAX_FOLDER_NAME = 200


def check_folder_name(folder: Path, name: str) -> None:
    """A report folder named after an experiment whose name is too long for a file name (an
    experiment made by other tools than ganbench) is refused before anything is written."""
    if len(folder.name.encode()) > MAX_FOLDER_NAME:
        raise GanbenchError(
            f"the experiment {clip(name, quoted=True)} has a name of {len(name.encode()):,} bytes, too "
            f"long for a folder name (at most {MAX_FOLDER_NAME}); write its report elsewhere with "
            "--out FOLDER."
        )


def write_atomically(data, folder: Path):
    """Write the report into a staging folder beside ``folder`` and move it into place, so that a
    report is never half-written: an interrupted or failed one leaves the earlier report there
    untouched (and no staging folder behind)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.writing-{os.getpid()}")
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    try:
        report = write_report(data, staging)
        with shielded():  # the swap is two renames: a signal must not land between them
            if folder.exists():
                folder.rename(old)
            staging.rename(folder)
    except BaseException:
        with shielded():
            if old.exists() and not folder.exists():
                old.rename(folder)
            shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    report.out = folder
    return report


def _count(n: int, noun: str) -> str:
    """``1 figure``, ``2 figures``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def require_sqlite_file(uri: str) -> None:
    """A report reads a store; for an embedded SQLite store that does not exist, say so instead of
    letting MLflow create an empty one."""
    if not uri.startswith("sqlite:///"):
        return
    path = Path(uri[len("sqlite:///") :])
    if str(path) != ":memory:" and not path.exists():
        raise GanbenchError(
            f"there is no MLflow store at {uri} ({path.resolve()} does not exist). Run `make benchmark` "
            "(or `ganbench benchmark SPEC`) first, or point --tracking-uri at the store that holds the runs."
        )
