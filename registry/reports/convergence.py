"""`convergence`: whether each configuration's runs were still improving when the budget ran out."""

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, Verdict, reports
from ganbench.metrics.convergence import (
    ALPHA,
    ALSO_TESTED,
    REL_TOL,
    WINDOW,
    convergence_counts,
    convergence_note,
)
from ganbench.report.quality import label

CONVERGED, IMPROVEMENT = "stability/converged", "stability/late_improvement"


@reports.register("convergence")
class Convergence(ReportSection):
    """Per dataset, one row per configuration: how many seeds had converged, were still improving, or
    could not be tested by the plateau test on the primary quality metric, the high-quality share and
    the Fréchet distance (``ganbench.metrics.convergence``), and the median late improvement. A note
    per dataset — and one over all data when there are several datasets — says plainly when most runs
    had not converged: their final values then understate what the configurations reach."""

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
                Verdict(convergence_note(runs[CONVERGED], f"on {dataset}, "), "note", dataset, CONVERGED)
            )
            primary = data.primary_metric(dataset)
            tested = [primary] + [k for k in ALSO_TESTED if k != primary and k in data.final_metrics(dataset)]
            result.tables.append(self._table(runs, dataset, [label(k, data, dataset) for k in tested if k]))
        if len(data.datasets()) > 1:
            overall = convergence_note(data.complete[CONVERGED])
            result.verdicts.append(Verdict(overall, "note", None, CONVERGED))
        return result

    def _table(self, runs, dataset, tested):
        rows, run_ids = [], []
        for config, group in runs.groupby("configuration", sort=False):
            done, improving, unknown = convergence_counts(group[CONVERGED])
            late = group[IMPROVEMENT].dropna() if IMPROVEMENT in group else pd.Series(dtype=float)
            rows.append(
                {
                    "configuration": config,
                    "seeds": len(group),
                    "converged": done,
                    "still improving": improving,
                    "unknown": unknown,
                    "late improvement (median)": f"{late.median():+.1%}" if len(late) else "–",
                }
            )
            run_ids.append(list(group["run_id"]))
        return ReportTable(
            title=f"{dataset}: convergence of {', '.join(tested) or 'the quality metrics'}",
            frame=pd.DataFrame(rows),
            caption=(
                f"Plateau test over each run's last {WINDOW} evaluations of each metric: a least-squares "
                f"line through them; a metric is still improving when its rise over the window exceeds "
                f"{REL_TOL:.0%} of its level and the one-sided slope test gives p < {ALPHA:g}; a run "
                "is still improving when any metric is, converged otherwise "
                f"(plateaued or getting worse); unknown with fewer than {WINDOW} finite evaluations or "
                "for a diverged seed. Late improvement: the largest rise relative to the level (+ is "
                "better)."
            ),
            dataset=dataset,
            runs=run_ids,
        )
