"""The reference rows of a report — what the data itself and uniform noise over its range score, with
the same metrics (``ReportData.references``; drawn by :mod:`ganbench.metrics.reference`) — and the
ranges metrics can take on a dataset, for intervals that stay inside them.
"""

from __future__ import annotations

import math

import pandas as pd

from ganbench.contracts.report_data import ReportData
from ganbench.report.quality import Quality, static_range
from ganbench.report.stats import by_configuration, number, with_interval

REAL, NOISE = "real", "noise"
NAMES = {REAL: "real data", NOISE: "uniform noise"}


def value_range(data: ReportData, dataset: str, column: str) -> tuple[float, float]:
    """The lowest and highest value of metric ``column`` (``final/modes/covered``,
    ``curve/modes/covered`` or ``modes/covered``) on ``dataset``: as the reference runs recorded it
    (modes covered: [0, K]), else what the metric declares whatever the dataset (:func:`static_range`)."""
    key = column.removeprefix("final/").removeprefix("curve/")
    refs = data.references_for(dataset)
    recorded = refs.get(f"param.range.{key}", pd.Series(dtype=object)).dropna()
    if len(recorded):
        low, _, high = str(recorded.iloc[-1]).partition(" ")
        try:
            return float(low), float(high)
        except ValueError:
            pass
    return static_range(key)


def summarise(data: ReportData, dataset: str, column: str, runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`~ganbench.report.stats.by_configuration` of ``runs`` (default: the dataset's complete
    runs) for metric ``column``, intervals inside the metric's range on the dataset."""
    runs = data.for_dataset(dataset) if runs is None else runs
    return by_configuration(runs, column, bounds=value_range(data, dataset, column))


def references(data: ReportData, dataset: str, column: str) -> dict[str, pd.Series]:
    """``{"real": row, "noise": row}`` — each a :func:`by_configuration` row over the reference's
    draws (mean, interval, run ids) — for metric ``column``; a reference that did not record the
    metric (or a store without references) is left out."""
    refs = data.references_for(dataset)
    if refs.empty or column not in refs:
        return {}
    out = {}
    for kind in (REAL, NOISE):
        mine = refs[refs["reference"] == kind]
        if mine.empty or not mine[column].notna().any():
            continue
        row = by_configuration(mine, column, bounds=value_range(data, dataset, column)).iloc[0]
        out[kind] = row
    return out


def levels(data: ReportData, dataset: str, columns: list[str]) -> dict[str, dict[str, float]]:
    """column → {"real": mean, "noise": mean} of the references that scored it (for figures)."""
    out = {}
    for column in columns:
        found = {kind: float(row["mean"]) for kind, row in references(data, dataset, column).items()}
        if found:
            out[column] = found
    return out


def curve_levels(data: ReportData, dataset: str, key: str) -> tuple[dict[str, float], int | None]:
    """The reference levels to draw against learning curves of metric ``key`` (``modes/covered``),
    {"real": mean, "noise": mean}, and the sample count they were scored on (None where not
    recorded): those scored on the curves' own count (``curve/<key>``, recorded where the curves
    score fewer samples than the final evaluation), else the final ones (``final/<key>``)."""
    for column, param in ((f"curve/{key}", "curve_samples"), (f"final/{key}", "samples")):
        found = levels(data, dataset, [column]).get(column)
        if found:
            recorded = data.references_for(dataset).get(f"param.reference.{param}", pd.Series(dtype=object))
            counts = pd.to_numeric(recorded, errors="coerce").dropna()
            return found, int(counts.iloc[-1]) if len(counts) else None
    return {}, None


def describe(refs: dict[str, pd.Series], q: Quality) -> str:
    """``real data 8.00 [8.00, 8.00], uniform noise 4.00 [2.80, 5.20]`` (what is there)."""
    unit = " %" if q.scale == 100 else ""
    return ", ".join(f"{NAMES[k]} {with_interval(row, q.scale)}{unit}" for k, row in refs.items())


def noise_level(refs: dict[str, pd.Series], q: Quality) -> str:
    """The noise reference's mean as shown (``4.00``, ``0.54 %``), or ``–``."""
    row = refs.get(NOISE)
    if row is None or not math.isfinite(row["mean"]):
        return "–"
    return number(row["mean"], q.scale) + (" %" if q.scale == 100 else "")


def beats_noise(row: pd.Series, noise: pd.Series | None, higher_is_better: bool) -> bool:
    """Whether a configuration's ``row`` is better than the ``noise`` reference's: its mean is
    better than noise's mean and its 95 % interval (where it has one) does not reach it. True when
    there is no noise reference to compare with; False for a configuration without a finite mean."""
    mean = row["mean"]
    if mean is None or not math.isfinite(mean):
        return False
    if noise is None or not math.isfinite(noise["mean"]):
        return True
    level = noise["mean"]
    edge = row["ci_low"] if higher_is_better else row["ci_high"]
    edge = mean if edge is None or not math.isfinite(edge) else edge
    return (mean > level and edge > level) if higher_is_better else (mean < level and edge < level)
