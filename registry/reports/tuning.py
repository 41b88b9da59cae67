"""`tuning`: budget curves of tuning studies — the expected best objective after k trials."""

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.report.figures import facet_grid, loss_palette, suptitle
from ganbench.report.quality import label as metric_label
from ganbench.report.quality import scale_of
from ganbench.report.stats import number
from ganbench.tuning.budget import expected_best


@reports.register("tuning")
class Tuning(ReportSection):
    """For an experiment written by ``ganbench tune``: per study (one configuration whose
    hyper-parameters were searched), the expected best value of the first objective after k trials,
    k = 1 … n, with a 95 % band — a bootstrap over the study's trial runs in MLflow (Lucic et al.
    2018, Fig. 4; :func:`ganbench.tuning.budget.expected_best`). A completed trial scores its logged
    ``objective/<metric>``, a pruned one the last ``intermediate/<metric>`` value the pruner saw;
    failed trials are left out. A table gives each study's trials, its best trial and the settings
    that trial sampled; a share is shown in percent, as everywhere in ganbench."""

    title = "Tuning budget"
    order = 90

    def applies_to(self, data):
        return not data.trials.empty and bool(data.trials["complete"].any())

    def skip_reason(self, data):
        return "no tuning study (`ganbench tune`) in this experiment"

    def build(self, data, ctx):
        result = SectionResult()
        trials = data.trials[data.trials["complete"]]
        curves, rows, runs = [], [], []
        for study, group in trials.groupby("study", sort=True):
            direction, _, metric = str(group["objective"].iloc[0]).partition(" ")
            metric = metric.split(" (")[0]
            if direction not in ("maximize", "minimize") or not metric:
                result.notes.append(f"study {study}: no readable objective tag; no budget curve.")
                continue
            scores = _scores(group, metric)
            if scores.empty:
                result.notes.append(f"study {study}: no completed or pruned trial has a score yet.")
                continue
            curve = expected_best(scores["score"].to_numpy(), maximize=direction == "maximize")
            scale = scale_of(metric)
            curve[["expected_best", "low", "high"]] *= scale
            curves.append(
                curve.assign(label=group["label"].iloc[0], dataset=group["dataset"].iloc[0], metric=metric)
            )
            best = scores.loc[
                scores["score"].idxmax() if direction == "maximize" else scores["score"].idxmin()
            ]
            counts = group["state"].value_counts()
            rows.append(
                {
                    "study": study,
                    "configuration": group["label"].iloc[0],
                    "objective": f"{direction} {metric}",
                    "trials (complete / pruned / failed)": " / ".join(
                        str(int(counts.get(s, 0))) for s in ("complete", "pruned", "failed")
                    ),
                    "best score" + (" (%)" if scale == 100 else ""): number(best["score"], scale),
                    "best trial": int(best["number"]) if pd.notna(best["number"]) else "–",
                    "its settings": _settings(group[group["run_id"] == best["run_id"]]),
                }
            )
            runs.append([best["run_id"]])
        if rows:
            result.tables.append(
                ReportTable(
                    "Tuning studies",
                    pd.DataFrame(rows),
                    "Best score among scored trials (a pruned trial scores the last value it reported), "
                    "and the settings that trial sampled; every trial is a row of results.csv.",
                    None,
                    runs,
                )
            )
        if curves:
            result.figures.append(self._figure(pd.concat(curves, ignore_index=True), ctx))
        return result

    def _figure(self, curves, ctx):
        datasets = sorted(curves["dataset"].unique())
        fig, axes = facet_grid(len(datasets), max_columns=3, height=3.4, width=4.6)
        colours = loss_palette(list(curves["label"].unique()))
        for ax, dataset in zip(axes, datasets, strict=True):
            for label, curve in curves[curves["dataset"] == dataset].groupby("label", sort=True):
                ax.plot(
                    curve["k"], curve["expected_best"], marker="o", ms=3, color=colours[label], label=label
                )
                ax.fill_between(
                    curve["k"], curve["low"], curve["high"], color=colours[label], alpha=0.18, lw=0
                )
            ax.set_xlabel("trials spent (k)")
            metrics = curves.loc[curves["dataset"] == dataset, "metric"].unique()
            ax.set_ylabel("expected best " + (metric_label(metrics[0]) if len(metrics) == 1 else "objective"))
            ax.set_title(dataset)
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False)
        suptitle(fig, "Tuning budget: expected best after k trials")
        return ctx.save_figure(
            fig,
            "budget-curves",
            "Expected best objective value after k trials (bootstrap over each study's scored trials), "
            "95 % band. A curve still rising at the last k means the tuning budget was too small.",
        )


def _settings(trial: pd.DataFrame) -> str:
    """``d_optimizer.lr = 0.00265, g_optimizer.lr = 0.000368`` from a trial's ``param.*`` columns."""
    if trial.empty:
        return "–"
    row = trial.iloc[0]
    parts = []
    for column in sorted(c for c in trial.columns if c.startswith("param.")):
        value = row[column]
        try:
            shown = number(float(value))
        except (TypeError, ValueError):
            shown = str(value)
        parts.append(f"{column.removeprefix('param.')} = {shown}")
    return ", ".join(parts) or "–"


def _scores(group: pd.DataFrame, metric: str) -> pd.DataFrame:
    """run_id, number, score for each completed or pruned trial with a finite score."""
    objective = group.get(f"objective/{metric}", pd.Series(float("nan"), index=group.index))
    intermediate = group.get(f"intermediate/{metric}", pd.Series(float("nan"), index=group.index))
    score = objective.where(group["state"] == "complete", intermediate.where(group["state"] == "pruned"))
    frame = pd.DataFrame({"run_id": group["run_id"], "number": group["number"], "score": score})
    return frame[frame["score"].notna()]
