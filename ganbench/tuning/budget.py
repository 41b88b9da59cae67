"""Budget curves (Lucic et al. 2018, "Are GANs Created Equal?", Fig. 4): the expected best objective
value after k trials, k = 1 … n, estimated by bootstrap over a study's trials.

For k trials drawn with replacement from the study's n scored trials, the best value among them is
one draw of "the best after k"; its mean over ``n_boot`` draws is the expected best, and the 2.5 %
and 97.5 % quantiles give a 95 % band. A trial's score is its first objective's value when it
completed and, when it was pruned, the last value it reported to the pruner (the value at which it
was judged worse); failed trials are left out. A flat curve means more tuning would not help; a
curve still rising at k = n means the budget was too small to compare at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ganbench.report.quality import scale_of


def trial_scores(study) -> np.ndarray:
    """First-objective score of every completed or pruned trial, in trial order."""
    from optuna.trial import TrialState

    scores = []
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.COMPLETE and t.values:
            scores.append(t.values[0])
        elif t.state == TrialState.PRUNED and t.intermediate_values:
            scores.append(t.intermediate_values[max(t.intermediate_values)])
    return np.asarray([s for s in scores if np.isfinite(s)], dtype=np.float64)


def expected_best(scores: np.ndarray, maximize: bool, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Columns k, expected_best, low, high for k = 1 … len(scores) (empty frame for no scores)."""
    x = np.asarray(scores, dtype=np.float64)
    n = len(x)
    if n == 0:
        return pd.DataFrame(columns=["k", "expected_best", "low", "high"])
    rng = np.random.default_rng(seed)
    draws = x[rng.integers(0, n, size=(n_boot, n))]  # each row: n trials drawn with replacement
    # The best of the first k draws of a row, for every k at once (running max / min along the row).
    best = np.maximum.accumulate(draws, axis=1) if maximize else np.minimum.accumulate(draws, axis=1)
    return pd.DataFrame(
        {
            "k": np.arange(1, n + 1),
            "expected_best": best.mean(axis=0),
            "low": np.quantile(best, 0.025, axis=0),
            "high": np.quantile(best, 0.975, axis=0),
        }
    )


def budget_figure(curves: pd.DataFrame, metric: str, path: Path) -> Path:
    """One line (with its 95 % band) per configuration: expected best against trials spent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    datasets = list(dict.fromkeys(curves["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(6.5 * len(datasets), 4.5), squeeze=False)
    palette = dict(zip(sorted(set(curves["configuration"])), sns.color_palette("tab10"), strict=False))
    for ax, dataset in zip(axes[0], datasets, strict=True):
        part = curves[curves["dataset"] == dataset]
        scale = scale_of(metric)  # a share in percent, as everywhere else
        unit = " (%)" if scale == 100 else ""
        for config, rows in part.groupby("configuration", sort=True):
            color = palette.get(config)
            label = str(config).split(" | ", 1)[-1]
            ax.plot(rows["k"], rows["expected_best"] * scale, marker="o", ms=3, color=color, label=label)
            ax.fill_between(rows["k"], rows["low"] * scale, rows["high"] * scale, color=color, alpha=0.15)
        ax.set_title(f"{dataset}: expected best {metric} after k trials")
        ax.set_xlabel("trials spent (k)")
        ax.set_ylabel(f"expected best {metric}{unit} (95 % band)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
