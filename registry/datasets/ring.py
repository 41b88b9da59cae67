"""`ring`: 8 Gaussian modes evenly spaced on a circle (Metz et al. 2017, "Unrolled GANs")."""

import math

import torch

from ganbench.api import Dataset, Field, GaussianModes, Params, datasets


@datasets.register("ring")
class Ring(Dataset):
    """Mixture of ``n_modes`` isotropic 2-D Gaussians with centres on a circle of ``radius``,
    standard deviation ``sigma``, equal weights. Defaults: 8 modes, radius 1, σ = 0.01."""

    sample_shape = (2,)

    class Params(Params):
        n_modes: int = Field(8, ge=1)
        radius: float = Field(1.0, gt=0)
        sigma: float = Field(0.01, gt=0)

    def __init__(self, params, device):
        super().__init__(params, device)
        p = self.params
        angles = torch.arange(p.n_modes, dtype=torch.float64) * (2 * math.pi / p.n_modes)
        self.centres = (p.radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()
        self._centres_dev = self.centres.to(self.device)

    def sample(self, n, generator):
        idx = torch.randint(self.params.n_modes, (n,), generator=generator, device=self.device)
        noise = torch.randn(n, 2, generator=generator, device=self.device)
        return self._centres_dev[idx] + self.params.sigma * noise

    def draw(self, streams, n):
        """``n`` samples per seed, all seeds at once: mode indices and noise from the streams."""
        idx = streams.randint(self.params.n_modes, n)
        return self._centres_dev[idx] + self.params.sigma * streams.normal(n, 2)

    def modes(self):
        return GaussianModes(self.centres, self.params.sigma, hq_sigmas=3.0)
