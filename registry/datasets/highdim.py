"""`highdim`: a mixture of Gaussians in a high-dimensional space (VEEGAN, Srivastava et al. 2017:
10 modes in 1200-D, a sample is high quality within 10σ of the nearest mode — measured here beyond the
σ√D shell where true samples lie, or no real sample would pass)."""

import torch
from torch import Tensor

from ganbench.api import Dataset, Field, GaussianModes, Params, Streams, datasets


@datasets.register("highdim")
class HighDim(Dataset):
    """Mixture of ``n_modes`` isotropic Gaussians in ``dim`` dimensions, standard deviation
    ``sigma``, equal weights. The centres are drawn once, uniformly in [−1, 1]^dim, from a CPU
    generator seeded with ``centre_seed`` — so they are the same on every device and for every
    training seed, and only the samples depend on the seed's generator.
    Defaults: 10 modes in 1200-D, σ = 0.01, centre_seed = 0."""

    sample_shape = (1200,)  # the default; each instance sets its own from ``dim``

    class Params(Params):
        n_modes: int = Field(10, ge=1)
        dim: int = Field(1200, ge=1)
        sigma: float = Field(0.01, gt=0)
        centre_seed: int = Field(0, ge=0)

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        self.sample_shape = (p.dim,)
        cpu = torch.Generator(device="cpu").manual_seed(p.centre_seed)
        self.centres = torch.rand(p.n_modes, p.dim, generator=cpu) * 2 - 1
        self._centres_dev = self.centres.to(self.device)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` samples: a uniformly chosen centre plus σ-scaled standard normal noise."""
        p = self.params
        idx = torch.randint(p.n_modes, (n,), generator=generator, device=self.device)
        noise = torch.randn(n, p.dim, generator=generator, device=self.device)
        return self._centres_dev[idx] + p.sigma * noise

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` samples per seed, all seeds at once: centre indices and noise from the streams."""
        p = self.params
        idx = streams.randint(p.n_modes, n)
        return self._centres_dev[idx] + p.sigma * streams.normal(n, p.dim)

    def modes(self) -> GaussianModes:
        """The centres and σ; high quality means within 10σ (VEEGAN's rule) beyond the σ√D shell
        where true samples lie (see ``GaussianModes.hq_radius``)."""
        return GaussianModes(self.centres, self.params.sigma, hq_sigmas=10.0, beyond_shell=True)
