"""The reference rows an experiment needs: one pair (real data, uniform noise) per distinct way its
cells evaluate a dataset, scored once (:mod:`ganbench.metrics.reference`).

Two cells share references when they evaluate the same dataset (name and parameters) with the same
metrics, metric parameters and sample count: their :func:`reference_key` is equal. Everything else
in a cell (networks, loss, schedule, budget) does not change what the data or noise score.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganbench import registry
from ganbench.device import resolve_device
from ganbench.experiment.spec import Experiment, digest
from ganbench.metrics.evaluator import build_evaluator, default_n_samples
from ganbench.metrics.reference import DRAWS, ReferenceScores, reference_scores
from ganbench.train.config import TrainConfig
from ganbench.validation import resolve

VERSION = 1
"""Bumped when the references are drawn differently, so old ones are not reused."""


@dataclass(frozen=True)
class ReferenceSet:
    """One dataset's references under one evaluation setting: its key, the settings, the scores and
    each output's range on the dataset."""

    key: str
    dataset: str
    settings: dict
    scores: list[ReferenceScores]
    ranges: dict[str, tuple[float, float]]


def evaluation_settings(config: TrainConfig) -> dict:
    """What the reference scores of ``config``'s dataset depend on, as plain data."""
    return {
        "dataset": config.dataset.model_dump(mode="json"),
        "metrics": config.metrics,
        "metric_params": config.metric_params,
        "eval_samples": config.eval_samples,
        "draws": DRAWS,
        "version": VERSION,
    }


def reference_key(config: TrainConfig) -> str:
    """The identity of ``config``'s references (equal for cells that evaluate alike)."""
    return digest(evaluation_settings(config))[:16]


def needed(exp: Experiment) -> dict[str, TrainConfig]:
    """Reference key → the configuration of the first cell that needs it, in cell order."""
    out: dict[str, TrainConfig] = {}
    for cell in exp.cells:
        out.setdefault(reference_key(cell.config), cell.config)
    return out


def score(config: TrainConfig, where: str = "reference rows") -> ReferenceSet:
    """Build ``config``'s dataset and evaluator (on its device) and score both references."""
    cls, params = resolve(registry.datasets, config.dataset, "dataset", where)
    dataset = cls(params, resolve_device(config.device))
    evaluator = build_evaluator(
        dataset,
        config.metrics,
        n_samples=config.eval_samples or default_n_samples(dataset),
        params=config.metric_params,
    )
    return ReferenceSet(
        key=reference_key(config),
        dataset=config.dataset.name,
        settings=evaluation_settings(config),
        scores=reference_scores(dataset, evaluator),
        ranges=evaluator.ranges(),
    )
