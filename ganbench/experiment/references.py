"""The reference rows an experiment needs: one pair (real data, uniform noise) per distinct way its
cells evaluate a dataset, scored once (:mod:`ganbench.metrics.reference`) at the final evaluation's
sample count and, where the learning curves score fewer samples (``curve_samples``), once more at
theirs, so the curves are drawn against references on their own count.

Two cells share references when they evaluate the same dataset (name and parameters) with the same
metrics, metric parameters and sample counts: their :func:`reference_key` is equal. Everything else
in a cell (networks, loss, schedule, budget) does not change what the data or noise score.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    """One dataset's references under one evaluation setting: its key, the settings, the scores (at
    the final evaluation's sample count), each output's range on the dataset, and the scores at the
    learning curves' sample count where it is lower (empty where the curves score the same count)."""

    key: str
    dataset: str
    settings: dict
    scores: list[ReferenceScores]
    ranges: dict[str, tuple[float, float]]
    curve_scores: list[ReferenceScores] = field(default_factory=list)


def evaluation_settings(config: TrainConfig) -> dict:
    """What the reference scores of ``config``'s dataset depend on, as plain data; ``curve_samples``
    only where :func:`curve_samples` is set, so configurations without one keep their key."""
    settings = {
        "dataset": config.dataset.model_dump(mode="json"),
        "metrics": config.metrics,
        "metric_params": config.metric_params,
        "eval_samples": config.eval_samples,
        "draws": DRAWS,
        "version": VERSION,
    }
    if curve_samples(config) is not None:
        settings["curve_samples"] = config.curve_samples
    return settings


def curve_samples(config: TrainConfig) -> int | None:
    """``config.curve_samples`` where the learning curves may score fewer samples than the final
    evaluation: set, and below ``eval_samples`` (or ``eval_samples`` left to the dataset's default,
    compared in :func:`score`); None where the curves score the evaluation count (the trainer scores
    at most that many)."""
    n = config.curve_samples
    if n is None or (config.eval_samples is not None and n >= config.eval_samples):
        return None
    return n


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
    """Build ``config``'s dataset and evaluator (on its device) and score both references, at the
    evaluation count and, where the curves score fewer, at theirs (the same evaluator — metrics and
    real reference set — asked for that many samples, as the trainer scores its curve points)."""
    cls, params = resolve(registry.datasets, config.dataset, "dataset", where)
    dataset = cls(params, resolve_device(config.device))
    evaluator = build_evaluator(
        dataset,
        config.metrics,
        n_samples=config.eval_samples or default_n_samples(dataset),
        params=config.metric_params,
    )
    n_curve = curve_samples(config)
    curve = n_curve is not None and n_curve < evaluator.n_samples
    return ReferenceSet(
        key=reference_key(config),
        dataset=config.dataset.name,
        settings=evaluation_settings(config),
        scores=reference_scores(dataset, evaluator),
        ranges=evaluator.ranges(),
        curve_scores=reference_scores(dataset, replace(evaluator, n_samples=n_curve)) if curve else [],
    )
