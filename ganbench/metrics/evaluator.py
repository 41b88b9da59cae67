"""The evaluator the trainer calls at evaluation points: every applicable metric, one value per seed.

``build_evaluator(dataset)`` builds each selected metric once and draws a fixed real reference set;
``evaluator(fake)`` maps generated samples (S, N, *sample_shape) — one fixed noise batch per seed —
to ``{"<metric>/<output>": float64 tensor (S,)}``, e.g. ``"modes/covered"``, ``"prdc/coverage"``,
``"frechet/fd"``. A seed whose samples contain NaN or ±inf (a diverged generator) gets NaN for every
output; the other seeds are evaluated as usual.

Sample sizes follow the literature's protocols unless overridden: 2,500 generated samples per seed
for Gaussian-mixture data (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018), 26,000 for
stacked digits (the stacked-MNIST protocol of Metz et al. 2017 / VEEGAN / PacGAN), and for other
finite data as many as the data set has (at most 10,000). The real reference set is the whole data
set when the dataset holds it as a ``data`` tensor of ``size`` ≤ 10,000 examples (as ``digits`` and
``mnist`` do); otherwise it is ``n_real`` samples drawn once with a generator seeded with
``reference_seed`` (never the first rows of a larger set, which may be sorted by class), so every
run and every seed is compared with the same reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from pydantic import ValidationError
from torch import Tensor

from ganbench.contracts.dataset import ClassifierModes, Dataset
from ganbench.contracts.metric import Metric
from ganbench.errors import GanbenchError
from ganbench.metrics.feature_memo import shared_features
from ganbench.registry import metrics as metric_registry

#: Generated samples per seed for Gaussian-mixture and other infinite data (VEEGAN, PacGAN).
N_MIXTURE = 2_500
#: Generated samples per seed for stacked digits (Metz et al. 2017; VEEGAN; PacGAN).
N_STACKED = 26_000
#: Cap on sample sizes taken from a finite data set, and on the drawn real reference set.
N_CAP = 10_000
#: Seed of the generator that draws the real reference set (distinct from run seeds' streams).
REFERENCE_SEED = 20_170_512
#: Metrics whose headline is the "main quality metric" for stability, in order of preference.
PRIMARY_PREFERENCE = ("modes", "frechet", "prdc")


def default_n_samples(dataset: Dataset) -> int:
    """Generated samples per seed and evaluation, from the literature's protocol for this kind of data."""
    modes = dataset.modes()
    if isinstance(modes, ClassifierModes) and modes.channels > 1:
        return N_STACKED
    if dataset.size is not None:
        return min(dataset.size, N_CAP)
    return N_MIXTURE


def reference_set(
    dataset: Dataset, n_real: int | None, seed: int = REFERENCE_SEED, device: torch.device | None = None
) -> Tensor:
    """The fixed real reference set (M, *sample_shape) on ``device``.

    The whole data set when ``n_real`` is None and the dataset holds its ``size`` ≤ 10,000 examples
    as a ``data`` tensor; otherwise ``n_real`` samples (default: ``default_n_samples`` capped at
    10,000) drawn from ``dataset.sample`` with a fresh generator seeded with ``seed``.
    """
    device = torch.device(device) if device is not None else dataset.device
    data = getattr(dataset, "data", None)
    shape = (dataset.size, *dataset.sample_shape)
    whole = dataset.size is not None and dataset.size <= N_CAP and isinstance(data, Tensor)
    if n_real is None and whole and data.shape == shape:
        return data.to(device)
    n = n_real if n_real is not None else min(default_n_samples(dataset), N_CAP)
    gen = torch.Generator(device=dataset.device).manual_seed(seed)
    return dataset.sample(n, gen).to(device)


