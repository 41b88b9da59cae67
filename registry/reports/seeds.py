"""`seeds`: box plots with every seed as a dot, per configuration and quality metric."""

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.quality import verdict_metrics
from ganbench.report.reference_rows import levels
from ganbench.report.spread import spread_figure
from ganbench.report.standing import standing


@reports.register("seeds")
class Seeds(ReportSection):
    """Per dataset, the spread over seeds: for the primary and the core quality metrics, a box
    (quartiles) per configuration with each seed's final value drawn as a dot, coloured by loss;
    seeds that diverged are drawn as red crosses at their logged value (when finite)."""

    title = "Spread over seeds"
    order = 30

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            metrics = verdict_metrics(
                data.primary_metric(dataset), data.final_metrics(dataset), data, dataset
            )
            if not metrics:
                result.notes.append(f"{dataset}: no rankable quality metric was logged.")
                continue
            panels = [
                (q.final, q.label, q.scale, f"{'higher' if q.higher_is_better else 'lower'} is better")
                for q in metrics
            ]
            fig = spread_figure(
                runs,
                data.configurations(dataset),
                panels,
                f"{dataset}: final value per seed",
                tags=standing(data, dataset).left_out,
                references=levels(data, dataset, [q.final for q in metrics]),
            )
            n_bad = int(runs["diverged"].sum())
            result.figures.append(
                ctx.save_figure(
                    fig,
                    f"box-{dataset}",
                    f"{dataset}: each dot is one seed's final value (one MLflow run), the box its quartiles"
                    + (f"; red crosses: {n_bad} diverged seed(s)" if n_bad else "; no seed diverged")
                    + "; vertical lines: what real data (dashed) and uniform noise (dotted) score, where "
                    "recorded; (collapsed), (noise-like): configurations no verdict credits.",
                    dataset,
                )
            )
        return result
