"""`improved_pr`: improved precision and recall (Kynkäänniemi et al. 2019), k = 3."""

import torch

from ganbench.api import Field, metrics
from ganbench.metrics.knn_metric import KnnMetric, KnnParams
from ganbench.metrics.prdc import improved_precision_recall


@metrics.register("improved_pr")
class ImprovedPR(KnnMetric):
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
    ranges = {"precision": (0.0, 1.0), "recall": (0.0, 1.0)}

    class Params(KnnParams):
        k: int = Field(3, ge=1, description="nearest neighbour defining each ball's radius")

    def compute(self, fake, real):
        real_feats, radii = self.reference(real)
        k, cap = self.params.k, self.params.max_samples
        rows = [improved_precision_recall(real_feats, self.features(f[:cap]), k, radii) for f in fake]
        return {name: torch.stack([r[name] for r in rows]) for name in self.outputs}
