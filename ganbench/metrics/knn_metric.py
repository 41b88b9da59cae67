"""Shared set-up of the k-nearest-neighbour metrics (PRDC, improved precision/recall)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ganbench.contracts.metric import Metric
from ganbench.contracts.params import Params
from ganbench.metrics.features import ReferenceCache, Space, feature_map, space_name
from ganbench.metrics.prdc import knn_radii


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

    def _embed_real(self, real):
        feats = self.features(real[: self.params.max_samples])
        return feats, knn_radii(feats, self.params.k)
