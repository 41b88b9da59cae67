"""What a written report holds: the data, each section's outcome, status and provenance (what
``build`` assembles and ``html`` / ``markdown`` render)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ganbench.contracts.report import SectionResult
from ganbench.contracts.report_data import ReportData
from ganbench.report.provenance import Provenance
from ganbench.report.status import Status


@dataclass
class SectionOutcome:
    """One section in a report: its result, or why it was skipped, or the error it raised."""

    name: str
    title: str
    result: SectionResult | None = None
    skipped: str = ""
    error: str = ""


@dataclass
class Report:
    """Everything rendered into a report's files."""

    data: ReportData
    out: Path
    status: Status
    provenance: Provenance
    sections: list[SectionOutcome] = field(default_factory=list)
    rows: int = 0  # rows of results.csv

    @property
    def failed(self) -> list[SectionOutcome]:
        """Sections that raised."""
        return [s for s in self.sections if s.error]
