"""Box plots over seeds per configuration, every seed drawn as a dot (diverged seeds as red crosses)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ganbench.report.figures import loss_palette, spans_decades, suptitle, wrap

DIVERGED_COLOUR = "#d62728"


def spread_figure(
    runs: pd.DataFrame, configs: list[str], panels: list[tuple[str, str, float, str]], title: str
) -> Figure:
    """One panel per ``(column, label, scale, note)``: configurations on the y axis (in ``configs``
    order), the column's value (times ``scale``) on the x axis, labelled ``label`` and titled
    ``label (note)`` — a box of the quartiles and one dot per seed coloured by loss; a shared legend
    of losses (and diverged seeds) below."""
    palette = loss_palette(list(runs["loss_label"].unique()))
    height = 0.38 * len(configs) + 1.8
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 1.8, height), squeeze=False, sharey=True
    )
    for i, (ax, (column, label, scale, note)) in enumerate(zip(axes[0], panels, strict=True)):
        frame = runs.assign(value=runs[column] * scale if column in runs else float("nan"))
        ok, bad = frame[~frame["diverged"]], frame[frame["diverged"]]
        common = {"x": "value", "y": "configuration", "order": configs, "ax": ax}
        if frame["value"].notna().any():
            sns.boxplot(data=frame, color="#eeeeee", showfliers=False, width=0.6, **common)
        sns.stripplot(data=ok, hue="loss_label", palette=palette, size=5, jitter=0.15, legend=False, **common)
        if not bad.empty and bad["value"].notna().any():
            sns.stripplot(data=bad, color=DIVERGED_COLOUR, marker="X", size=7, jitter=0.15, **common)
        log = spans_decades(frame["value"])
        if log:
            ax.set_xscale("log")
        ax.set_title(wrap(f"{label} ({note})" if note else label, 40), fontsize=10)
        ax.set_xlabel(wrap(label + (" (log scale)" if log else ""), 40))
        ax.set_ylabel("configuration" if i == 0 else "")
    axes[0][0].set_yticks(range(len(configs)), [wrap(c, 34) for c in configs], fontsize=8)
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=colour, label=loss) for loss, colour in palette.items()
    ]
    if runs["diverged"].any():
        handles.append(plt.Line2D([], [], marker="X", ls="", color=DIVERGED_COLOUR, label="diverged seed"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 0))
    suptitle(fig, title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
