"""Verdicts in plain words, claimed only where a test carries them after correcting for multiplicity.

For one dataset and one metric, the configurations with at least two finite seeds are ordered by
mean. The best is compared with each of the other m: Welch's t-test of their per-seed values
(``scipy.stats.ttest_ind(equal_var=False)``, two-sided), and the m p-values are corrected with
Holm's step-down method (Holm 1979), which keeps the chance of any false claim among the m at
5 %. A configuration is *beaten* when its corrected p is below 0.05. The verdict names the
best-ranked beaten one ("on grid, A covers more modes than B: 18.6 [17.8, 19.4] vs 10.0
[5.2, 14.8]"), how many more are beaten, and those it cannot be told apart from; when none is:
"no clear difference".

With fewer than five finite seeds on either side a claim is *tentative* (never shown as a
finding): so few seeds say little, and the intervals are then Student-t intervals (see
:mod:`ganbench.report.stats`). A high-quality share is compared only among the configurations
that cover as many modes as the best (those the modes-covered comparison cannot tell from it): a
configuration that puts sharp samples on fewer modes has collapsed, and is said to have.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ganbench.contracts.report import Verdict
from ganbench.report.quality import Quality
from ganbench.report.reference_rows import NOISE, beats_noise, describe, noise_level
from ganbench.report.stats import MIN_SEEDS_FOR_FINDING, number, ranked, with_interval

SEPARATED, TENTATIVE, NO_CLEAR_DIFFERENCE, NOTE = "separated", "tentative", "no clear difference", "note"
ALPHA = 0.05
"""Family-wise error rate of one verdict's comparisons (Holm-corrected)."""


