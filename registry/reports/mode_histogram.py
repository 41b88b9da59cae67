"""`mode_histogram`: how each configuration's final samples spread over the modes (1,000 digit
triples on stacked MNIST), from the runs' ``modes_counts.json`` artifacts."""

import numpy as np
import pandas as pd

from ganbench.api import ReportSection, ReportTable, SectionResult, reports
from ganbench.metrics.counts_file import counts_file, read_counts
from ganbench.report.figures import facet_grid, loss_palette, suptitle, wrap

METRIC = "modes"
SEED_STYLES = ("-", "--", ":", "-.")


@reports.register("mode_histogram")
class ModeHistogram(ReportSection):
    """Per dataset with mode metrics, one panel per configuration: each seed's modes sorted from the
    most to the least frequent (x: rank, y: samples in the mode, on a scale that is logarithmic
    above 1 and shows 0), against the uniform line (every mode equally often: samples / K, 26 per
    mode for 26,000 samples over 1,000 triples). Where a curve reaches 0 is the number of modes
    covered; how far its head rises over the uniform line is how unequal the coverage is. A table
    gives, per run, what the histogram says (modes covered, reverse KL, the largest mode's share
    and how many modes hold half the samples), computed from the logged counts alone."""

    title = "Mode histogram"
    order = 25

    def applies_to(self, data):
        return any(f"{METRIC}/covered" in data.final_metrics(d) for d in data.datasets())

    def skip_reason(self, data):
        return "no run logged modes covered"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            if f"{METRIC}/covered" not in data.final_metrics(dataset):
                continue
            runs = data.for_dataset(dataset).sort_values(["configuration", "seed"], kind="stable")
            found, missing = [], []
            for _, run in runs.iterrows():
                path = data.artifact(run["run_id"], counts_file(METRIC))
                if path is None:
                    missing.append(f"{run['configuration']} seed {run['seed']}")
                else:
                    found.append((run, read_counts(path)))
            if missing:
                result.notes.append(
                    f"{dataset}: no {counts_file(METRIC)} artifact (runs written before the counts were "
                    f"logged, or diverged before any finite evaluation) for {len(missing)} run(s): "
                    + ", ".join(missing[:6])
                    + (" …" if len(missing) > 6 else "")
                    + "."
                )
            if not found:
                continue
            result.figures.append(_figure(ctx, dataset, found))
            result.tables.append(_table(dataset, found))
        return result


def _summary(counts: np.ndarray) -> dict[str, float]:
    """What a histogram says: modes covered, reverse KL to uniform (nats), the largest mode's share
    and the fewest modes that hold half the counted samples."""
    total = counts.sum()
    p = counts / total if total else np.zeros(len(counts))
    nz = p[p > 0]
    ordered = np.sort(counts)[::-1]
    return {
        "covered": int((counts > 0).sum()),
        "kl": float((nz * np.log(nz * len(counts))).sum()) if total else float("nan"),
        "top": float(ordered[0] / total) if total else float("nan"),
        "half": int(np.searchsorted(np.cumsum(ordered), total / 2) + 1) if total else 0,
    }


def _figure(ctx, dataset, found):
    configs = list(dict.fromkeys(run["configuration"] for run, _ in found))
    palette = loss_palette(sorted({run["loss_label"] for run, _ in found}))
    fig, axes = facet_grid(len(configs), max_columns=3, height=3.0, width=4.2)
    top = max(int(rec["counts"].max()) for _, rec in found)
    for ax, config in zip(axes, configs, strict=True):
        mine = [(run, rec) for run, rec in found if run["configuration"] == config]
        k = len(mine[0][1]["counts"])
        for j, (run, rec) in enumerate(mine):
            ordered = np.sort(rec["counts"])[::-1]
            s = _summary(rec["counts"])
            ax.step(
                np.arange(1, k + 1),
                ordered,
                where="post",
                color=palette[run["loss_label"]],
                ls=SEED_STYLES[j % len(SEED_STYLES)],
                lw=1.4,
                label=f"seed {run['seed']}: {s['covered']} covered, KL {s['kl']:.2f}",
            )
            if s["covered"]:  # the last covered mode, marked: a collapse onto a few stays visible
                last = s["covered"]
                ax.plot(last, ordered[last - 1], "o", ms=4, color=palette[run["loss_label"]])
        counted = np.mean([rec["counted"] for _, rec in mine])
        uniform = counted / k
        ax.axhline(uniform, color="black", lw=1, ls="--", label=f"uniform: {uniform:.3g} per mode")
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(0, top * 2)
        ax.set_xlim(0, k + 1)  # linear: where a curve drops to 0 reads as its modes covered
        ax.set_title(wrap(config, 40), fontsize=9)
        ax.set_xlabel(f"mode rank (1 = most frequent; {k} modes)", fontsize=8)
        ax.set_ylabel("samples in the mode", fontsize=8)
        ax.legend(fontsize=6.5, loc="upper right")
    n = int(round(np.mean([rec["samples"] for _, rec in found])))
    suptitle(fig, f"{dataset}: final samples per mode, modes sorted by count ({n:,} samples a seed)")
    return ctx.save_figure(
        fig,
        dataset,
        f"{dataset}: each seed's modes sorted by how many of its final samples they hold (one line a "
        "seed; log scale above 1, 0 at the bottom). A curve at the dashed uniform line everywhere is a "
        "perfectly balanced generator; where it drops to 0 (the dot: its last covered mode) is its "
        "number of modes covered; a curve "
        "high on the left and short is collapse onto a few modes. Counts: the runs' "
        f"{counts_file(METRIC)} artifacts (final evaluation).",
        dataset,
    )


def _table(dataset, found):
    rows, ids = [], []
    for run, rec in found:
        s = _summary(rec["counts"])
        rows.append(
            {
                "configuration": run["configuration"],
                "seed": run["seed"],
                "G updates": rec["g_updates"],
                "samples counted": rec["counted"],
                "modes covered": s["covered"],
                "reverse KL (nats)": round(s["kl"], 3),
                "largest mode's share": f"{100 * s['top']:.1f} %",
                "modes holding half the samples": s["half"],
            }
        )
        ids.append([run["run_id"]])
    return ReportTable(
        f"{dataset}: the mode histogram of each run",
        pd.DataFrame(rows),
        "Computed from the logged per-mode counts alone: the same numbers as the runs' final "
        "modes/covered and modes/kl, which summarise the same final evaluation.",
        dataset,
        ids,
    )
