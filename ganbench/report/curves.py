"""Curves over training from MLflow metric histories: a line for the mean over seeds and a band from
the lowest to the highest seed, on panels per schedule or per configuration."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from ganbench.report.figures import FACET_INCHES, facet_grid, loss_palette, spans_decades, suptitle, wrap
from ganbench.report.spread import REFERENCE_STYLE

STEP_LABEL = "generator updates"


def band_plot(
    ax,
    frame: pd.DataFrame,
    hue: str,
    ylabel: str,
    colours: dict[str, tuple] | None = None,
    names: dict[str, str] | None = None,
    log: bool | None = None,
) -> None:
    """On ``ax``: per value of column ``hue``, the mean of ``value`` over runs at each ``step`` and a
    band from the per-step minimum to maximum. ``names`` renames hue values in the legend; ``log``:
    a log y-axis (None: where the values span decades; a bounded quantity such as a share passes
    False)."""
    colours = colours or loss_palette(list(frame[hue].unique()))
    for key, group in frame.groupby(hue, sort=True):
        per_step = group.groupby("step")["value"].agg(["mean", "min", "max"]).sort_index()
        colour = colours.get(key)
        marker = "o" if len(per_step) <= 12 else None
        name = (names or {}).get(key, key)
        ax.plot(per_step.index, per_step["mean"], color=colour, marker=marker, ms=4, lw=1.4, label=name)
        ax.fill_between(per_step.index, per_step["min"], per_step["max"], color=colour, alpha=0.18, lw=0)
    log = spans_decades(frame["value"]) if log is None else log
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel(ylabel + (" (log scale)" if log else ""))


def reference_lines(ax, marks: dict[str, float]) -> None:
    """Horizontal lines at the reference levels ``marks`` ({"real": y, "noise": y}), labelled for
    the figure's legend (styles: :data:`~ganbench.report.spread.REFERENCE_STYLE`)."""
    for kind, level in marks.items():
        if level == level and kind in REFERENCE_STYLE:  # not NaN
            ax.axhline(level, zorder=0.5, **REFERENCE_STYLE[kind])


def seed_lines(
    ax,
    frame: pd.DataFrame,
    hue: str,
    ylabel: str,
    colours: dict[str, tuple] | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """On ``ax``: one thin line per run (seed) for each value of column ``hue``. For curves whose
    mean hides what the seeds do — a WGAN critic's loss swings around 0 with a different sign per
    seed, so a mean near 0 under a band filling the axis says nothing."""
    colours = colours or loss_palette(list(frame[hue].unique()))
    for key, group in frame.groupby(hue, sort=True):
        name = (names or {}).get(key, key)
        for i, (_, run) in enumerate(group.groupby("run_id", sort=True)):
            run = run.sort_values("step")
            label = name if i == 0 else None
            ax.plot(run["step"], run["value"], color=colours.get(key), lw=0.9, alpha=0.75, label=label)
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel(ylabel)


def _panels(frame: pd.DataFrame, column: str, draw: Callable, title: str, max_columns: int) -> Figure:
    keys = sorted(frame[column].unique())
    fig, axes = facet_grid(len(keys), max_columns=max_columns, height=FACET_INCHES * 0.9)
    for ax, key in zip(axes, keys, strict=True):
        draw(ax, frame[frame[column] == key])
        ax.set_title(wrap(str(key), 38), fontsize=9)
    handles, labels = {}, []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
    if handles:
        fig.legend(
            [handles[x] for x in labels],
            labels,
            loc="outside lower center",
            ncol=min(len(labels), 4),
            frameon=False,
        )
    suptitle(fig, title)
    return fig


def by_schedule_figure(frame: pd.DataFrame, draw: Callable, title: str) -> Figure:
    """One panel per schedule label (``draw(ax, rows)``), a shared legend under the panels."""
    return _panels(frame, "schedule_label", draw, title, max_columns=4)


def by_configuration_figure(frame: pd.DataFrame, draw: Callable, title: str) -> Figure:
    """One panel per configuration (``draw(ax, rows)``), a shared legend under the panels."""
    return _panels(frame, "configuration", draw, title, max_columns=4)
