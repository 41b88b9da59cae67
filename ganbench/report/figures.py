"""Shared figure helpers for report sections: seaborn on matplotlib's Agg backend, one look.

Configurations are coloured by loss (the same colour for a loss in every figure of a report) and
laid out by schedule; long labels are wrapped so nothing overlaps.
"""

from __future__ import annotations

import textwrap
import warnings

import matplotlib

matplotlib.use("Agg")  # headless: reports are written on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import ListedColormap, LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FACET_INCHES = 3.3


def style() -> None:
    """The report's seaborn theme (white grid, readable font sizes)."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)


def wrap(text: str, width: int = 24) -> str:
    """``text`` broken into lines of about ``width`` characters, at spaces or before a '('
    (``alternating(d_steps=5)`` → ``alternating`` / ``(d_steps=5)`` when it does not fit)."""
    lines = textwrap.wrap(text.replace("(", " \0("), width=width, break_long_words=False)
    return "\n".join(lines).replace(" \0(", "(").replace("\0(", "(") or text


def spans_decades(values) -> bool:
    """Whether finite ``values`` are all positive and span two or more decades (max/min ≥ 100):
    such a metric (a Fréchet distance of 0.06 and of 2000) is drawn on a log scale."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return bool(x.size) and bool((x > 0).all()) and x.max() / x.min() >= 100


def loss_palette(losses: list[str]) -> dict[str, tuple]:
    """One colour per loss label, stable for the sorted list of losses."""
    colours = sns.color_palette("colorblind", max(3, len(losses)))
    return {loss: colours[i] for i, loss in enumerate(sorted(losses))}


def facet_grid(n: int, max_columns: int = 4, height: float = FACET_INCHES, width: float | None = None):
    """A figure with ``n`` axes in rows of at most ``max_columns``, unused ones hidden."""
    columns = max(1, min(n, max_columns))
    rows = max(1, -(-n // columns))
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=((width or height * 1.25) * columns, height * rows),
        squeeze=False,
        constrained_layout=True,
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def heatmap(
    ax,
    table: pd.DataFrame,
    title: str,
    fmt,
    higher_is_better: bool,
    counts: pd.DataFrame,
    why: pd.DataFrame | None = None,
    marks: dict[str, float] | None = None,
) -> None:
    """Annotated loss × schedule heatmap of ``table`` (means); ``counts`` (same shape) gives the
    number of finite seeds behind each cell, shown under the value; empty cells say 'no runs'.

    ``why`` (same shape; a reason or the empty string per cell): cells no verdict may credit
    (collapsed, noise-like, no better than noise on this metric) are drawn grey with the reason, and
    the colour scale spans only the other cells — so the brightest colour is never one of them.
    ``marks`` (name → value, e.g. the reference rows) are drawn as dashed lines on the colour bar,
    which stretches to include them, and named with their values under the title."""
    cmap = "viridis" if higher_is_better else "viridis_r"
    values = table.to_numpy(dtype=float)
    grey = np.zeros(values.shape, dtype=bool) if why is None else why.to_numpy(dtype=object) != ""
    labels = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            n = counts.iat[i, j]
            reason = f"\n({why.iat[i, j]})" if grey[i, j] else ""
            labels[i, j] = "no runs" if not n else f"{fmt(values[i, j])}{reason}\nn={n}"
    coloured = np.where(grey, np.nan, values)
    scale = [v for v in [*coloured[np.isfinite(coloured)], *(marks or {}).values()] if np.isfinite(v)]
    finite = np.asarray(scale, dtype=float)
    log = spans_decades(finite)
    if grey.any():
        sns.heatmap(
            pd.DataFrame(np.where(grey, 0.0, np.nan), index=table.index, columns=table.columns),
            ax=ax,
            cmap=ListedColormap(["#d9d9d9"]),
            cbar=False,
            linewidths=0.5,
        )
    with warnings.catch_warnings():
        # every cell grey or empty: seaborn takes the colour range of an all-NaN table (a warning the
        # user cannot act on; the grey cells are labelled below)
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        sns.heatmap(
            pd.DataFrame(coloured, index=table.index, columns=table.columns),
            ax=ax,
            annot=labels,
            fmt="",
            cmap=cmap,
            cbar=True,
            norm=LogNorm(finite.min(), finite.max()) if log else None,
            vmin=None if log or not finite.size else finite.min(),
            vmax=None if log or not finite.size else finite.max(),
            linewidths=0.5,
            annot_kws={"fontsize": 8},
            cbar_kws={"shrink": 0.8},
        )
    # seaborn annotates no NaN cell: write the grey ones and those without runs here.
    for i, j in zip(*np.nonzero(~np.isfinite(coloured)), strict=True):
        if labels[i, j]:
            ax.text(j + 0.5, i + 0.5, labels[i, j], ha="center", va="center", fontsize=8, color="#333333")
    colourbar = ax.collections[-1].colorbar
    shown = {name: value for name, value in (marks or {}).items() if np.isfinite(value)}
    for value in shown.values():
        if colourbar is not None:
            colourbar.ax.axhline(value, color="white", lw=2.5)
            colourbar.ax.axhline(value, color="black", lw=1, ls="--")
    ax.grid(False)
    title += " (log colour scale)" if log else ""
    if shown:  # the marks' values, named under the title
        title += "\n" + " · ".join(f"{name} {fmt(value)}" for name, value in shown.items())
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("schedule")
    ax.set_ylabel("loss")
    ax.set_xticklabels([wrap(t.get_text(), 14) for t in ax.get_xticklabels()], rotation=0, fontsize=8)
    ax.set_yticklabels([wrap(t.get_text(), 16) for t in ax.get_yticklabels()], rotation=0, fontsize=8)


def suptitle(fig: Figure, text: str) -> None:
    """A bold figure title."""
    fig.suptitle(text, fontsize=12, fontweight="bold")
