"""A trial's search values and its objective values: sampling overrides, aggregating over seeds."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ganbench.tuning.spec import Choices, ObjectiveItem, Range


def suggest(trial, search: dict[str, Range | Choices]) -> dict[str, Any]:
    """Ask the trial for a value of every search key (Optuna's suggest API, one call per key)."""
    out: dict[str, Any] = {}
    for key, dist in search.items():
        if isinstance(dist, Choices):
            # Optuna stores categorical choices as JSON scalars; lists and mappings go as JSON text.
            encoded = [
                c if c is None or isinstance(c, bool | int | float | str) else json.dumps(c)
                for c in dist.choices
            ]
            value = trial.suggest_categorical(key, encoded)
            out[key] = dist.choices[encoded.index(value)]
        elif dist.is_int:
            out[key] = trial.suggest_int(
                key, int(dist.low), int(dist.high), step=int(dist.step or 1), log=dist.log
            )
        else:
            out[key] = trial.suggest_float(
                key, float(dist.low), float(dist.high), step=dist.step, log=dist.log
            )
    return out


def aggregate(values: np.ndarray, how: str, direction: str) -> float:
    """One number from the per-seed values of a metric; non-finite seeds (diverged) are left out,
    and NaN comes back when no seed has a finite value (the trial then fails)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan
    if how == "median":
        return float(np.median(v))
    if how == "min":
        return float(v.min())
    if how == "max":
        return float(v.max())
    mean = float(v.mean())
    if how == "pessimistic":
        sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        return mean - sd if direction == "maximize" else mean + sd
    return mean


def objective_values(per_seed: dict[str, np.ndarray], objectives: list[ObjectiveItem]) -> list[float]:
    """The trial's value for each objective, from ``metric name → per-seed values``."""
    return [
        aggregate(per_seed.get(o.metric, np.array([math.nan])), o.aggregate or "mean", o.direction)
        for o in objectives
    ]
