"""`ranking`: configurations ranked per dataset with 95 % intervals, and the verdicts."""

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.report.quality import KNOWN, headline_keys, label, quality, verdict_metrics
from ganbench.report.stats import INTERVAL_NOTE, by_configuration, number, ranked, shared_ranks, with_interval
from ganbench.report.verdicts import collapse_note, compare, divergence_note, verdict

COVERED, HIGH_QUALITY = "modes/covered", "modes/high_quality"


@reports.register("ranking")
class Ranking(ReportSection):
    """Per dataset, one row per configuration, best first by the dataset's primary quality metric:
    seeds, the share that did not diverge, mean [95 % interval] of every rankable final metric, late
    oscillation, gradient evaluations and training time; equal means share a rank. Verdicts compare
    the best configuration with the others on the primary and the core quality metrics (modes
    covered, high-quality share — only among the configurations covering the most modes —, Fréchet
    distance; see ``ganbench.report.verdicts``), and say how many seeds diverged."""

    title = "Ranking"
    order = 10

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            available = data.final_metrics(dataset)
            checked = verdict_metrics(data.primary_metric(dataset), available, data, dataset)
            covered = by_configuration(runs, KNOWN[COVERED].final) if COVERED in available else None
            most_modes = compare(covered, KNOWN[COVERED]) if covered is not None else None
            for q in checked:
                summary = by_configuration(runs, q.final)
                if q.key == HIGH_QUALITY and most_modes is not None:
                    modes = covered.set_index("configuration")["mean"]
                    result.verdicts.append(verdict(summary, q, dataset, most_modes.not_beaten, modes))
                    note = collapse_note(summary, covered, most_modes.not_beaten, q, dataset)
                    result.verdicts += [note] if note is not None else []
                else:
                    result.verdicts.append(verdict(summary, q, dataset))
            result.verdicts.append(divergence_note(runs, dataset))
            result.tables.append(
                self._table(data, runs, dataset, checked[0].key if checked else None, available)
            )
        return result

    def _table(self, data, runs, dataset, rank_by, available):
        keys = headline_keys(available)
        base = by_configuration(runs, f"final/{rank_by}" if rank_by else "train_seconds")
        order = ranked(base, quality(rank_by)) if rank_by else base
        frame = pd.DataFrame(
            {
                "rank": shared_ranks(order["mean"], quality(rank_by).higher_is_better)
                if rank_by
                else range(1, len(order) + 1),
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
            column = label(key, data, dataset) + " mean [95% CI]"
            frame[column] = [
                with_interval(stats.loc[c], q.scale if q else 1.0) for c in order["configuration"]
            ]
        per_run = runs.assign(evals=runs["d_grad_evals"] + runs["g_grad_evals"])
        grouped = per_run.groupby("configuration")
        frame["D+G grad evals per run"] = [number(grouped["evals"].mean()[c]) for c in order["configuration"]]
        frame["train s (cell)"] = [number(grouped["train_seconds"].max()[c]) for c in order["configuration"]]
        ranked_by = (
            label(rank_by, data, dataset) if rank_by else "(no quality metric; in configuration order)"
        )
        return ReportTable(
            title=f"{dataset}: ranking by {ranked_by}",
            frame=frame,
            caption=(
                f"mean over seeds [{INTERVAL_NOTE}]; equal means share a rank; 'not diverged': share of "
                "seeds whose training stayed finite (a diverged seed counts as a failure); train s: wall "
                "time of the configuration's lockstep training (all seeds at once)."
            ),
            dataset=dataset,
            runs=[list(r) for r in order["run_ids"]],
        )
