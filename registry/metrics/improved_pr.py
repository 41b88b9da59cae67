"""`improved_pr`: improved precision and recall (Kynkäänniemi et al. 2019), k = 3."""

import torch
from pydantic import model_validator

from ganbench.api import Field, Metric, Params, metrics
from ganbench.metrics.features import ReferenceCache, Space, feature_map
from ganbench.metrics.prdc import improved_precision_recall, knn_radii


@metrics.register("improved_pr")
class ImprovedPR(Metric):
    """Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative Models".

    The real and the fake manifolds are each estimated as the union of closed balls around their
    samples, radius = distance to the k-th nearest neighbour (k = 3). precision = share of fake
    samples inside the real manifold; recall = share of real samples inside the fake manifold
    (headline, higher is better: it drops when modes are missed). Data space for synthetic data,
    digit-classifier features for digits (``space``); the first ``max_samples`` samples of each set.
    """

    outputs = ("precision", "recall")
    headline = "recall"
    higher_is_better = True

    class Params(Params):
        k: int = Field(3, ge=1, description="nearest neighbour defining each ball's radius")
        max_samples: int = Field(10_000, ge=10, description="cap on fake (per seed) and real samples")
        space: Space = "auto"

        @model_validator(mode="after")
        def _enough_samples(self):
            if self.max_samples <= self.k:
                raise ValueError(f"max_samples ({self.max_samples}) must exceed k ({self.k})")
            return self

    def __init__(self, params, dataset):
        super().__init__(params, dataset)
        self.features = feature_map(dataset, self.params.space)
        self.reference = ReferenceCache(self._embed_real)

    def _embed_real(self, real):
        feats = self.features(real[: self.params.max_samples])
        return feats, knn_radii(feats, self.params.k)

    def compute(self, fake, real):
        real_feats, radii = self.reference(real)
        k, cap = self.params.k, self.params.max_samples
        rows = [improved_precision_recall(real_feats, self.features(f[:cap]), k, radii) for f in fake]
        return {name: torch.stack([r[name] for r in rows]) for name in self.outputs}
