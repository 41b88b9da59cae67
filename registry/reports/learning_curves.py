"""`learning_curves`: quality against generator updates, mean and band over seeds (MLflow history)."""

import pandas as pd

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.curves import band_plot, by_schedule_figure, reference_lines
from ganbench.report.quality import verdict_metrics
from ganbench.report.reference_rows import curve_levels


@reports.register("learning_curves")
class LearningCurves(ReportSection):
    """Per dataset and quality metric (the primary one and the core ones that were logged), one panel
    per schedule with a line per loss: the mean over seeds at each evaluation, the band from the lowest
    to the highest seed. Read from the metrics' MLflow histories (step = generator updates). The
    reference lines are those scored on the curve points' sample count where the references recorded
    it (``curve_samples`` below the final evaluation's), else the final ones; the caption says which."""

    title = "Learning curves"
    order = 40

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            metrics = verdict_metrics(
                data.primary_metric(dataset), data.final_metrics(dataset), data, dataset
            )
            if not metrics:
                result.notes.append(f"{dataset}: no quality metric history to draw.")
                continue
            for q in metrics:
                curves = data.curves([q.key])
                curves = curves[curves["dataset"] == dataset].assign(
                    value=lambda f, s=q.scale: f["value"] * s
                )
                if curves.empty:
                    result.notes.append(f"{dataset}: no history of {q.label} was logged.")
                    continue
                better = "higher" if q.higher_is_better else "lower"
                marks, n_marks = curve_levels(data, dataset, q.key)

                def draw(ax, frame, q=q, marks=marks):
                    band_plot(ax, frame, hue="loss_label", ylabel=q.label)
                    reference_lines(ax, {k: v * q.scale for k, v in marks.items()})

                fig = by_schedule_figure(
                    curves, draw, f"{dataset}: {q.label} during training ({better} is better)"
                )
                n_points = int(curves.groupby("run_id").size().max())
                result.figures.append(
                    ctx.save_figure(
                        fig,
                        f"{q.key}-{dataset}",
                        f"{dataset}: {q.label} at each evaluation ({n_points} per run) against generator "
                        "updates; line: mean over seeds, band: lowest to highest seed"
                        + (_reference_note(n_marks, _curve_count(data, dataset)) if marks else "."),
                        dataset,
                    )
                )
        return result


def _curve_count(data, dataset: str) -> int | None:
    """The fewest samples the dataset's runs score at their curve points (``curve_samples``), or
    None where they set none."""
    runs = data.for_dataset(dataset)
    counts = pd.to_numeric(runs.get("param.curve_samples", pd.Series(dtype=object)), errors="coerce").dropna()
    return int(counts.min()) if len(counts) else None


def _reference_note(n_marks: int | None, n_curve: int | None) -> str:
    """What the reference lines are, and on how many samples they were scored."""
    text = "; horizontal lines: what real data (dashed) and uniform noise (dotted) score"
    if n_marks is None:
        return text + "."
    if n_curve is not None and n_curve < n_marks:  # a store scored before curve references existed
        return text + (
            f" on {n_marks:,} samples, the final evaluation's count: the curve points score "
            f"{n_curve:,}, so sample-count-dependent metrics may not reach the real-data line."
        )
    return text + f" on {n_marks:,} samples, the curve points' count."
