"""`convergence`: which way each configuration's quality went when the budget ran out."""

import math

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, Verdict, reports
from ganbench.metrics.convergence import (
    ALPHA,
    ALSO_TESTED,
    REL_TOL,
    WINDOW,
    WORSE,
    convergence_note,
    trend_counts,
)
from ganbench.report.quality import label, quality
from ganbench.report.stats import number
from ganbench.report.trends import CONVERGED, TREND, run_trends

IMPROVEMENT = "stability/late_improvement"


@reports.register("convergence")
class Convergence(ReportSection):
    """Per dataset, one row per configuration: how many seeds had settled, were still improving, got
    worse, or could not be tested by the plateau test on the primary quality metric, the
    high-quality share and the Fréchet distance (``ganbench.metrics.convergence``), which metric got
    worse from what to what, and the median late improvement. A note per dataset — and one over all
    data when there are several datasets — says plainly when most runs had not converged (final
    values then understate what the configurations reach) or got worse."""

    title = "Convergence"
    order = 45

    def applies_to(self, data):
        return CONVERGED in data.complete.columns

    def skip_reason(self, data):
        return "no run recorded a convergence test (runs logged before ganbench recorded one)"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            result.verdicts.append(
                Verdict(convergence_note(run_trends(runs), f"on {dataset}, "), "note", dataset, CONVERGED)
            )
            primary = data.primary_metric(dataset)
            tested = [primary] + [k for k in ALSO_TESTED if k != primary and k in data.final_metrics(dataset)]
            result.tables.append(self._table(runs, data, dataset, [k for k in tested if k]))
        if len(data.datasets()) > 1:
            overall = convergence_note(run_trends(data.complete))
            result.verdicts.append(Verdict(overall, "note", None, CONVERGED))
        return result

    def _table(self, runs, data, dataset, tested):
        rows, run_ids = [], []
        trends = run_trends(runs)
        for config, group in runs.groupby("configuration", sort=False):
            settled, improving, worse, unknown = trend_counts(trends[group.index])
            late = group[IMPROVEMENT].dropna() if IMPROVEMENT in group else pd.Series(dtype=float)
            rows.append(
                {
                    "configuration": config,
                    "seeds": len(group),
                    "settled": settled,
                    "still improving": improving,
                    "got worse": worse,
                    "unknown": unknown,
                    "what got worse (fitted, window start → end)": _worse(group, tested, data, dataset),
                    "late improvement (median)": f"{late.median():+.1%}" if len(late) else "–",
                }
            )
            run_ids.append(list(group["run_id"]))
        names = ", ".join(label(k, data, dataset) for k in tested) or "the quality metrics"
        return ReportTable(
            title=f"{dataset}: which way {names} went at the end",
            frame=pd.DataFrame(rows),
            caption=(
                f"Plateau test over each run's last {WINDOW} evaluations of each metric: a least-squares "
                f"line through them; a metric is still improving when its rise over the window exceeds "
                f"{REL_TOL:.0%} of its level and the one-sided slope test gives p < {ALPHA:g}, got worse "
                "when its fall does the same, settled otherwise; a run got worse when any metric did (a "
                "collapsing run sharpens the modes it keeps), else is still improving when any metric is, "
                "else settled; unknown with fewer than "
                f"{WINDOW} finite evaluations or for a diverged seed. What got worse: the fitted line's "
                "values at the window's first and last evaluation, mean over the seeds where that "
                "metric got worse. Late improvement: the largest rise relative to the level (+ is better)."
            ),
            dataset=dataset,
            runs=run_ids,
        )


def _worse(group: pd.DataFrame, tested: list[str], data=None, dataset=None) -> str:
    """``Fréchet distance 270 → 768 (2 seeds)`` for each tested metric that got worse in some seed."""
    parts = []
    for key in tested:
        trend = group.get(f"{TREND}/{key}")
        if trend is None:
            continue
        down = group[trend == WORSE]
        if down.empty:
            continue
        q = quality(key)
        scale = q.scale if q else 1.0
        unit = " %" if scale == 100 else ""
        start = down.get(f"stability/late_from/{key}", pd.Series(math.nan)).mean()
        end = down.get(f"stability/late_to/{key}", pd.Series(math.nan)).mean()
        parts.append(
            f"{label(key, data, dataset)} {number(start, scale)}{unit} → {number(end, scale)}{unit} "
            f"({len(down)} seed{'s' if len(down) > 1 else ''})"
        )
    return "; ".join(parts) or "–"
