"""`budget`: what each configuration cost (gradient evaluations, wall time) against what it reached."""

import matplotlib.pyplot as plt
import numpy as np

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.curves import reference_lines
from ganbench.report.figures import facet_grid, loss_palette, suptitle
from ganbench.report.quality import quality
from ganbench.report.reference_rows import levels, summarise
from ganbench.report.spread import REFERENCE_STYLE
from ganbench.report.standing import standing

MARKERS = "osD^vP*Xh<>"


@reports.register("budget")
class Budget(ReportSection):
    """Per dataset, one point per configuration: x = discriminator + generator gradient evaluations
    per run (mean over seeds; schedules spend the same generator budget very differently), y = the
    mean final primary quality metric with its 95 % interval (BCa bootstrap from 5 seeds, Student t
    below); colour = loss, marker = schedule. A second panel plots the same against the
    configuration's training wall time."""

    title = "Compute budget"
    order = 80

    def applies_to(self, data):
        return data.has_metric("d_grad_evals") and data.has_metric("g_grad_evals")

    def skip_reason(self, data):
        return "no run logged its gradient evaluations"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            q = quality(data.primary_metric(dataset) or "", data, dataset)
            if q is None or not data.has_metric(q.final, dataset):
                result.notes.append(f"{dataset}: no rankable primary quality metric; no budget figure.")
                continue
            stats = summarise(data, dataset, q.final).set_index("configuration")
            marks = {k: v * q.scale for k, v in levels(data, dataset, [q.final]).get(q.final, {}).items()}
            tags = standing(data, dataset).left_out
            cost = runs.assign(evals=runs["d_grad_evals"] + runs["g_grad_evals"]).groupby("configuration")
            stats["evals"] = cost["evals"].mean()
            stats["seconds"] = cost["train_seconds"].max()
            palette = loss_palette(list(stats["loss_label"].unique()))
            schedules = sorted(stats["schedule_label"].unique())
            marker = {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(schedules)}
            fig, axes = facet_grid(2, max_columns=2, height=3.6, width=4.6)
            for ax, x, xlabel in (
                (axes[0], "evals", "D + G gradient evaluations per run"),
                (axes[1], "seconds", "training wall time of the configuration (s)"),
            ):
                shifted = _dodge(stats[x])
                for config, row in stats.iterrows():
                    low = row["mean"] - row["ci_low"] if np.isfinite(row["ci_low"]) else 0.0
                    high = row["ci_high"] - row["mean"] if np.isfinite(row["ci_high"]) else 0.0
                    ax.errorbar(
                        shifted[config],
                        row["mean"] * q.scale,
                        yerr=[[low * q.scale], [high * q.scale]],
                        fmt=marker[row["schedule_label"]],
                        color=palette[row["loss_label"]],
                        ms=7,
                        capsize=3,
                    )
                reference_lines(ax, marks)
                for config, row in stats.iterrows():
                    if tags.get(config) and np.isfinite(row["mean"]):
                        ax.annotate(
                            tags[config],
                            (shifted[config], row["mean"] * q.scale),
                            fontsize=7,
                            xytext=(4, 4),
                            textcoords="offset points",
                            color="#555555",
                        )
                ax.set_xlabel(xlabel)
                ax.set_ylabel(f"{q.label} (mean, 95% CI)")
                ax.set_title(f"{q.label} against {'gradient evaluations' if x == 'evals' else 'wall time'}")
            handles = [
                plt.Line2D([], [], marker="o", ls="", color=c, label=loss) for loss, c in palette.items()
            ]
            handles += [plt.Line2D([], [], marker=m, ls="", color="grey", label=s) for s, m in marker.items()]
            handles += [plt.Line2D([], [], **REFERENCE_STYLE[k]) for k in marks]
            fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False, fontsize=8)
            suptitle(fig, f"{dataset}: quality for compute")
            result.figures.append(
                ctx.save_figure(
                    fig,
                    dataset,
                    f"{dataset}: one point per configuration; colour = loss, marker = schedule; error bars = "
                    "95 % interval over seeds (BCa bootstrap from 5 seeds, Student t below, inside the "
                    "metric's range); "
                    "configurations of equal cost are spread sideways a little so that none hides "
                    "another. Wall time is the lockstep training of all seeds. Horizontal lines: what "
                    "real data (dashed) and uniform noise (dotted) score; collapsed and noise-like "
                    "configurations are labelled so.",
                    dataset,
                )
            )
        return result


def _dodge(x):
    """``x`` with equal values spread apart by up to ±3 % of the axis range, in row order."""
    span = (x.max() - x.min()) or abs(x.max()) or 1.0
    out = x.astype(float).copy()
    for _, same in x.groupby(x):
        n = len(same)
        for k, index in enumerate(same.index):
            out[index] += (k - (n - 1) / 2) * 0.06 * span / max(n - 1, 1)
    return out
