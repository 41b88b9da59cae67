"""The ReportSection contract: one part of a comparison report (figures, tables, verdicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ganbench.contracts.params import Params

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from ganbench.contracts.report_data import ReportData


@dataclass(frozen=True)
class ReportFigure:
    """A saved figure: its file (relative to the report folder), a caption, the dataset it shows."""

    path: str
    caption: str
    dataset: str | None = None


@dataclass(frozen=True)
class ReportTable:
    """A table of numbers read from MLflow. ``runs`` gives, per row of ``frame``, the run ids the
    row's numbers come from (empty when the row is not backed by runs)."""

    title: str
    frame: pd.DataFrame
    caption: str = ""
    dataset: str | None = None
    runs: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    """A plain-words conclusion. ``kind`` is ``"separated"`` when a test carries a difference (then
    ``winner`` and ``loser`` name configurations), ``"tentative"`` for the same with fewer than five
    seeds a side (never shown as a finding), ``"no clear difference"`` when it does not, or
    ``"note"`` for a statement of fact (e.g. how many seeds diverged)."""

    text: str
    kind: str
    dataset: str | None = None
    metric: str | None = None
    winner: str | None = None
    loser: str | None = None


@dataclass
class SectionResult:
    """What a section returns: figures (already saved), tables, verdicts and notes (plain text)."""

    figures: list[ReportFigure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class SectionContext:
    """Where a section saves its figures: ``figures/<section>-<name>.png`` under the report folder."""

    def __init__(self, report_dir: Path, section: str, dpi: int = 110) -> None:
        self.report_dir = Path(report_dir)
        self.section = section
        self.dpi = dpi
        self._names: set[str] = set()

    def figure_path(self, name: str) -> tuple[Path, str]:
        """Reserve ``figures/<section>-<name>.png``: (absolute path, path relative to the report).
        For sections that write an image file themselves; names must be unique within a section."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.section}-{name}").strip("_")
        if slug in self._names:
            raise ValueError(f"section {self.section!r} saved two figures named {name!r}")
        self._names.add(slug)
        relative = f"figures/{slug}.png"
        target = self.report_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, relative

    def save_figure(self, fig: Figure, name: str, caption: str, dataset: str | None = None) -> ReportFigure:
        """Write ``fig`` as PNG (then close it) and return its reference."""
        import matplotlib.pyplot as plt

        try:
            target, relative = self.figure_path(name)
            fig.savefig(target, dpi=self.dpi, bbox_inches="tight")
        finally:
            plt.close(fig)
        return ReportFigure(relative, caption, dataset)


class ReportSection:
    """One section of a comparison report, computed from MLflow data only.

    A section is built with its validated ``Params`` (none by default) and asked, per report,

    - ``applies_to(data)``: whether it has anything to show for this experiment (a samples gallery
      needs sample artifacts; a tuning section needs a study) — a section that does not apply is
      listed in the report as skipped, with ``skip_reason(data)``;
    - ``build(data, ctx)``: given the tidy tables of :class:`~ganbench.contracts.report_data.ReportData`
      (``data.complete``: one row per finished (configuration, seed) run with its tags, parameters
      and final metrics; ``data.curves(names)``: metric histories; ``data.artifact(run_id, path)``)
      return a :class:`SectionResult` with figures saved through ``ctx.save_figure``, tables,
      verdicts and notes.

    Rules every section follows (the contract tests check them on synthetic runs): it reads nothing
    but ``data`` (never MLflow or training state directly), so every number traces to run ids; it
    copes with partial results — a configuration with one seed, diverged seeds (non-finite values),
    a dataset without known modes — by saying so instead of failing; every figure has a caption,
    a title and labelled axes; it is deterministic.

    Register an implementation with ``@reports.register("name")`` in a file under
    ``registry/reports/``; ``order`` places it in the report (lower first) and ``title`` heads it.
    """

    title: ClassVar[str] = ""
    order: ClassVar[int] = 100

    class Params(Params):
        pass

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    def applies_to(self, data: ReportData) -> bool:
        """Whether this section has something to show for ``data`` (default: some complete run)."""
        return len(data.complete) > 0

    def skip_reason(self, data: ReportData) -> str:
        """Why the section does not apply (shown in the report)."""
        return "no complete (configuration, seed) runs" if data.complete.empty else "nothing to show"

    def build(self, data: ReportData, ctx: SectionContext) -> SectionResult:
        """Figures, tables, verdicts and notes for ``data``."""
        raise NotImplementedError
