"""Shared set-up of the k-nearest-neighbour metrics (PRDC, improved precision/recall)."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, model_validator

from ganbench.contracts.metric import Memory, Metric
from ganbench.contracts.params import Params
from ganbench.metrics.features import ReferenceCache, Space, feature_map, feature_width, space_name
from ganbench.metrics.prdc import CHUNK_ELEMS, knn_radii


class KnnParams(Params):
    """k, a cap on the samples used, and the feature space."""

    k: int = Field(5, ge=1, description="nearest neighbour defining each ball's radius")
    max_samples: int = Field(10_000, ge=10, description="cap on fake (per seed) and real samples")
    space: Space = "auto"

    @model_validator(mode="after")
    def _enough_samples(self):
        if self.max_samples <= self.k:
            raise ValueError(f"max_samples ({self.max_samples}) must exceed k ({self.k})")
        return self


class KnnMetric(Metric):
    """A metric on k-NN balls: embeds samples with ``self.features`` (in the space
    ``self.feature_space`` names) and caches the real set's features and k-NN radii
    (``self.reference(real)`` → (features, radii))."""

    class Params(KnnParams):
        pass

    def __init__(self, params, dataset):
        super().__init__(params, dataset)
        self.features = feature_map(dataset, self.params.space)
        self.feature_space = space_name(dataset, self.params.space)
        self.reference = ReferenceCache(self._embed_real)

    @cached_property
    def feature_width(self) -> int:
        """Features per sample."""
        return feature_width(self.features, self.dataset)

    def memory(self, members, n_fake, n_real):
        """One member at a time on the device: its features and the real ones, their radii, and
        the blocks of distances (:data:`~ganbench.metrics.prdc.CHUNK_ELEMS` entries, a few copies)."""
        width = self.feature_width
        n = min(n_fake, self.params.max_samples) + min(n_real, self.params.max_samples)
        return Memory(device=4 * (2 * n * width + 4 * CHUNK_ELEMS))

    def _embed_real(self, real):
        feats = self.features(real[: self.params.max_samples])
        return feats, knn_radii(feats, self.params.k)
