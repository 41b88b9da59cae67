"""`remedies`: each remedy against the plain configuration it modifies — what it buys against mode
collapse, and what it costs in sample quality and compute.

A spec's ``variants`` name each cell's setting set (the label's last part: ``modified_minimax +
alternating(d_steps=1) + pacgan2``). Per dataset, every configuration that shares its loss and
schedule with a baseline configuration (the variant named by ``baseline``, ``gan`` by default) is
compared with it on each logged quality metric (modes covered, high-quality share, reverse KL,
Fréchet distance): Welch's t-test of the per-seed values, Holm-corrected over all the remedy ×
metric comparisons of the dataset (so the chance of any false claim on a dataset stays at 5 %).
Its cost is its mean training time per run (``train_seconds``, wall clock, shared machines make it
noisy) and its discriminator gradient evaluations per generator update, each as a multiple of the
baseline's. With fewer than five seeds a side a difference is only *tentative*.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import seaborn as sns

from ganbench.api import Field, Params, ReportSection, ReportTable, SectionResult, Verdict, reports
from ganbench.report.figures import facet_grid, suptitle, wrap
from ganbench.report.quality import Quality, quality
from ganbench.report.stats import MIN_SEEDS_FOR_FINDING, number
from ganbench.report.verdicts import ALPHA, NO_CLEAR_DIFFERENCE, SEPARATED, TENTATIVE, holm, welch_p

METRICS = ("modes/covered", "modes/high_quality", "modes/kl", "frechet/fd")


def split(configuration: str) -> tuple[str, str]:
    """``loss + schedule + variant`` → (``loss + schedule``, ``variant``)."""
    head, _, variant = configuration.rpartition(" + ")
    return head, variant


def pairs(runs: pd.DataFrame, baseline: str) -> list[tuple[str, str]]:
    """(baseline configuration, remedy configuration) pairs among ``runs``' configurations."""
    configs = list(dict.fromkeys(runs["configuration"]))
    bases = {split(c)[0]: c for c in configs if split(c)[1] == baseline}
    return [(bases[split(c)[0]], c) for c in configs if split(c)[0] in bases and c != bases[split(c)[0]]]


def _values(runs: pd.DataFrame, config: str, column: str) -> np.ndarray:
    if column not in runs:
        return np.array([])
    v = runs.loc[runs["configuration"] == config, column].to_numpy(dtype=float)
    return v[np.isfinite(v)]


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def _per_g_update(runs: pd.DataFrame, config: str) -> float:
    mine = runs[runs["configuration"] == config]
    if not {"d_grad_evals", "g_grad_evals"} <= set(mine):
        return math.nan
    g = mine["g_grad_evals"].to_numpy(dtype=float)
    d = mine["d_grad_evals"].to_numpy(dtype=float)
    ok = g > 0
    return float(np.mean(d[ok] / g[ok])) if ok.any() else math.nan


def _ratio(a: float, b: float) -> str:
    return "–" if not (math.isfinite(a) and math.isfinite(b) and b > 0) else f"{a / b:.2g}×"


