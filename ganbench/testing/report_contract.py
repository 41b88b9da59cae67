"""The ReportSection contract, as checks any registered report section must pass.

Each check builds the section on synthetic, deliberately partial data
(:func:`ganbench.testing.report_data.contract_runs`) and looks at what it returns and writes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ganbench import registry
from ganbench.contracts.report import ReportSection, SectionContext, SectionResult, Verdict
from ganbench.contracts.report_data import ReportData
from ganbench.report.figures import style
from ganbench.testing.report_data import contract_runs, reference_frame, synthetic_data, synthetic_trials

KINDS = {"separated", "tentative", "no clear difference", "note"}


class CheckingContext(SectionContext):
    """A SectionContext that checks every figure before saving it: each visible plot has a title
    (its own or the figure's) and labelled axes (colour bars excepted)."""

    def save_figure(self, fig, name, caption, dataset=None):
        suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
        for ax in fig.axes:
            if not ax.get_visible() or hasattr(ax, "_colorbar"):
                continue
            assert ax.get_title() or suptitle, f"{self.section}/{name}: a plot without a title"
            assert ax.get_xlabel(), (
                f"{self.section}/{name}: a plot without an x-axis label ({ax.get_title()!r})"
            )
            shares_y = any(ax.get_shared_y_axes().joined(ax, other) for other in fig.axes if other is not ax)
            assert ax.get_ylabel() or shares_y, f"{self.section}/{name}: a plot without a y-axis label"
        return super().save_figure(fig, name, caption, dataset)


def contract_data(folder: Path) -> ReportData:
    """The synthetic data every section is checked on (benchmark runs and one tuning study), with
    reference rows on ``ring`` and none on ``blobs`` (a store recorded before references)."""
    data = synthetic_data(contract_runs(), Path(folder) / "artifacts", trials=synthetic_trials())
    data.references = reference_frame(
        "ring",
        {
            "real": {
                "modes/covered": [8.0] * 5,
                "modes/high_quality": [0.99, 0.98, 0.99, 0.99, 0.98],
                "frechet/fd": [0.001, 0.002, 0.001, 0.001, 0.002],
            },
            "noise": {
                "modes/covered": [4.0, 5.0, 3.0, 4.0, 4.0],
                "modes/high_quality": [0.004, 0.006, 0.005, 0.005, 0.004],
                "frechet/fd": [0.027, 0.026, 0.028, 0.027, 0.027],
            },
        },
        {"modes/covered": (0.0, 8.0), "modes/high_quality": (0.0, 1.0), "frechet/fd": (0.0, float("inf"))},
    )
    return data


def build(name: str, data: ReportData, out: Path) -> SectionResult | None:
    """Build the registered section ``name`` on ``data`` (None when it says it does not apply)."""
    style()
    cls = registry.reports.get(name)
    section = cls(cls.Params())
    assert isinstance(section, ReportSection), f"{name}: not a ReportSection"
    if not section.applies_to(data):
        assert section.skip_reason(data), f"{name}: does not apply but gives no reason"
        return None
    result = section.build(data, CheckingContext(out, name))
    assert isinstance(result, SectionResult), f"{name}: build() must return a SectionResult"
    return result


def check_builds_on_partial_data(name: str, folder: Path) -> None:
    """On partial data (a diverged seed, a single-seed configuration, an unfinished run, a dataset
    without modes) the section builds; its figures are PNG files under ``figures/`` with captions,
    titles and axis labels; no figure is left open; tables name only real runs, one list per row;
    verdicts are :class:`Verdict` s of a known kind whose configurations exist."""
    data = contract_data(folder)
    out = Path(folder) / "report"
    open_before = set(plt.get_fignums())
    result = build(name, data, out)
    assert set(plt.get_fignums()) == open_before, f"{name}: left matplotlib figures open"
    if result is None:
        return
    known_runs = set(data.runs["run_id"]) | set(data.trials.get("run_id", []))
    known_runs |= set(data.references.get("run_id", []))  # the reference rows' runs
    configs = set(data.complete["configuration"])
    for fig in result.figures:
        assert fig.path.startswith("figures/") and fig.path.endswith(".png"), (
            f"{name}: figure path {fig.path}"
        )
        image = plt.imread(out / fig.path)
        assert image.shape[0] > 50 and image.shape[1] > 50, f"{name}: {fig.path} is (nearly) empty"
        assert fig.caption.strip(), f"{name}: {fig.path} has no caption"
    assert len({f.path for f in result.figures}) == len(result.figures), f"{name}: two figures, one file"
    for table in result.tables:
        assert isinstance(table.frame, pd.DataFrame) and table.title, (
            f"{name}: a table needs a frame and title"
        )
        if table.runs:
            assert len(table.runs) == len(table.frame), f"{name}: {table.title}: one run list per row"
            unknown = {r for ids in table.runs for r in ids} - known_runs
            assert not unknown, f"{name}: {table.title} names runs that do not exist: {unknown}"
    for verdict in result.verdicts:
        assert isinstance(verdict, Verdict) and verdict.text.strip(), f"{name}: verdicts are Verdict objects"
        assert verdict.kind in KINDS, f"{name}: verdict kind {verdict.kind!r} not in {KINDS}"
        if verdict.kind in ("separated", "tentative"):
            assert {verdict.winner, verdict.loser} <= configs, f"{name}: verdict names unknown configurations"
    assert all(isinstance(n, str) and n for n in result.notes), f"{name}: notes are non-empty strings"


def check_deterministic(name: str, folder: Path) -> None:
    """Two builds on the same data give the same verdicts, notes, tables and figure files."""
    results = [build(name, contract_data(Path(folder) / str(i)), Path(folder) / f"out{i}") for i in (0, 1)]
    if results[0] is None:
        assert results[1] is None, f"{name}: applies_to is not deterministic"
        return
    first, second = results
    assert [v.text for v in first.verdicts] == [v.text for v in second.verdicts], f"{name}: verdicts differ"
    assert first.notes == second.notes, f"{name}: notes differ"
    assert [f.path for f in first.figures] == [f.path for f in second.figures], f"{name}: figures differ"
    for a, b in zip(first.tables, second.tables, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame, obj=f"{name}: table {a.title!r}")
