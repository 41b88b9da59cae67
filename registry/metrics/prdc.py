"""`prdc`: precision, recall, density and coverage (Naeem et al. 2020), k = 5."""

import math

import torch

from ganbench.api import Field, metrics
from ganbench.metrics.knn_metric import KnnMetric, KnnParams
from ganbench.metrics.prdc import prdc


@metrics.register("prdc")
class PRDC(KnnMetric):
    """Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative Models".

    With k-NN balls B(X_i, NND_k(X_i)) around the M real and B(Y_j, NND_k(Y_j)) around the N fake
    samples: precision = share of fake samples in some real ball; recall = share of real samples in
    some fake ball; density = (1/kN) Σ_j #{real balls containing Y_j}; coverage = share of real
    balls containing some fake sample (headline, higher is better). Computed in data space for
    synthetic data and in digit-classifier features for digits (``space``), on the first
    ``max_samples`` fake samples and real reference samples. Details: ``ganbench.metrics.prdc``.
    """

    outputs = ("precision", "recall", "density", "coverage")
    headline = "coverage"
    higher_is_better = True
    ranges = {
        "precision": (0.0, 1.0),
        "recall": (0.0, 1.0),
        "density": (0.0, math.inf),
        "coverage": (0.0, 1.0),
    }

    class Params(KnnParams):
        k: int = Field(5, ge=1, description="nearest neighbour defining each ball's radius")

    def compute(self, fake, real):
        real_feats, radii = self.reference(real)
        rows = [
            prdc(real_feats, self.features(f[: self.params.max_samples]), self.params.k, real_radii=radii)
            for f in fake
        ]
        return {name: torch.stack([r[name] for r in rows]) for name in self.outputs}
