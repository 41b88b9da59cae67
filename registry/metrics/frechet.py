"""`frechet`: Fréchet distance between Gaussians fitted to real and generated samples (FID-style)."""

import math
from functools import cached_property

import torch

from ganbench.api import Memory, Metric, Params, metrics
from ganbench.metrics.features import ReferenceCache, Space, feature_map, feature_width, space_name
from ganbench.metrics.frechet import frechet_from_moments, moments, sqrtm_psd


@metrics.register("frechet")
class Frechet(Metric):
    """Heusel et al. 2017 (FID), Dowson & Landau 1982: with means μ and covariances Σ of the fake (f)
    and real (r) features, fd = ‖μ_f − μ_r‖² + tr(Σ_f + Σ_r − 2 (Σ_f Σ_r)^{1/2}) (headline, lower is
    better). Features: the samples themselves for synthetic data, the penultimate layer of the bundled
    digit classifier for the data's side (8×8 or 28×28; per channel, concatenated) for digits
    (``space``; ``feature_space`` names it). The matrix square root goes
    through symmetric eigendecompositions, safe for singular covariances (``ganbench.metrics.frechet``).
    """

    outputs = ("fd",)
    headline = "fd"
    higher_is_better = False
    ranges = {"fd": (0.0, math.inf)}

    class Params(Params):
        space: Space = "auto"

    def __init__(self, params, dataset):
        super().__init__(params, dataset)
        self.features = feature_map(dataset, self.params.space)
        self.feature_space = space_name(dataset, self.params.space)
        self.reference = ReferenceCache(self._real_moments)

    @cached_property
    def feature_width(self) -> int:
        """Features per sample (D)."""
        return feature_width(self.features, self.dataset)

    def memory(self, members, n_fake, n_real):
        """On the host, in float64: both sample sets, and about six D × D matrices (covariances,
        the square root, their product and the eigendecompositions' workspace), D the feature
        width; one member at a time."""
        width = self.feature_width
        return Memory(device=0, host=8 * (width * (n_fake + n_real) + 6 * width * width))

    def _real_moments(self, real):
        mu, cov = moments(self.features(real))
        return mu, cov, sqrtm_psd(cov)

    def compute(self, fake, real):
        mu_r, cov_r, sqrt_r = self.reference(real)
        fds = [frechet_from_moments(*moments(self.features(f)), mu_r, cov_r, sqrt_cov2=sqrt_r) for f in fake]
        return {"fd": torch.stack(fds)}
