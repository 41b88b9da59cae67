"""Box plots over seeds per configuration, every seed drawn as a dot (diverged seeds as red crosses)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ganbench.report.figures import loss_palette, spans_decades, suptitle, wrap

DIVERGED_COLOUR = "#d62728"


REFERENCE_STYLE = {
    "real": {"color": "#2ca02c", "ls": "--", "lw": 1.3, "label": "real data (reference)"},
    "noise": {"color": "#7f7f7f", "ls": ":", "lw": 1.6, "label": "uniform noise (reference)"},
}
"""How reference levels are drawn in every figure that shows them."""


def spread_figure(
    runs: pd.DataFrame,
    configs: list[str],
    panels: list[tuple[str, str, float, str]],
    title: str,
    tags: dict[str, str] | None = None,
    references: dict[str, dict[str, float]] | None = None,
) -> Figure:
    """One panel per ``(column, label, scale, note)``: configurations on the y axis (in ``configs``
    order), the column's value (times ``scale``) on the x axis, labelled ``label`` and titled
    ``label (note)`` — a box of the quartiles and one dot per seed coloured by loss; a shared legend
    of losses (and diverged seeds) below. ``tags`` (configuration → ``collapsed``, ``noise-like``)
    are written after a configuration's name; ``references`` (column → {"real": mean, "noise":
    mean}) are drawn as vertical lines (:data:`REFERENCE_STYLE`)."""
    tags, references = tags or {}, references or {}
    drawn: set[str] = set()
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
        for kind, level in references.get(column, {}).items():
            if level == level:  # not NaN
                style = dict(REFERENCE_STYLE[kind])
                ax.axvline(level * scale, **{k: v for k, v in style.items() if k != "label"})
                drawn.add(kind)
        log = spans_decades(frame["value"])
        if log:
            ax.set_xscale("log")
        ax.set_title(wrap(f"{label} ({note})" if note else label, 40), fontsize=10)
        ax.set_xlabel(wrap(label + (" (log scale)" if log else ""), 40))
        ax.set_ylabel("configuration" if i == 0 else "")
    names = [wrap(c, 34) + (f"\n({tags[c]})" if tags.get(c) else "") for c in configs]
    axes[0][0].set_yticks(range(len(configs)), names, fontsize=8)
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=colour, label=loss) for loss, colour in palette.items()
    ]
    handles += [plt.Line2D([], [], **REFERENCE_STYLE[k]) for k in REFERENCE_STYLE if k in drawn]
    if runs["diverged"].any():
        handles.append(plt.Line2D([], [], marker="X", ls="", color=DIVERGED_COLOUR, label="diverged seed"))
    fig.legend(
        handles=handles, loc="lower center", ncol=min(len(handles), 4), frameon=False, bbox_to_anchor=(0.5, 0)
    )
    suptitle(fig, title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