def welch_p(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test between two sets of seed values; NaN with fewer than two
    values on a side or when both are constant and equal (nothing to test)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return math.nan
    with warnings.catch_warnings():  # near-constant samples warn about precision; the p-value stands
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order: sort ascending, multiply the i-th
    smallest (0-based) by m − i, keep the running maximum, cap at 1. NaN counts as 1."""
    p = np.array([1.0 if not math.isfinite(v) else v for v in pvalues], dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()


@dataclass(frozen=True)
class Comparison:
    """The best configuration by mean against each other one (rows of ``by_configuration``)."""

    best: pd.Series
    beaten: list[pd.Series] = field(default_factory=list)  # corrected p < ALPHA, best first
    tied: list[pd.Series] = field(default_factory=list)
    adjusted: dict[str, float] = field(default_factory=dict)  # configuration → Holm-adjusted p

    @property
    def comparisons(self) -> int:
        return len(self.beaten) + len(self.tied)

    @property
    def not_beaten(self) -> set[str]:
        """The best and every configuration the test cannot tell from it."""
        return {self.best["configuration"], *(r["configuration"] for r in self.tied)}


def compare(
    summary: pd.DataFrame,
    q: Quality,
    winners: set[str] | None = None,
    modes: pd.Series | None = None,
    *,
    losers: set[str] | None = None,
    noise: pd.Series | None = None,
) -> Comparison | None:
    """Rank ``summary``'s rows with two or more finite seeds and test the best against the rest;
    None when no row may be the best or none is left to compare it with. ``winners``: the
    configurations the best is chosen from (None: all), and of those only the ones better than the
    ``noise`` reference row (:func:`~ganbench.report.reference_rows.beats_noise`); ``losers``: those
    it may be compared with (None: all); ``modes`` (mean modes covered per configuration): the best
    is compared only with those covering no more modes than it, so a claim never ranks fewer modes
    above more."""
    usable = summary[summary["n_finite"] >= 2]
    pool = usable if winners is None else usable[usable["configuration"].isin(winners)]
    pool = pool[[beats_noise(row, noise, q.higher_is_better) for _, row in pool.iterrows()]]
    if pool.empty:
        return None
    best = ranked(pool, q).iloc[0]
    rest = usable[usable["configuration"] != best["configuration"]]
    if losers is not None:
        rest = rest[rest["configuration"].isin(losers)]
    rest = ranked(rest, q)
    worse = rest["mean"] <= best["mean"] if q.higher_is_better else rest["mean"] >= best["mean"]
    others = [row for _, row in rest[worse | rest["mean"].isna()].iterrows()]
    if modes is not None:
        others = [
            r for r in others if modes.get(r["configuration"], 0) <= modes.get(best["configuration"], 0)
        ]
    if not others:
        return None
    adjusted = holm([welch_p(best["values"], row["values"]) for row in others])
    by_name = {row["configuration"]: p for row, p in zip(others, adjusted, strict=True)}
    beaten = [r for r in others if by_name[r["configuration"]] < ALPHA]
    tied = [r for r in others if by_name[r["configuration"]] >= ALPHA]
    return Comparison(best, beaten, tied, by_name)


def verdict(
    summary: pd.DataFrame,
    q: Quality,
    dataset: str,
    among: set[str] | None = None,
    modes: pd.Series | None = None,
    *,
    left_out: dict[str, str] | None = None,
    refs: dict[str, pd.Series] | None = None,
    everyone_loses: bool = False,
) -> Verdict:
    """The verdict for one dataset and metric from :func:`ganbench.report.stats.by_configuration`.

    ``among``: the configurations the best may come from (the high-quality share: those covering
    the most modes); ``modes`` as in :func:`compare`; ``left_out``: configuration → why no verdict
    may credit it (``collapsed``, ``noise-like``; :mod:`ganbench.report.standing`) — the verdict is
    drawn among the others, and names them, unless ``everyone_loses`` (modes covered: a collapsed
    configuration may be the one that loses); ``refs``: the reference rows of the metric
    (:func:`~ganbench.report.reference_rows.references`) — no configuration not better than the
    noise reference wins, and the verdict quotes both references."""
    left_out = {c: why for c, why in (left_out or {}).items() if c in set(summary["configuration"])}
    refs = refs or {}
    noise = refs.get(NOISE)
    eligible = set(summary["configuration"]) - set(left_out)
    winners = eligible if among is None else eligible & set(among)
    losers = None if everyone_loses else eligible
    found = compare(summary, q, winners, modes, losers=losers, noise=noise)
    what = (
        q.label if modes is None else f"{q.label} (compared only with configurations covering no more modes)"
    )
    unit = " %" if q.scale == 100 else ""
    usable = summary[summary["n_finite"] >= 2]
    candidates = usable[usable["configuration"].isin(winners)]
    at_noise = [
        r["configuration"]
        for _, r in ranked(candidates, q).iterrows()
        if noise is not None and not beats_noise(r, noise, q.higher_is_better)
    ]
    tail = _tail(refs, q, at_noise, left_out, "may not win" if everyone_loses else "left out")

    def note(text: str, kind: str = NOTE) -> Verdict:
        return Verdict(f"on {dataset}, {what}: {text}{tail}.", kind, dataset, q.key)

    if found is None:
        if len(usable) < 2:
            return note(
                "fewer than two configurations have two or more finite seeds, so there is nothing to compare"
            )
        if candidates.empty:
            return note("no verdict — no configuration may win it: every one is noise-like or collapsed")
        if len(at_noise) == len(candidates):
            return note(
                f"no verdict — no configuration that may win it is shown better than uniform noise "
                f"({noise_level(refs, q)})"
            )
        able = sorted(set(candidates["configuration"]) - set(at_noise))
        return note(
            f"no verdict — only {', '.join(able)} may win it, and no other configuration is left to compare "
            "it with"
        )
    best, n = found.best, found.comparisons + 1
    rows = [best, *found.beaten, *found.tied]

    def interval(row: pd.Series) -> str:
        return with_interval(row, q.scale) + unit

    def show(row: pd.Series) -> str:
        return f"{row['configuration']} ({interval(row)})"

    def p_value(config: str) -> str:
        p = found.adjusted[config]
        return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"

    if all(len(set(r["values"])) == 1 for r in rows) and len({r["mean"] for r in rows}) == 1:
        return note(
            f"no clear difference — every seed of all {n} configurations has the same value, "
            f"{number(best['mean'], q.scale)}{unit}",
            NO_CLEAR_DIFFERENCE,
        )
    test = f"Welch's t-test, Holm-corrected over the {found.comparisons} comparison" + (
        "s" if found.comparisons > 1 else ""
    )
    others = "the other configuration does not differ" if n == 2 else f"none of the {n - 1} others differs"
    if not found.beaten:
        return note(
            f"no clear difference — {others} from the best by mean, {show(best)}, at p < {ALPHA} ({test})",
            NO_CLEAR_DIFFERENCE,
        )
    loser = found.beaten[0]
    text = (
        f"on {dataset}, {best['configuration']} {q.better} than {loser['configuration']}: "
        f"{interval(best)} vs {interval(loser)} "
        f"({p_value(loser['configuration'])}, {test})"
    )
    if modes is not None:  # right after the pair it speaks of, before any further losers
        text += (
            f" (the two cover {number(modes[best['configuration']])} and "
            f"{number(modes[loser['configuration']])} modes)"
        )
    more = found.beaten[1:]
    if 0 < len(more) <= 3:
        text += ", and than " + ", ".join(r["configuration"] for r in more)
    elif more:
        text += f", and than {len(more)} more configurations"
    if found.tied:
        text += "; no clear difference from " + ", ".join(show(r) for r in found.tied)
    text += tail
    seeds = min(int(r["n_finite"]) for r in (best, *found.beaten))
    kind = SEPARATED
    if seeds < MIN_SEEDS_FOR_FINDING:
        kind = TENTATIVE
        text += (
            f". Tentative: {seeds} seeds, fewer than the {MIN_SEEDS_FOR_FINDING} a finding needs "
            "(the intervals are Student-t intervals, which assume roughly normal seed values)"
        )
    return Verdict(
        text + ".", kind, dataset, q.key, winner=best["configuration"], loser=loser["configuration"]
    )


def _tail(
    refs: dict[str, pd.Series], q: Quality, at_noise: list[str], left_out: dict[str, str], how: str
) -> str:
    """What a verdict adds after its claim: the reference rows, the configurations no better than
    noise, and those ``left_out`` (with why), introduced by ``how``."""
    parts = []
    if refs:
        parts.append(f"references: {describe(refs, q)}")
    if at_noise:
        parts.append(f"not shown better than uniform noise: {', '.join(at_noise)}")
    if left_out:
        parts.append(f"{how}: " + ", ".join(f"{c} ({why})" for c, why in left_out.items()))
    return "".join(f"; {p}" for p in parts)


def collapse_note(
    hq: pd.DataFrame, covered: pd.DataFrame, among: set[str], q: Quality, dataset: str
) -> Verdict | None:
    """A note naming the configurations left out of the high-quality comparison because they cover
    fewer modes, when one of them has a higher high-quality share than every configuration in it:
    its sharp samples sit on fewer modes — it collapsed — which is not better."""
    modes = covered.set_index("configuration")["mean"]
    share = hq.set_index("configuration")["mean"]
    top = share[share.index.isin(among)].max()
    collapsed = [c for c in share.index if c not in among and math.isfinite(share[c]) and share[c] > top]
    if not collapsed:
        return None
    most = modes[modes.index.isin(among)].max()
    unit = " %" if q.scale == 100 else ""
    parts = [
        f"{c} ({number(share[c], q.scale)}{unit} high quality) collapsed onto {number(modes[c])} modes"
        for c in sorted(collapsed, key=lambda c: -share[c])
    ]
    return Verdict(
        f"on {dataset}, a higher high-quality share than the configurations covering the most "
        f"modes ({number(most)}) is no finding here: " + "; ".join(parts) + ".",
        NOTE,
        dataset,
        q.key,
    )


def divergence_note(runs: pd.DataFrame, dataset: str) -> Verdict:
    """How many complete seeds diverged on ``dataset``, and in which configurations."""
    diverged = runs[runs["diverged"]]
    if diverged.empty:
        return Verdict(f"on {dataset}, no seed diverged ({len(runs)} runs).", NOTE, dataset, "diverged")
    counts = diverged.groupby("configuration").size()
    totals = runs.groupby("configuration").size()
    parts = [f"{config} {counts[config]} of {totals[config]}" for config in counts.index]
    return Verdict(
        f"on {dataset}, {len(diverged)} of {len(runs)} seeds diverged (counted as failures): "
        + "; ".join(parts)
        + ".",
        NOTE,
        dataset,
        "diverged",
    )
