"""`ranking_budget`: would the ranking be the same with half the budget? (MLflow histories)"""

import math

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, Verdict, reports
from ganbench.metrics.convergence import mostly_improving, trend_counts
from ganbench.report.budget_ranking import compare_checkpoints
from ganbench.report.quality import quality
from ganbench.report.stats import number
from ganbench.report.trends import run_trends

MIN_CONFIGURATIONS = 3
"""Configurations a ranking needs before its agreement across the budget says anything."""


@reports.register("ranking_budget")
class RankingBudget(ReportSection):
    """Per dataset, the configurations ranked by the mean over seeds of the primary quality metric at
    the last evaluation every configuration reached (the budget, B) and at the evaluation nearest
    B/2, with Kendall's τ-b between the two rankings. The ranking counts as settled when the leader
    at B/2 is among the leaders at B, τ ≥ 0.6, at least three configurations are ranked, and most
    runs were not still improving at B (the convergence section's test); otherwise more updates may
    still reorder it. With one evaluation per run there is nothing to compare: evaluate at least at
    B/2 too."""

    title = "Ranking across the budget"
    order = 47

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            q = quality(data.primary_metric(dataset) or "", data, dataset)
            if q is None:
                result.notes.append(f"{dataset}: no rankable primary quality metric.")
                continue
            curves = data.curves([q.key])
            check = compare_checkpoints(curves[curves["dataset"] == dataset], q.higher_is_better)
            if check is None:
                result.notes.append(
                    f"{dataset}: each configuration has fewer than two evaluations in common, so the "
                    "ranking cannot be compared across the budget (evaluate at half the budget too)."
                )
                continue
            half, full = (f"{s:,} updates" for s in (check.half_step, check.full_step))
            frame = pd.DataFrame(
                {
                    "configuration": check.table["configuration"],
                    f"rank at {half}": check.table["rank_half"],
                    f"mean at {half}": [number(v, q.scale) for v in check.table["mean_half"]],
                    f"rank at {full}": check.table["rank_full"],
                    f"mean at {full}": [number(v, q.scale) for v in check.table["mean_full"]],
                }
            )
            result.tables.append(
                ReportTable(
                    f"{dataset}: {q.label}, ranked at {half} and at {full}",
                    frame,
                    f"Mean over seeds at each evaluation (rank 1 = best; ties share a rank). "
                    f"Kendall's τ-b between the two rankings: {check.tau:.2f}.",
                    dataset,
                    runs=check.table["run_ids"].tolist(),
                )
            )
            trends = run_trends(data.for_dataset(dataset))
            text = _verdict_text(dataset, q.label, check, half, full, trends)
            result.verdicts.append(Verdict(text, "note", dataset, q.key))
        return result


def _verdict_text(dataset, label, check, half, full, trends) -> str:
    """The budget line, never at odds with the convergence section: a ranking of fewer than
    :data:`MIN_CONFIGURATIONS` settles nothing, and one whose runs were mostly still improving is
    not called settled however well it agrees with the one at B/2."""
    leaders = ", ".join(check.leaders_full)
    n = len(check.table)
    if n < MIN_CONFIGURATIONS:
        return (
            f"on {dataset}, only {n} configurations are ranked by {label}: Kendall τ between two "
            f"rankings of {n} can only be ±1 (or undefined), so this says nothing about whether the "
            f"budget is long enough (it takes {MIN_CONFIGURATIONS} or more)."
        )
    if not math.isfinite(check.tau):
        return (
            f"on {dataset}, the ranking by {label} at {half} cannot be compared with the one at {full}: "
            "Kendall τ is undefined (every configuration has the same mean at one of the two points), "
            "so this says nothing about whether the budget is long enough."
        )
    settled, improving, worse, unknown = trend_counts(trends)
    if check.settled and mostly_improving(trends):
        return (
            f"on {dataset}, the ranking by {label} at {full} agrees with the one at {half} "
            f"(Kendall τ = {check.tau:.2f}; leader: {leaders}), but {improving} of "
            f"{settled + improving + worse + unknown} runs were still improving at {full}, so the "
            "ranking may still change: the budget is not shown to be long enough — try twice the updates."
        )
    if check.settled:
        return (
            f"on {dataset}, the ranking by {label} at {full} agrees with the one at {half} "
            f"(Kendall τ = {check.tau:.2f}; leader: {leaders}): the budget looks long enough for "
            "this ranking."
        )
    return (
        f"on {dataset}, the ranking by {label} changed between {half} and {full} (Kendall "
        f"τ = {check.tau:.2f}; leader at {half}: {', '.join(check.leaders_half)}; at {full}: "
        f"{leaders}): the budget may be too short for a settled ranking — try twice the updates."
    )
