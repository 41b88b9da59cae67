"""`mode_collapse`: loss × schedule heatmaps of modes covered, high-quality share and Fréchet distance."""

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.figures import facet_grid, heatmap, suptitle
from ganbench.report.quality import CORE, quality
from ganbench.report.reference_rows import NAMES, beats_noise, references, summarise
from ganbench.report.standing import standing
from ganbench.report.stats import number


@reports.register("mode_collapse")
class ModeCollapse(ReportSection):
    """Per dataset, one annotated heatmap per core quality metric that was logged (modes covered,
    high-quality share, Fréchet distance): rows are losses, columns schedules, each cell the mean over
    the configuration's finite seeds (n under the value). In the verdicts' own sense: a cell no
    verdict may credit on that metric — collapsed, noise-like, or no better than uniform noise on it
    (``ganbench.report.standing``) — is grey with the reason, and the colours span the other cells
    and the reference rows (marked on the colour bar), so the brightest cell is never a collapsed
    or a noise-like one. Figures only; the verdicts are in `ranking`."""

    title = "Mode collapse and sample quality"
    order = 20

    def applies_to(self, data):
        return any(set(CORE) & set(data.final_metrics(d)) for d in data.datasets())

    def skip_reason(self, data):
        return "no run logged modes covered, high-quality share or Fréchet distance"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            keys = [k for k in CORE if k in data.final_metrics(dataset)]
            if not keys:
                result.notes.append(f"{dataset}: no mode or Fréchet metric was logged.")
                continue
            where = standing(data, dataset)
            losses = sorted(runs["loss_label"].unique())
            schedules = sorted(runs["schedule_label"].unique())
            columns = 3 if len(schedules) <= 3 else 2  # room for the schedule names under each column
            width = max(4.6, 1.25 * len(schedules) + 1.9)
            fig, axes = facet_grid(
                len(keys), max_columns=columns, height=0.75 * len(losses) + 2.3, width=width
            )
            for ax, key in zip(axes, keys, strict=True):
                q = quality(key, data, dataset)
                refs = references(data, dataset, q.final)
                stats = summarise(data, dataset, q.final).set_index("configuration")
                reason = {}
                for config, row in stats.iterrows():
                    reason[config] = where.tag(config) or (
                        "noise level"
                        if "noise" in refs and not beats_noise(row, refs["noise"], q.higher_is_better)
                        else ""
                    )
                values = runs.assign(
                    v=runs[q.final] * q.scale, why=runs["configuration"].map(reason).fillna("")
                )
                means = values.pivot_table("v", "loss_label", "schedule_label", aggfunc="mean", dropna=False)
                counts = values.pivot_table(
                    "v", "loss_label", "schedule_label", aggfunc="count", dropna=False
                )
                why = values.pivot_table("why", "loss_label", "schedule_label", aggfunc="first", dropna=False)
                means = means.reindex(index=losses, columns=schedules)
                counts = counts.reindex(index=losses, columns=schedules).fillna(0).astype(int)
                why = why.reindex(index=losses, columns=schedules).fillna("")
                marks = {NAMES[k]: float(r["mean"]) * q.scale for k, r in refs.items()}
                better = "higher" if q.higher_is_better else "lower"
                heatmap(
                    ax,
                    means,
                    f"{q.label} ({better} is better)",
                    number,
                    q.higher_is_better,
                    counts,
                    why,
                    marks,
                )
            suptitle(fig, f"{dataset}: final quality, mean over seeds")
            n_seeds = int(runs.groupby("configuration").size().max())
            result.figures.append(
                ctx.save_figure(
                    fig,
                    f"heatmaps-{dataset}",
                    f"{dataset}: mean final value per loss (rows) and schedule (columns) over up to "
                    f"{n_seeds} seeds; n = seeds with a finite value; blank: no complete run. "
                    "Colour: brighter is better, over the cells a verdict may credit; grey: collapsed, "
                    "noise-like, or no better than uniform noise on that metric ('noise level'). Dashed "
                    "marks on each colour bar: what real data and uniform noise score.",
                    dataset,
                )
            )
        return result
