"""`grid`: 25 Gaussian modes on the 5×5 grid {−4,−2,0,2,4}² (VEEGAN, Srivastava et al. 2017;
PacGAN, Lin et al. 2018)."""

import torch
from torch import Tensor

from ganbench.api import Dataset, Field, GaussianModes, Params, Streams, datasets


@datasets.register("grid")
class Grid(Dataset):
    """Mixture of ``side``² isotropic 2-D Gaussians with centres on a square grid of spacing
    ``spacing`` centred at the origin, standard deviation ``sigma``, equal weights.
    Defaults (the VEEGAN/PacGAN protocol): 25 modes on {−4,−2,0,2,4}², σ = 0.05."""

    sample_shape = (2,)

    class Params(Params):
        side: int = Field(5, ge=1)
        spacing: float = Field(2.0, gt=0)
        sigma: float = Field(0.05, gt=0)

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        ticks = (torch.arange(p.side, dtype=torch.float64) - (p.side - 1) / 2) * p.spacing
        xs, ys = torch.meshgrid(ticks, ticks, indexing="ij")
        self.centres = torch.stack([xs.flatten(), ys.flatten()], dim=1).float()
        self._centres_dev = self.centres.to(self.device)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` samples: a uniformly chosen centre plus σ-scaled standard normal noise."""
        idx = torch.randint(len(self.centres), (n,), generator=generator, device=self.device)
        noise = torch.randn(n, 2, generator=generator, device=self.device)
        return self._centres_dev[idx] + self.params.sigma * noise

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` samples per seed, all seeds at once: centre indices and noise from the streams."""
        p = self.params
        idx = streams.randint(len(self.centres), n)
        return self._centres_dev[idx] + p.sigma * streams.normal(n, 2)

    def modes(self) -> GaussianModes:
        """The grid centres and σ; high quality means within 3σ of the nearest centre."""
        return GaussianModes(self.centres, self.params.sigma, hq_sigmas=3.0)
