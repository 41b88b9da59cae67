"""Write one experiment's report: run every registered section, then ``results.csv``, ``summary.md``
and ``index.html`` into the report folder (files are written under temporary names and renamed, so
a reader never sees half a report)."""

from __future__ import annotations

import inspect
import shutil
import traceback
from pathlib import Path

from ganbench import registry
from ganbench.contracts.report import ReportSection, SectionContext
from ganbench.contracts.report_data import ReportData
from ganbench.experiment.interrupts import stop_behind
from ganbench.report.document import Report, SectionOutcome
from ganbench.report.figures import style
from ganbench.report.html import render_html
from ganbench.report.markdown import render_markdown
from ganbench.report.provenance import provenance
from ganbench.report.results_csv import write_csv
from ganbench.report.status import status


def ordered_sections(names: list[str] | None = None) -> list[tuple[str, type[ReportSection]]]:
    """Registered sections (or the ``names`` among them), by ``order`` then name."""
    entries = [(e.name, e.obj) for e in registry.reports.entries() if names is None or e.name in names]
    return sorted(entries, key=lambda item: (item[1].order, item[0]))


def run_section(name: str, cls: type[ReportSection], data: ReportData, out: Path) -> SectionOutcome:
    """Build one section; a section that raises is recorded with the line of its own file where it
    failed (or the deepest line, when the section's file is not in the traceback) — unless a stop
    signal stands behind the error or is still due (raised inside a library that turned it into
    another error or swallowed it): the stop goes on, as an :class:`Interrupted`."""
    section = cls(cls.Params())
    outcome = SectionOutcome(name, cls.title or name)
    try:
        if not section.applies_to(data):
            outcome.skipped = section.skip_reason(data)
            return outcome
        outcome.result = section.build(data, SectionContext(out, name))
    except Exception as exc:  # one broken section must not take the report down
        stop = stop_behind(exc)
        if stop is not None:  # but a stop signal that came out of a library as another error, does
            raise stop from exc
        frames = traceback.extract_tb(exc.__traceback__)
        own = [f for f in frames if f.filename == inspect.getfile(cls)]  # the section file's own line
        where = (own or frames)[-1]
        outcome.error = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}, line {where.lineno})"
    return outcome


def write_report(data: ReportData, out: Path, sections: list[str] | None = None) -> Report:
    """Build every section and write ``results.csv``, ``summary.md``, ``index.html`` and
    ``figures/`` into ``out`` (figures of an earlier report there are replaced)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "figures", ignore_errors=True)
    style()
    report = Report(data, out, status(data), provenance(data))
    report.sections = [run_section(name, cls, data, out) for name, cls in ordered_sections(sections)]
    report.rows = len(write_csv(data, _partial(out / "results.csv")))
    _partial(out / "summary.md").write_text(render_markdown(report), encoding="utf-8")
    _partial(out / "index.html").write_text(render_html(report), encoding="utf-8")
    for name in ("results.csv", "summary.md", "index.html"):
        _partial(out / name).replace(out / name)
    return report


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")
