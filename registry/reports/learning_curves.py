"""`learning_curves`: quality against generator updates, mean and band over seeds (MLflow history)."""

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.curves import band_plot, by_schedule_figure, reference_lines
from ganbench.report.quality import verdict_metrics
from ganbench.report.reference_rows import levels


@reports.register("learning_curves")
class LearningCurves(ReportSection):
    """Per dataset and quality metric (the primary one and the core ones that were logged), one panel
    per schedule with a line per loss: the mean over seeds at each evaluation, the band from the lowest
    to the highest seed. Read from the metrics' MLflow histories (step = generator updates)."""

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
                marks = levels(data, dataset, [q.final]).get(q.final, {})

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
                        + (
                            "; horizontal lines: what real data (dashed) and uniform noise (dotted) score."
                            if marks
                            else "."
                        ),
                        dataset,
                    )
                )
        return result
