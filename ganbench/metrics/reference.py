"""Reference scores: what the data itself and what structureless noise score on every metric.

A metric's value means little alone: 4 of 8 ring modes "covered" sounds like partial collapse, yet
uniform noise over the ring's square covers 4 by chance with 2,500 samples; a Fréchet distance of
0.06 in 2-D sounds good, yet a uniform square matches the ring's mean and covariance that well. So
every dataset is scored twice more, with the evaluator that scores its generators (same metrics,
same parameters, same sample count, same real reference set):

- **real data**: ``n`` samples drawn from the dataset itself (``Dataset.sample``) — what a perfect
  generator would score, sampling noise included;
- **uniform noise**: ``n`` samples uniform over the data's range — over [−1, 1] in every feature for
  bounded data (``Dataset.bounded``: pixels of noise images, for image data), otherwise over each
  feature's [min, max] in the evaluator's real reference set. A structureless generator.

Each is drawn :data:`DRAWS` times (independent generators, fixed seeds), so a reference has a mean
and an interval like a configuration with that many seeds. Nothing here is dataset-specific: it
goes through the Dataset contract (``sample``, ``bounded``, ``sample_shape``) and the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ganbench.contracts.dataset import Dataset
from ganbench.metrics.evaluator import Evaluator

REAL, NOISE = "real", "noise"
KINDS = (REAL, NOISE)
LABELS = {REAL: "reference: real data", NOISE: "reference: uniform noise"}
"""How a reference is named where configurations are named (tables, figures, the MLflow UI)."""
DRAWS = 5
"""Independent draws of each reference (enough for a BCa interval, as 5 seeds are for a finding)."""
SEEDS = {REAL: 20_250_101, NOISE: 20_250_202}
"""Seed of draw 0 of each reference (draw d uses seed + d); distinct from the evaluator's."""


@dataclass(frozen=True)
class ReferenceScores:
    """One reference (``kind`` real or noise): how it was drawn, and every evaluator output per draw."""

    kind: str
    description: str  # how the samples were drawn, in words
    n_samples: int  # samples per draw (the evaluator's count per seed)
    values: dict[str, np.ndarray]  # "<metric>/<output>" → (draws,) float64

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def noise_range(dataset: Dataset, real: Tensor) -> tuple[Tensor, Tensor, str]:
    """Per-feature (low, high) of the noise reference, flat (dim,), and its description: [−1, 1] for
    bounded data, else each feature's [min, max] over the real reference set ``real`` (M, ...)."""
    dim = dataset.dim
    if dataset.bounded:
        low = torch.full((dim,), -1.0, device=dataset.device)
        return low, -low, "uniform over [−1, 1] in every feature (the data's bounded range)"
    flat = real.reshape(real.shape[0], -1).to(dataset.device, torch.float32)
    return (
        flat.min(dim=0).values,
        flat.max(dim=0).values,
        f"uniform over each feature's [min, max] in {len(flat):,} real reference samples",
    )


def draw_real(dataset: Dataset, n: int, draws: int = DRAWS, seed: int = SEEDS[REAL]) -> Tensor:
    """``draws`` independent sets of ``n`` real samples, (draws, n, *sample_shape)."""
    gens = [torch.Generator(device=dataset.device).manual_seed(seed + d) for d in range(draws)]
    return torch.stack([dataset.sample(n, g) for g in gens])


def draw_noise(
    dataset: Dataset, real: Tensor, n: int, draws: int = DRAWS, seed: int = SEEDS[NOISE]
) -> tuple[Tensor, str]:
    """``draws`` sets of ``n`` noise samples (draws, n, *sample_shape), uniform over
    :func:`noise_range`, and their description."""
    low, high, description = noise_range(dataset, real)
    gen = torch.Generator(device=dataset.device).manual_seed(seed)
    u = torch.rand((draws, n, dataset.dim), generator=gen, device=dataset.device)
    samples = low + (high - low) * u
    return samples.reshape(draws, n, *dataset.sample_shape), description


def reference_scores(dataset: Dataset, evaluator: Evaluator, draws: int = DRAWS) -> list[ReferenceScores]:
    """The real-data and the uniform-noise reference of ``dataset``, scored by ``evaluator`` (its
    metrics, its sample count, its real reference set), ``draws`` draws each."""
    n = evaluator.n_samples
    real = draw_real(dataset, n, draws)
    noise, how = draw_noise(dataset, evaluator.real, n, draws)

    def scores(samples: Tensor) -> dict[str, np.ndarray]:
        return {k: v.numpy().astype(np.float64) for k, v in evaluator(samples).items()}

    return [
        ReferenceScores(REAL, f"{n:,} samples of the data itself per draw", n, scores(real)),
        ReferenceScores(NOISE, f"{n:,} samples per draw, {how}", n, scores(noise)),
    ]