@dataclass
class Evaluator:
    """Computes the selected metrics on generated samples against a fixed real reference set.

    - ``n_samples``: how many samples per seed the trainer must generate for each evaluation;
    - ``metrics``: metric name → built :class:`Metric`; ``skipped``: requested names that do not
      apply to the dataset;
    - ``real``: the reference set (M, *sample_shape) on ``device``;
    - ``primary``: the output key of the main quality metric (for stability summaries), or None;
    - ``histograms``: after each call, metric name → the (S, K) float64 CPU counts behind its outputs
      (:meth:`Metric.histogram`: samples per mode for ``modes``), NaN rows for non-finite seeds.
    """

    dataset: Dataset
    metrics: dict[str, Metric]
    real: Tensor
    n_samples: int
    device: torch.device
    primary: str | None = None
    skipped: list[str] = field(default_factory=list)
    histograms: dict[str, Tensor] = field(default_factory=dict)

    def output_keys(self) -> list[str]:
        """Every output key ``__call__`` returns, ``"<metric>/<output>"``."""
        return [f"{name}/{out}" for name, m in self.metrics.items() for out in m.outputs]

    def feature_spaces(self) -> dict[str, str]:
        """Metric name → the feature space it compares samples in, in words, for metrics that have one."""
        return {name: m.feature_space for name, m in self.metrics.items() if m.feature_space}

    def headlines(self) -> dict[str, tuple[str, bool]]:
        """Metric name → (headline output key, higher is better)."""
        return {name: (f"{name}/{m.headline}", m.higher_is_better) for name, m in self.metrics.items()}

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Every output key → the (lowest, highest) value it can take on this dataset
        (:meth:`Metric.output_range`)."""
        return {f"{name}/{out}": m.output_range(out) for name, m in self.metrics.items() for out in m.outputs}

    @property
    def primary_higher_is_better(self) -> bool:
        """Direction of ``primary``."""
        name = (self.primary or "").split("/")[0]
        return self.metrics[name].higher_is_better if name in self.metrics else True

    @torch.no_grad()
    def __call__(self, fake: Tensor) -> dict[str, Tensor]:
        """``{"<metric>/<output>": float64 CPU tensor (S,)}`` for generated ``fake`` (S, N, *sample_shape)."""
        fake = fake.to(self.device)
        n_seeds = fake.shape[0]
        finite = torch.isfinite(fake.flatten(1)).all(dim=1)
        keep = finite.nonzero().flatten()  # seeds with finite samples only; others get NaN
        kept = fake if bool(finite.all()) else fake[keep]
        out: dict[str, Tensor] = {}
        with shared_features():  # one classifier pass per sample set, whichever metrics ask
            computed = {n: m.compute(kept, self.real) if len(keep) else {} for n, m in self.metrics.items()}
        for name, metric in self.metrics.items():
            values = computed[name]
            for key in metric.outputs:
                full = torch.full((n_seeds,), float("nan"), dtype=torch.float64)
                if len(keep):
                    full[keep.cpu()] = values[key].detach().to("cpu", torch.float64)
                out[f"{name}/{key}"] = full
        self.histograms = _histograms(self.metrics, keep.cpu() if len(keep) else None, n_seeds)
        return out


def _histograms(built: dict[str, Metric], keep: Tensor | None, n_seeds: int) -> dict[str, Tensor]:
    """Each metric's (S, K) counts of the call just made, widened to every seed (NaN rows where a
    seed's samples were not finite and the metric did not see them)."""
    out = {}
    for name, metric in built.items():
        counts = metric.histogram() if keep is not None else None
        if counts is None:
            continue
        full = torch.full((n_seeds, counts.shape[1]), float("nan"), dtype=torch.float64)
        full[keep] = counts.detach().to("cpu", torch.float64)
        out[name] = full
    return out


def build_evaluator(
    dataset: Dataset,
    names: list[str] | None = None,
    n_samples: int | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    device: torch.device | str | None = None,
    n_real: int | None = None,
    reference_seed: int = REFERENCE_SEED,
) -> Evaluator:
    """An :class:`Evaluator` for ``dataset``.

    ``names``: registered metrics to compute (None → every registered metric that applies and is
    on ``by_default``; a named
    metric that does not apply is left out and listed in ``Evaluator.skipped``); an unknown name
    raises :class:`RegistryError` listing the available ones. ``n_samples``: generated samples per
    seed (default :func:`default_n_samples`). ``params``: metric name → keyword parameters, validated
    by the metric's ``Params``. ``device``: where metrics run (default: the dataset's device).
    ``n_real``/``reference_seed``: size and seed of the real reference set (see :func:`reference_set`).
    """
    params = dict(params or {})
    chosen = (
        list(names)
        if names is not None
        else [n for n in metric_registry.names() if metric_registry.get(n).by_default]
    )
    classes = {name: metric_registry.get(name) for name in chosen}  # unknown names raise here
    for name in params:
        metric_registry.entry(name)
        if name not in classes:
            raise GanbenchError(
                f"metric parameters were given for {name!r}, which is not among the selected metrics "
                f"({', '.join(chosen) or 'none'}). Select it or drop its parameters."
            )
    built: dict[str, Metric] = {}
    skipped: list[str] = []
    for name, cls in classes.items():
        if not cls.applies_to(dataset):
            skipped.append(name)
            continue
        validated = _validate(name, cls, params.get(name, {}))
        try:
            built[name] = cls(validated, dataset)
        except ValueError as exc:
            raise GanbenchError(
                f"metric {name!r} cannot be used on dataset {type(dataset).__name__}: {exc}"
            ) from None
    dev = torch.device(device) if device is not None else dataset.device
    primary = _primary(built, names)
    return Evaluator(
        dataset=dataset,
        metrics=built,
        real=reference_set(dataset, n_real, reference_seed, dev),
        n_samples=n_samples if n_samples is not None else default_n_samples(dataset),
        device=dev,
        primary=primary,
        skipped=skipped if names is not None else [],
    )


def _validate(name: str, cls: type[Metric], raw: Mapping[str, Any]) -> Metric.Params:
    try:
        return cls.Params(**raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(params)'}: {e['msg']}" for e in exc.errors()
        )
        allowed = ", ".join(cls.Params.model_fields) or "none"
        raise GanbenchError(
            f"invalid parameters for metric {name!r}: {problems}. Allowed parameters: {allowed}."
        ) from None


def _primary(built: dict[str, Metric], names: list[str] | None) -> str | None:
    order = list(names) if names is not None else [n for n in PRIMARY_PREFERENCE if n in built]
    order += sorted(built)
    for name in order:
        if name in built:
            return f"{name}/{built[name].headline}"
    return None
