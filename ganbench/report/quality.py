"""Which metrics a report compares, their direction and how to say them in words.

A metric key is ``<registered metric>/<output>`` as logged (``modes/covered``); its final value is
the MLflow metric ``final/<key>``. The direction of a registered metric's headline output comes from
the metric class (``higher_is_better``); the few other outputs a report ranks are listed in
``KNOWN`` with theirs. Keys a report does not know are shown but never ranked.

A distance names the feature space its runs compared samples in (``feature_space.<metric>`` on the
runs): given the report's data and a dataset, :func:`quality` and :func:`label` say e.g.
"Fréchet distance (28×28 MNIST classifier features)" rather than a bare "Fréchet distance".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ganbench import registry
from ganbench.contracts.report_data import ReportData
from ganbench.errors import RegistryError


@dataclass(frozen=True)
class Quality:
    """A metric a report can rank: MLflow name, direction, a label and the verdict's verb phrase."""

    key: str  # e.g. "modes/covered"; final value at "final/<key>", history under "<key>"
    higher_is_better: bool
    label: str  # axis / column label, e.g. "modes covered"
    better: str  # "covers more modes"; used as "<winner> <better> than <loser>"
    scale: float = 1.0  # display factor (shares as %)

    @property
    def final(self) -> str:
        """The MLflow metric holding the run's final value."""
        return f"final/{self.key}"


KNOWN: dict[str, Quality] = {
    q.key: q
    for q in (
        Quality("modes/covered", True, "modes covered", "covers more modes"),
        Quality("modes/high_quality", True, "high-quality samples (%)", "has more high-quality samples", 100),
        Quality("modes/kl", False, "reverse KL to uniform modes (nats)", "spreads samples more evenly"),
        Quality("frechet/fd", False, "Fréchet distance", "has a lower Fréchet distance"),
        Quality("prdc/coverage", True, "coverage (PRDC)", "has a higher coverage"),
        Quality("improved_pr/recall", True, "recall (improved P/R)", "has a higher recall"),
    )
}
STABILITY: dict[str, Quality] = {
    q.key: q
    for q in (
        Quality("stability/oscillation", False, "late oscillation (sd)", "oscillates less late in training"),
        Quality("stability/peak_to_final_drop", False, "peak-to-final drop", "loses less from its peak"),
    )
}
CORE = ("modes/covered", "modes/high_quality", "frechet/fd")
"""Quality metrics every dataset's verdicts cover when they were logged (with the primary one)."""


def quality(key: str, data: ReportData | None = None, dataset: str | None = None) -> Quality | None:
    """The rankable description of ``key``, or None when its direction is not known; with the report's
    ``data`` and a ``dataset``, its label names the feature space the dataset's runs recorded."""
    found = _quality(key)
    space = data.feature_space(dataset, key.partition("/")[0]) if data is not None and dataset else None
    return replace(found, label=f"{found.label} ({space})") if found and space else found


def _quality(key: str) -> Quality | None:
    if key in KNOWN:
        return KNOWN[key]
    if key in STABILITY:
        return STABILITY[key]
    name, _, output = key.partition("/")
    try:
        metric = registry.metrics.get(name)
    except RegistryError:
        return None
    if output != getattr(metric, "headline", None):
        return None
    higher = bool(metric.higher_is_better)
    label = f"{name} {output}"
    return Quality(key, higher, label, f"has a {'higher' if higher else 'lower'} {label}")


def static_range(key: str) -> tuple[float, float]:
    """The values metric ``key`` (``final/`` prefix or not) can take, as far as they do not depend on
    the dataset: the registered metric's ``ranges`` (a share: [0, 1]), [0, ∞) for the stability
    figures (a drop, a standard deviation), else unbounded."""
    key = key.removeprefix("final/")
    if key in STABILITY:
        return 0.0, math.inf
    name, _, output = key.partition("/")
    try:
        metric = registry.metrics.get(name)
    except RegistryError:
        return -math.inf, math.inf
    low, high = getattr(metric, "ranges", {}).get(output, (-math.inf, math.inf))
    return float(low), float(high)


def scale_of(key: str) -> float:
    """The display factor of a metric key: 100 for shares shown in percent (the high-quality share),
    1 otherwise. Every command and report shows a share in the same unit, percent."""
    found = quality(key.removeprefix("final/"))
    return found.scale if found else 1.0


def shown_value(key: str, value: float, digits: int = 4) -> str:
    """``value`` of metric ``key`` for people: a share as ``4.8 %``, anything else to ``digits``
    significant figures."""
    scale = scale_of(key)
    return f"{value * scale:.{digits}g} %" if scale == 100 else f"{value:.{digits}g}"


def label(key: str, data: ReportData | None = None, dataset: str | None = None) -> str:
    """A human label for a metric key (its ``Quality.label`` when known, else the key), naming the
    feature space where ``data`` and ``dataset`` are given and the runs recorded one."""
    found = quality(key, data, dataset)
    return found.label if found else key


def verdict_metrics(
    primary: str | None, available: list[str], data: ReportData | None = None, dataset: str | None = None
) -> list[Quality]:
    """The primary metric, then the core ones, in that order, among ``available`` keys."""
    keys = [k for k in dict.fromkeys([primary or "", *CORE]) if k and k in available]
    return [q for q in (quality(k, data, dataset) for k in keys) if q is not None]


def headline_keys(available: list[str]) -> list[str]:
    """Every available key that can be ranked (known direction), in a stable order."""
    ordered = [k for k in KNOWN if k in available] + sorted(k for k in available if k not in KNOWN)
    return [k for k in ordered if quality(k) is not None]
