"""`ranking`: configurations ranked per dataset with bootstrap 95 % intervals, and the verdicts."""

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.report.quality import headline_keys, label, quality, verdict_metrics
from ganbench.report.stats import by_configuration, number, ranked, with_interval
from ganbench.report.verdicts import divergence_note, verdict


@reports.register("ranking")
class Ranking(ReportSection):
    """Per dataset, one row per configuration, best first by the dataset's primary quality metric:
    seeds, the share that did not diverge, mean [95 % bootstrap interval] of every rankable final
    metric, late oscillation, gradient evaluations and training time. Verdicts compare the best
    configuration with the others on the primary and the core quality metrics (modes covered,
    high-quality share, Fréchet distance), and say how many seeds diverged."""

    title = "Ranking"
    order = 10

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            available = data.final_metrics(dataset)
            checked = verdict_metrics(data.primary_metric(dataset), available)
            for q in checked:
                result.verdicts.append(verdict(by_configuration(runs, q.final), q, dataset))
            result.verdicts.append(divergence_note(runs, dataset))
            result.tables.append(self._table(runs, dataset, checked[0].key if checked else None, available))
        return result

    def _table(self, runs, dataset, rank_by, available):
        keys = headline_keys(available)
        base = by_configuration(runs, f"final/{rank_by}" if rank_by else "train_seconds")
        order = ranked(base, quality(rank_by)) if rank_by else base
        frame = pd.DataFrame(
            {
                "rank": range(1, len(order) + 1),
                "configuration": order["configuration"],
                "seeds": order["n"],
                "not diverged": [f"{r:.0%}" for r in order["success_rate"]],
            }
        )
        for key in [*keys, "stability/oscillation"]:
            q = quality(key)
            stats = by_configuration(runs, f"final/{key}" if key in available else key).set_index(
                "configuration"
            )
            column = label(key) + " mean [95% CI]"
            frame[column] = [
                with_interval(stats.loc[c], q.scale if q else 1.0) for c in order["configuration"]
            ]
        per_run = runs.assign(evals=runs["d_grad_evals"] + runs["g_grad_evals"])
        grouped = per_run.groupby("configuration")
        frame["D+G grad evals per run"] = [number(grouped["evals"].mean()[c]) for c in order["configuration"]]
        frame["train s (cell)"] = [number(grouped["train_seconds"].max()[c]) for c in order["configuration"]]
        ranked_by = label(rank_by) if rank_by else "(no quality metric; in configuration order)"
        return ReportTable(
            title=f"{dataset}: ranking by {ranked_by}",
            frame=frame,
            caption=(
                "mean over seeds [BCa bootstrap 95 % interval of the mean]; 'not diverged': share of seeds "
                "whose training stayed finite (a diverged seed counts as a failure); train s: wall time of "
                "the configuration's lockstep training (all seeds at once)."
            ),
            dataset=dataset,
            runs=[list(r) for r in order["run_ids"]],
        )