@reports.register("remedies")
class Remedies(ReportSection):
    """Per dataset: a table and a figure of each remedy beside its baseline, and one verdict per
    remedy saying what it changed (Holm-corrected Welch tests) and at what cost."""

    title = "Remedies against mode collapse"
    order = 15

    class Params(Params):
        baseline: str = Field("gan", description="the variant every other one is compared with")

    def _pairs(self, data) -> dict[str, list[tuple[str, str]]]:
        return {d: p for d in data.datasets() if (p := pairs(data.for_dataset(d), self.params.baseline))}

    def applies_to(self, data):
        return bool(self._pairs(data))

    def skip_reason(self, data):
        return (
            f"no configuration has a '{self.params.baseline}' variant to compare remedies with "
            "(a spec's `variants`, e.g. experiments/remedies.yaml)"
        )

    def build(self, data, ctx):
        result = SectionResult()
        for dataset, found in self._pairs(data).items():
            runs = data.for_dataset(dataset)
            metrics = [
                q
                for k in METRICS
                if (q := quality(k, data, dataset)) and q.final in runs and runs[q.final].notna().any()
            ]
            result.tables.append(self._table(runs, found, metrics, dataset))
            result.verdicts += self._verdicts(runs, found, metrics, dataset)
            result.figures.append(self._figure(runs, found, metrics, dataset, ctx))
        result.notes.append(
            "Each remedy is compared with the configuration it modifies (same loss, schedule and data), "
            f"by Welch's t-test of the per-seed final values, Holm-corrected over every remedy × metric "
            f"comparison of the dataset (α = {ALPHA}); with fewer than {MIN_SEEDS_FOR_FINDING} seeds a "
            "side a difference is tentative. Cost: mean training wall time per run (noisy on shared "
            "machines) and discriminator gradient evaluations per generator update, as multiples of "
            "the baseline's."
        )
        return result

    def _table(self, runs, found, metrics: list[Quality], dataset: str) -> ReportTable:
        rows, run_ids = [], []
        configs = list(dict.fromkeys([found[0][0], *(r for _, r in found)]))
        base = found[0][0]
        base_seconds = _mean(_values(runs, base, "train_seconds"))
        for config in configs:
            row = {"variant": split(config)[1], "seeds": int((runs["configuration"] == config).sum())}
            for q in metrics:
                v = _values(runs, config, q.final) * q.scale
                sd = f" ± {number(v.std(ddof=1))}" if len(v) > 1 else ""
                row[q.label] = f"{number(v.mean())}{sd}" if len(v) else "–"
            seconds = _values(runs, config, "train_seconds")
            row["train s / run"] = number(_mean(seconds))
            row["time × baseline"] = _ratio(_mean(seconds), base_seconds)
            row["D evals / G update"] = number(_per_g_update(runs, config))
            rows.append(row)
            run_ids.append(list(runs.loc[runs["configuration"] == config, "run_id"]))
        return ReportTable(
            f"{dataset}: remedies beside the baseline ({split(base)[0]})",
            pd.DataFrame(rows),
            "mean ± sd over seeds of the final values; training time and gradient evaluations per run.",
            dataset,
            run_ids,
        )

    def _verdicts(self, runs, found, metrics: list[Quality], dataset: str) -> list[Verdict]:
        tests = []  # (remedy, metric, base values, remedy values, p)
        for base, remedy in found:
            for q in metrics:
                a, b = _values(runs, base, q.final), _values(runs, remedy, q.final)
                tests.append((remedy, q, a, b, welch_p(b, a)))
        adjusted = holm([t[4] for t in tests])
        m = len(tests)
        out = []
        for base, remedy in found:
            better, worse, same, seeds = [], [], [], []
            for (r, q, a, b, _), p in zip(tests, adjusted, strict=True):
                if r != remedy:
                    continue
                seeds.append(min(len(a), len(b)))
                if len(a) < 2 or len(b) < 2 or p >= ALPHA:
                    same.append(q.label)
                    continue
                improved = (b.mean() > a.mean()) == q.higher_is_better
                unit = " %" if q.scale == 100 else ""
                shown = f"{number(b.mean(), q.scale)}{unit} vs {number(a.mean(), q.scale)}{unit}"
                p_text = "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
                (better if improved else worse).append(f"{q.label}: {shown}, {p_text}")
            variant, base_variant = split(remedy)[1], split(base)[1]
            cost = self._cost(runs, base, remedy)
            parts = []
            if better:
                parts.append("better on " + "; ".join(better))
            if worse:
                parts.append("worse on " + "; ".join(worse))
            if same:
                parts.append("no clear difference in " + ", ".join(same))
            text = f"on {dataset}, {variant} against {base_variant}: " + " — ".join(parts)
            text += f" (Welch's t-test, Holm-corrected over the {m} comparisons on {dataset}); {cost}"
            kind = SEPARATED if better or worse else NO_CLEAR_DIFFERENCE
            if kind == SEPARATED and min(seeds) < MIN_SEEDS_FOR_FINDING:
                kind = TENTATIVE
                text += (
                    f". Tentative: {min(seeds)} seeds, fewer than the {MIN_SEEDS_FOR_FINDING} a finding needs"
                )
            winner = remedy if better and not worse else (base if worse and not better else None)
            loser = (base if winner == remedy else remedy) if winner else None
            out.append(Verdict(text + ".", kind, dataset, "remedies", winner=winner, loser=loser))
        return out

    @staticmethod
    def _cost(runs, base: str, remedy: str) -> str:
        seconds = [_mean(_values(runs, c, "train_seconds")) for c in (remedy, base)]
        time = _ratio(*seconds)
        evals = _ratio(_per_g_update(runs, remedy), _per_g_update(runs, base))
        return (
            f"cost: {time} the training time, {evals} the discriminator gradient evaluations per "
            "generator update"
        )

    @staticmethod
    def _figure(runs, found, metrics: list[Quality], dataset: str, ctx):
        configs = list(dict.fromkeys([found[0][0], *(r for _, r in found)]))
        order = [split(c)[1] for c in configs]
        frame = runs[runs["configuration"].isin(configs)].assign(
            variant=lambda f: f["configuration"].map(lambda c: split(c)[1])
        )
        panels = [*metrics, None]  # the last panel: training time
        fig, axes = facet_grid(
            len(panels), max_columns=3, height=3.0, width=max(3.6, 0.62 * len(order) + 1.4)
        )
        palette = dict(zip(order, sns.color_palette("colorblind", len(order)), strict=True))
        for ax, q in zip(axes, panels, strict=True):
            column, label, scale = (
                (q.final, q.label, q.scale) if q else ("train_seconds", "training time per run (s)", 1.0)
            )
            if column not in frame:
                ax.set_visible(False)
                continue
            shown = frame.assign(v=frame[column] * scale)
            sns.stripplot(
                shown,
                x="variant",
                y="v",
                order=order,
                hue="variant",
                palette=palette,
                ax=ax,
                legend=False,
                alpha=0.7,
                size=5,
                jitter=0.15,
            )
            sns.pointplot(
                shown,
                x="variant",
                y="v",
                order=order,
                color="black",
                errorbar=None,
                ax=ax,
                markers="_",
                markersize=18,
                linestyles="none",
            )
            better = (
                "" if q is None else (" (higher is better)" if q.higher_is_better else " (lower is better)")
            )
            ax.set_title(wrap(label + better, 36), fontsize=10)
            ax.set_xlabel("variant")
            ax.set_ylabel(label)
            ax.tick_params(axis="x", rotation=30, labelsize=8)
        suptitle(fig, f"{dataset}: each remedy beside {order[0]} (dots: seeds; bar: mean)")
        return ctx.save_figure(
            fig,
            dataset,
            f"{dataset}: final values per seed (dots) and their mean (black bar) for the baseline "
            f"({order[0]}, first) and each remedy; the last panel is the training wall time per run.",
            dataset,
        )
