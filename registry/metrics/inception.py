"""`inception`: FID and KID in Inception-v3 features, as papers report them (torch-fidelity; opt-in)."""

import torch

from ganbench.api import ClassifierModes, Field, Metric, Params, metrics
from ganbench.metrics.features import ReferenceCache
from ganbench.metrics.frechet import frechet_from_moments, moments, sqrtm_psd
from ganbench.metrics.inception import (
    FEATURE_SPACE,
    extractor,
    inception_features,
    kid,
    to_uint8_rgb,
    torch_fidelity,
    weights_path,
)


@metrics.register("inception")
class Inception(Metric):
    """FID (Heusel et al. 2017) and KID (Bińkowski et al. 2018) in the 2048-D pool3 features of
    Inception-v3, through torch-fidelity's ``inception-v3-compat`` extractor. With feature means μ and
    covariances Σ of real (r) and generated (g) images: fid = ‖μ_r − μ_g‖² + tr(Σ_r + Σ_g −
    2 (Σ_r Σ_g)^{1/2}) (headline, lower is better); kid = the unbiased MMD² under the kernel
    (xᵀy / 2048 + 1)³, mean over ``kid_subsets`` random subsets of ``kid_subset_size`` (capped at the
    sample counts); kid_std its standard deviation over the subsets. Images are turned into uint8 RGB
    as PNG files hold them. For natural images: data whose samples are grey or RGB images without a
    digit classifier of their own (those are compared in its features). Not on by default — 299×299
    Inception passes cost minutes on a CPU —: name it in a spec's ``metrics`` or pass
    ``--inception`` to ``ganbench evaluate``. Needs the ``fid`` extra and weights that are already
    on the machine (``weights``, else torch-fidelity's file in torch hub's cache; never downloaded).
    Details: ``ganbench.metrics.inception``.
    """

    outputs = ("fid", "kid", "kid_std")
    headline = "fid"
    higher_is_better = False
    by_default = False
    feature_space = FEATURE_SPACE

    class Params(Params):
        weights: str | None = Field(None, description="Inception weights file; default: torch hub's cache")
        kid_subsets: int = Field(100, ge=1, description="KID: random subsets averaged")
        kid_subset_size: int = Field(1000, ge=2, description="KID: samples per subset (capped at N)")
        seed: int = Field(2020, description="KID subsets' random seed (torch-fidelity's default)")

    def __init__(self, params, dataset):
        super().__init__(params, dataset)
        torch_fidelity()  # first: without the package, the weights are moot
        path = weights_path(self.params.weights)
        self.model = extractor(str(path), str(dataset.device))
        self.image_shape = tuple(dataset.image_shape)
        self.reference = ReferenceCache(self._real_features)

    @classmethod
    def applies_to(cls, dataset):
        shape = dataset.image_shape
        images = shape is not None and (len(shape) == 2 or (len(shape) == 3 and shape[0] in (1, 3)))
        return images and not isinstance(dataset.modes(), ClassifierModes)

    def _features(self, x):
        return inception_features(self.model, to_uint8_rgb(x, self.image_shape))

    def _real_features(self, real):
        feats = self._features(real)
        mu, cov = moments(feats)
        return feats, mu, cov, sqrtm_psd(cov)

    def compute(self, fake, real):
        real_feats, mu_r, cov_r, sqrt_r = self.reference(real)
        p = self.params
        rows = []
        for f in fake:
            feats = self._features(f)
            fd = frechet_from_moments(*moments(feats), mu_r, cov_r, sqrt_cov2=sqrt_r)
            rows.append((fd.item(), *kid(feats, real_feats, p.kid_subsets, p.kid_subset_size, p.seed)))
        values = torch.tensor(rows, dtype=torch.float64)
        return {"fid": values[:, 0], "kid": values[:, 1], "kid_std": values[:, 2]}
