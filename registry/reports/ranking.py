"""`ranking`: configurations ranked per dataset with 95 % intervals, the reference rows, and the verdicts."""

import math

import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.report.quality import KNOWN, headline_keys, label, quality, verdict_metrics
from ganbench.report.reference_rows import NAMES, beats_noise, references, summarise
from ganbench.report.standing import COVERED, HIGH_QUALITY, Standing, standing
from ganbench.report.stats import INTERVAL_NOTE, number, ranked, shared_ranks, with_interval
from ganbench.report.verdicts import collapse_note, divergence_note, verdict

NOISE_LEVEL = " (noise level)"


@reports.register("ranking")
class Ranking(ReportSection):
    """Per dataset, one row per configuration, best first by the dataset's primary quality metric:
    seeds, the share that did not diverge, mean [95 % interval] of every rankable final metric, late
    oscillation, gradient evaluations and training time; then the reference rows (what the data
    itself and uniform noise over its range score). Only configurations that are neither collapsed
    nor noise-like (``ganbench.report.standing``) and better than noise on the primary metric get a
    rank; the others follow, with the reason. Verdicts compare the best configuration with the
    others on the primary and the core quality metrics (modes covered; high-quality share among the
    configurations covering the most modes; Fréchet distance — never crediting a collapsed or a
    noise-like configuration, nor one no better than noise on the metric; see
    ``ganbench.report.verdicts``), and say how many seeds diverged."""

    title = "Ranking"
    order = 10

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            available = data.final_metrics(dataset)
            checked = verdict_metrics(data.primary_metric(dataset), available, data, dataset)
            where = standing(data, dataset)
            for q in checked:
                result.verdicts += self._verdicts(data, dataset, q, where)
            result.verdicts += [v for v in (where.note(), where.missing_noise_note()) if v is not None]
            result.verdicts.append(divergence_note(data.for_dataset(dataset), dataset))
            rank_by = checked[0].key if checked else None
            result.tables.append(self._table(data, dataset, rank_by, available, where))
        return result

    def _verdicts(self, data, dataset, q, where: Standing):
        summary = summarise(data, dataset, q.final)
        refs = references(data, dataset, q.final)
        if q.key == COVERED:  # how collapse shows: every configuration may lose, no noise-like one wins
            return [
                verdict(
                    summary,
                    q,
                    dataset,
                    left_out=dict.fromkeys(where.noise_like, "noise-like"),
                    refs=refs,
                    everyone_loses=True,
                )
            ]
        if q.key == HIGH_QUALITY and where.most_modes is not None:
            covered = summarise(data, dataset, KNOWN[COVERED].final)
            modes = covered.set_index("configuration")["mean"]
            found = verdict(
                summary,
                q,
                dataset,
                where.most_modes,
                modes,
                left_out=dict.fromkeys(where.noise_like, "noise-like"),
                refs=refs,
                everyone_loses=True,
            )
            note = collapse_note(summary, covered, where.most_modes, q, dataset)
            return [found] + ([note] if note is not None else [])
        return [verdict(summary, q, dataset, left_out=where.left_out, refs=refs)]

    def _table(self, data, dataset, rank_by, available, where: Standing):
        runs = data.for_dataset(dataset)
        q_rank = quality(rank_by) if rank_by else None
        base = summarise(data, dataset, q_rank.final if q_rank else "train_seconds")
        noise = references(data, dataset, q_rank.final).get("noise") if q_rank else None
        order = ranked(base, q_rank) if q_rank else base
        why = []
        for _, row in order.iterrows():
            tag = where.tag(row["configuration"])
            if not tag and q_rank and not beats_noise(row, noise, q_rank.higher_is_better):
                tag = f"not shown better than noise on {q_rank.label}"
            why.append(tag)
        order = order.assign(_why=why)
        order = pd.concat([order[order["_why"] == ""], order[order["_why"] != ""]], ignore_index=True)
        n_ranked = int((order["_why"] == "").sum())
        ranks = (
            shared_ranks(order["mean"].iloc[:n_ranked], q_rank.higher_is_better)
            if q_rank
            else list(range(1, n_ranked + 1))
        )
        configs = list(order["configuration"])
        refs_rows = self._reference_rows(data, dataset)
        columns = {
            "rank": [str(r) for r in ranks] + ["–"] * (len(order) - n_ranked) + ["ref"] * len(refs_rows),
            "configuration": configs + [r["label"] for r in refs_rows.values()],
            "seeds": [str(n) for n in order["n"]] + [f"{r['draws']} draws" for r in refs_rows.values()],
            "not diverged": [f"{r:.0%}" for r in order["success_rate"]] + ["–"] * len(refs_rows),
        }
        for key in [*headline_keys(available), "stability/oscillation"]:
            q = quality(key)
            column_key = f"final/{key}" if key in available else key
            stats = summarise(data, dataset, column_key).set_index("configuration")
            refs = references(data, dataset, column_key)
            scale = q.scale if q else 1.0
            cells = []
            for c in configs:
                shown = with_interval(stats.loc[c], scale)
                if q and "noise" in refs and not beats_noise(stats.loc[c], refs["noise"], q.higher_is_better):
                    shown += NOISE_LEVEL
                cells.append(shown)
            cells += [with_interval(refs[k], scale) if k in refs else "–" for k in refs_rows]
            columns[label(key, data, dataset) + " mean [95% CI]"] = cells
        grouped = runs.assign(evals=runs["d_grad_evals"] + runs["g_grad_evals"]).groupby("configuration")
        dash = ["–"] * len(refs_rows)
        columns["D+G grad evals per run"] = [number(grouped["evals"].mean()[c]) for c in configs] + dash
        columns["train s (cell)"] = [number(grouped["train_seconds"].max()[c]) for c in configs] + dash
        columns["standing"] = list(order["_why"]) + ["reference"] * len(refs_rows)
        ranked_by = (
            label(rank_by, data, dataset) if rank_by else "(no quality metric; in configuration order)"
        )
        return ReportTable(
            title=f"{dataset}: ranking by {ranked_by}",
            frame=pd.DataFrame(columns),
            caption=self._caption(data, dataset, refs_rows, q_rank),
            dataset=dataset,
            runs=[list(r) for r in order["run_ids"]] + [r["run_ids"] for r in refs_rows.values()],
        )

    @staticmethod
    def _reference_rows(data, dataset) -> dict:
        """kind → {label, draws, run_ids} of the dataset's reference rows (in table order)."""
        refs = data.references_for(dataset)
        out = {}
        for kind in NAMES:
            mine = refs[refs["reference"] == kind] if not refs.empty else refs
            if len(mine):
                out[kind] = {
                    "label": mine["configuration"].iloc[0],
                    "draws": len(mine),
                    "run_ids": list(mine["run_id"]),
                }
        return out

    @staticmethod
    def _caption(data, dataset, refs_rows, q_rank) -> str:
        text = (
            f"mean over seeds [{INTERVAL_NOTE}]; equal means share a rank; only configurations that are "
            "neither collapsed nor noise-like, and better than uniform noise on the ranking metric, get a "
            "rank (the others follow, 'standing' says why); '(noise level)': not better than the uniform-"
            "noise reference on that metric; 'not diverged': share of seeds whose training stayed finite "
            "(a diverged seed counts as a failure); train s: wall time of the configuration's lockstep "
            "training (all seeds at once)."
        )
        if refs_rows:
            refs = data.references_for(dataset, "noise")
            noise_how = refs.get("param.reference.description", pd.Series(dtype=object)).dropna()
            text += (
                " Reference rows ('ref'): what the data itself scores and what a structureless generator "
                "scores, with the same metrics and sample count"
                + (f" (noise: {noise_how.iloc[0]})" if len(noise_how) else "")
                + "."
            )
            if q_rank is not None and q_rank.key == COVERED:
                chance = references(data, dataset, q_rank.final).get("noise")
                if chance is not None and math.isfinite(chance["mean"]):
                    text += (
                        f" Chance level of modes covered: uniform noise covers {with_interval(chance)} "
                        "modes (a mode counts as covered with one high-quality sample)."
                    )
        else:
            text += (
                " No reference rows were recorded for this dataset (runs made before ganbench scored them)."
            )
        return text
