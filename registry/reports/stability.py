"""`stability`: peak-to-final drop and late oscillation of the primary quality metric; divergence."""

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.report.quality import STABILITY, label
from ganbench.report.reference_rows import summarise
from ganbench.report.spread import spread_figure
from ganbench.report.standing import standing
from ganbench.report.stats import number
from ganbench.report.verdicts import verdict

KEYS = ("stability/peak_to_final_drop", "stability/oscillation")


@reports.register("stability")
class Stability(ReportSection):
    """Per dataset: how much of its best value each seed lost by the end of training (peak-to-final
    drop, |best − final|) and how much the primary quality metric still moved over the last quarter
    of evaluations (late oscillation: its standard deviation there) — box and seeds per configuration,
    verdicts (Welch, Holm) among the configurations that are neither collapsed nor noise-like (a dead
    run does not oscillate; ``ganbench.report.standing``) — and a table of diverged seeds."""

    title = "Stability"
    order = 60

    def applies_to(self, data):
        return any(data.has_metric(k) for k in KEYS) or bool(data.complete["diverged"].any())

    def skip_reason(self, data):
        return "no run logged stability figures"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            primary = data.primary_metric(dataset)
            named = label(primary, data, dataset) if primary else ""
            of = f" of {named}" if primary else ""
            keys = [k for k in KEYS if data.has_metric(k, dataset)]
            if keys:
                panels = [(k, f"{STABILITY[k].label}{of}", 1.0, "lower is steadier") for k in keys]
                where = standing(data, dataset)
                fig = spread_figure(
                    runs,
                    data.configurations(dataset),
                    panels,
                    f"{dataset}: stability per seed",
                    tags=where.left_out,
                )
                result.figures.append(
                    ctx.save_figure(
                        fig,
                        dataset,
                        f"{dataset}: peak-to-final drop = |best − final| of the primary quality metric"
                        f"{f' ({named})' if primary else ''}; late oscillation = its standard "
                        "deviation over the last quarter of evaluations (with few: the last two). "
                        "One dot per seed. A collapsed or noise-like configuration is steady because "
                        "nothing moves: no verdict credits it.",
                        dataset,
                    )
                )
                for key in keys:
                    summary = summarise(data, dataset, key)
                    result.verdicts.append(verdict(summary, STABILITY[key], dataset, left_out=where.left_out))
            diverged = runs[runs["diverged"]]
            if not diverged.empty:
                step = diverged.get("stability/diverged_step", pd.Series(float("nan"), index=diverged.index))
                frame = pd.DataFrame(
                    {
                        "configuration": diverged["configuration"],
                        "seed": diverged["seed"],
                        "first non-finite step": [number(s) for s in step],
                        "reason": diverged["failure_reason"],
                    }
                )
                result.tables.append(
                    ReportTable(
                        f"{dataset}: diverged seeds",
                        frame.reset_index(drop=True),
                        "A diverged seed is frozen at its first non-finite loss; it counts as a failure.",
                        dataset,
                        [[r] for r in diverged["run_id"]],
                    )
                )
            else:
                result.notes.append(f"{dataset}: no seed diverged.")
        return result
