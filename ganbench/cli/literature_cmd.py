"""``ganbench literature``: published results beside ours, read from MLflow, printed and written to
``reports/literature/`` (``literature.md``, ``literature.csv``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from ganbench.cli.report_cmd import require_sqlite_file
from ganbench.errors import GanbenchError
from ganbench.report.literature import HEADER, display_rows, literature_rows, to_markdown
from ganbench.report.published import DEFAULT_PATH, load_published
from ganbench.tracking.load import experiment_names, find_experiment, load
from ganbench.tracking.tracker import Tracker, resolve_uri
from ganbench.tracking.ui_links import browse_hint, runs_link

DEFAULT_OUT = Path("reports") / "literature"


def run_literature(
    console: Console,
    experiments: list[str],
    tracking_uri: str | None,
    published_path: Path = DEFAULT_PATH,
    out: Path = DEFAULT_OUT,
) -> pd.DataFrame:
    """Compare each named experiment (default: every published one the store holds) with its published
    rows; print the table and the MLflow links, write it as markdown and CSV under ``out``."""
    published = load_published(published_path)
    uri = resolve_uri(tracking_uri)
    require_sqlite_file(uri)
    tracker = Tracker.connect(tracking_uri)
    in_store = set(experiment_names(tracker))
    names = experiments or [n for n in published.experiments if n in in_store]
    unknown = [n for n in names if n not in published.experiments]
    if unknown or not names:
        raise GanbenchError(
            f"{published_path} has no published values for {', '.join(unknown) or 'any experiment in'}"
            f" {'' if unknown else uri}; it has: {', '.join(published.experiments)}. Run "
            "`make literature` (or `ganbench benchmark experiments/literature/NAME.yaml`) first."
        )
    tables, links = [], {}
    for name in names:
        experiment_id = find_experiment(tracker, name)
        links[name] = runs_link(uri, experiment_id)
        with tempfile.TemporaryDirectory(prefix="ganbench-literature-") as tmp:
            tables.append(literature_rows(load(tracker, name, Path(tmp)), published.experiments[name]))
    table = pd.concat(tables, ignore_index=True)
    show = Table(*HEADER, title="Ours beside theirs (published sd over runs; ours: sd and 95 % t interval)")
    for cells in display_rows(table):
        show.add_row(*cells)
    console.print(show)
    out.mkdir(parents=True, exist_ok=True)
    (out / "literature.md").write_text(to_markdown(table, links))
    table.assign(run_ids=table["run_ids"].map(" ".join)).to_csv(out / "literature.csv", index=False)
    console.print(f"Wrote {out / 'literature.md'} and {out / 'literature.csv'}.", highlight=False)
    for name in names:
        console.print(browse_hint(uri, name, find_experiment(tracker, name)), soft_wrap=True)
    return table
