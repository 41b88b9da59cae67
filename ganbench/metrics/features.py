"""The feature space in which distribution metrics (PRDC, improved P/R, Fréchet) compare samples.

- ``"data"``: the samples themselves, flattened — right for low-dimensional synthetic data
  (ring, grid, the high-dimensional mixture), where Euclidean distance in data space is meaningful.
- ``"classifier"``: the penultimate layer of the bundled digit classifier for the data's image side
  (8×8 or 28×28, ``ClassifierModes.side``), one feature vector per channel, concatenated
  (``ganbench.metrics.classifier``) — for digit images, as Inception features are for FID on natural
  images (Heusel et al. 2017) and embeddings for PRDC (Naeem et al. 2020).
- ``"auto"``: ``"classifier"`` when the dataset's modes are :class:`ClassifierModes` with a bundled
  classifier for their side (``ganbench.metrics.classifier.has_classifier``), else ``"data"``.

:func:`space_name` says the space in words; metrics computed in a space carry it as
``feature_space`` and runs record it (tag ``feature_space.<metric>``), so reports name it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar

import torch
from torch import Tensor

from ganbench.contracts.dataset import ClassifierModes, Dataset
from ganbench.metrics.classifier import KINDS, channel_features, has_classifier, kind, load_classifier

Space = Literal["auto", "data", "classifier"]
T = TypeVar("T")
FeatureMap = Callable[[Tensor], Tensor]


def resolve_space(dataset: Dataset, space: Space = "auto") -> Literal["data", "classifier"]:
    """The concrete space ``"auto"`` stands for on this dataset; ``"classifier"`` needs digit data
    whose side has a bundled classifier."""
    modes = dataset.modes()
    is_digits = has_classifier(modes)
    if space == "auto":
        return "classifier" if is_digits else "data"
    if space == "classifier" and not is_digits:
        sides = ", ".join(f"{s}×{s}" for s in sorted(KINDS))
        what = (
            f"its digits are {modes.side}×{modes.side}"
            if isinstance(modes, ClassifierModes)
            else "it has no digit modes (ClassifierModes)"
        )
        raise ValueError(
            f"feature space 'classifier' needs digit data with a bundled classifier ({sides}); "
            f"{type(dataset).__name__} has none: {what}. Use 'data' or 'auto'."
        )
    return space


def space_name(dataset: Dataset, space: Space = "auto") -> str:
    """The feature space in words, for tables and reports: ``"data"`` or, e.g.,
    ``"28×28 MNIST classifier features"``."""
    if resolve_space(dataset, space) == "data":
        return "data"
    modes = dataset.modes()
    assert isinstance(modes, ClassifierModes)
    return f"{kind(modes.side).name} features"


def feature_map(
    dataset: Dataset, space: Space = "auto", device: torch.device | str | None = None
) -> FeatureMap:
    """A function (N, *sample_shape) → (N, F) embedding samples of ``dataset`` in the chosen space."""
    if resolve_space(dataset, space) == "data":
        return lambda x: x.flatten(1)
    modes = dataset.modes()
    assert isinstance(modes, ClassifierModes)
    model = load_classifier(device if device is not None else dataset.device, side=modes.side)
    return lambda x: channel_features(model, x, modes.channels)


def feature_width(features: FeatureMap, dataset: Dataset) -> int:
    """How many features ``features`` gives a sample of ``dataset`` (embeds two real samples)."""
    gen = torch.Generator(device=dataset.device).manual_seed(0)
    return int(features(dataset.sample(2, gen)).shape[1])


class ReferenceCache(Generic[T]):
    """Remembers ``fn(real)`` for the last reference tensor seen (by identity).

    The evaluator passes the same real reference set at every evaluation, so metrics compute its
    features, k-NN radii or moments once.
    """

    def __init__(self, fn: Callable[[Tensor], T]) -> None:
        self.fn = fn
        self._key: Tensor | None = None
        self._value: T | None = None

    def __call__(self, real: Tensor) -> T:
        if real is not self._key:
            self._key, self._value = real, self.fn(real)
        return self._value  # type: ignore[return-value]
