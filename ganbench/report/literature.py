"""Ours beside theirs: published mode-collapse results against ganbench's runs of the same protocol.

For each published row (:mod:`ganbench.report.published`) and each metric — modes covered,
high-quality share (percent), reverse KL of the mode histogram — the table gives the published mean
and standard deviation over runs, ours over seeds (the runs' ``final/modes/*`` metrics, read from
MLflow), the 95 % Student-t interval of our mean (mean ± t₀.₉₇₅,ₙ₋₁ · sd/√n, ``scipy.stats.t``), and
whether the published mean falls inside it; the interval is cut at the values the metric can take
(modes covered in [0, K], shares in [0, 100 %], KL ≥ 0), as the report's are. ``by_step`` is our
mean at each evaluation point, so a reduced budget shows whether quality was still rising when
training stopped.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganbench.contracts.report_data import ReportData
from ganbench.report.published import METRICS, PublishedExperiment
from ganbench.report.reference_rows import value_range
from ganbench.report.stats import clip_interval, t_interval

# published metric → (ganbench metric key, factor to the paper's units)
KEYS = {
    "modes": ("modes/covered", 1.0),
    "high_quality": ("modes/high_quality", 100.0),
    "kl": ("modes/kl", 1.0),
}
COLUMNS = [
    "experiment", "dataset", "method", "source", "protocol", "metric", "published_mean", "published_sd",
    "published_n", "ours_mean", "ours_sd", "ours_n", "ci_low", "ci_high", "inside", "g_updates",
    "published_updates", "by_step", "run_ids",
]  # fmt: skip


def inside(value: float, low: float, high: float) -> str:
    """``yes``/``no`` for a published mean against our interval; ``—`` when either is unknown."""
    if any(math.isnan(v) for v in (value, low, high)):
        return "—"
    return "yes" if low <= value <= high else "no"


def by_step(curves: pd.DataFrame, scale: float) -> str:
    """Mean over seeds at each evaluation step, e.g. ``1000: 2.1, 2000: 5.3``."""
    if curves.empty:
        return ""
    means = curves.groupby("step")["value"].mean().sort_index() * scale
    return ", ".join(f"{int(step)}: {value:.3g}" for step, value in means.items())


def literature_rows(data: ReportData, published: PublishedExperiment) -> pd.DataFrame:
    """The comparison table of one experiment: one row per (published row, metric)."""
    done = data.complete
    done = done[done["dataset"] == published.dataset]
    curves = data.curves([key for key, _ in KEYS.values()]) if not done.empty else pd.DataFrame()
    rows = []
    for row in published.rows:
        mine = done[done["configuration"] == row.configuration] if row.configuration else done.iloc[:0]
        for metric in METRICS:
            key, scale = KEYS[metric]
            final = f"final/{key}"
            values = mine[final].to_numpy(dtype=float) * scale if final in mine else np.array([])
            finite = values[np.isfinite(values)]
            lo, hi = value_range(data, published.dataset, final)  # intervals stay in the metric's range
            low, high = clip_interval(*t_interval(finite), (lo * scale, hi * scale))
            mean = float(finite.mean()) if len(finite) else math.nan
            sd = float(finite.std(ddof=1)) if len(finite) > 1 else math.nan
            history = curves[(curves["metric"] == key) & curves["run_id"].isin(mine["run_id"])]
            updates = mine["g_updates"].max() if "g_updates" in mine and len(mine) else math.nan
            rows.append(
                [data.experiment, published.dataset, row.method, row.source, row.protocol, metric,
                 row.mean(metric), row.sd(metric), row.n, mean, sd, len(finite), low, high,
                 inside(row.mean(metric), low, high), updates, published.budget_updates,
                 by_step(history, scale), list(mine["run_id"])]
            )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: float) -> str:
    """Three significant figures, whole numbers from 1,000 on (1,000, not 1e+03)."""
    if _missing(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def display_rows(table: pd.DataFrame) -> list[list[str]]:
    """The table as text cells: dataset, method, metric, published, ours, 95 % interval, inside,
    budget (our updates / the paper's)."""
    out = []
    for r in table.itertuples():
        n = "n not stated" if _missing(r.published_n) else f"n={int(r.published_n)}"
        published = f"{_num(r.published_mean)} ± {_num(r.published_sd)} ({n})"
        ours = f"{_num(r.ours_mean)} ± {_num(r.ours_sd)} (n={r.ours_n})" if r.ours_n else "not run"
        interval = f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
        updates = "—" if math.isnan(r.g_updates) else f"{int(r.g_updates):,}"
        budget = f"{updates} / " + (
            "not stated" if _missing(r.published_updates) else f"{int(r.published_updates):,}"
        )
        out.append([r.dataset, r.method, r.metric, published, ours, interval, r.inside, budget])
    return out


HEADER = ["dataset", "method", "metric", "published mean ± sd", "ours mean ± sd", "ours 95 % t interval",
          "inside", "updates ours / paper"]  # fmt: skip


def to_markdown(table: pd.DataFrame, links: dict[str, str]) -> str:
    """The table as GitHub markdown, with the sources, our mean at each evaluation step and the runs."""
    lines = ["# Ours beside theirs", "", "| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in display_rows(table)]
    lines += [
        "",
        "Published ± is converted to a standard deviation over runs (standard error × √n where the paper",
        "gives a standard error); ours is the sd over seeds and the 95 % Student-t interval of our mean.",
        "high_quality in percent.",
        "",
        "## Sources and our mean at each evaluation",
        "",
    ]
    shown: set[tuple[str, ...]] = set()  # each set of our runs' curves once
    for (dataset, method), group in table.groupby(["dataset", "method"], sort=False):
        first = group.iloc[0]
        lines.append(f"- {dataset} / {method}: {first.source} (protocol: {first.protocol})")
        if first.by_step and tuple(first.run_ids) not in shown:
            shown.add(tuple(first.run_ids))
            lines += [f"  - ours by update, {r.metric}: {r.by_step}" for r in group.itertuples()]
    lines += ["", "## MLflow runs", ""]
    lines += [f"- {name}: {link}" for name, link in links.items()]
    for r in table.drop_duplicates("experiment").itertuples():
        lines.append(f"- {r.experiment} run ids: {', '.join(r.run_ids) or '—'}")
    return "\n".join(lines) + "\n"
