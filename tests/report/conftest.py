"""Fixtures for report tests: the shared quick benchmark store (tests/tracking) and report helpers."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from tracking.conftest import quick_store  # noqa: F401 — one real benchmark store per test session


def write_report(store: Path, experiment: str, out: Path, sections: list[str] | None = None) -> int:
    """Write the report of ``store``/mlflow.db in this process: through ``ganbench report``'s own
    function (every section), or only the named ``sections`` (faster); returns the exit code."""
    uri = f"sqlite:///{store}/mlflow.db"
    if sections is None:
        from ganbench.cli.report_cmd import run_report

        return run_report(Console(width=200, record=True), [experiment], uri, out)
    from ganbench.report.build import write_report as build
    from ganbench.tracking.load import load
    from ganbench.tracking.tracker import Tracker

    with tempfile.TemporaryDirectory() as tmp:
        report = build(load(Tracker.connect(uri), experiment, Path(tmp)), out, sections)
    return 1 if report.failed else 0
