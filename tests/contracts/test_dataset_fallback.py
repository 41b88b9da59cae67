"""A dataset plugin with only ``sample(n, generator)`` still trains: ``draw`` falls back to one
generator per seed, seeded from the seed's own stream."""

import torch

from ganbench.contracts import Dataset
from ganbench.testing import dataset_contract


class SampleOnly(Dataset):
    """A plugin written before ``draw`` existed: 2-D standard normals from one generator."""

    sample_shape = (2,)

    def sample(self, n, generator):
        return torch.randn(n, 2, generator=generator, device=self.device)


def test_sample_only_plugin_draws_per_seed_through_the_fallback():
    ds = SampleOnly(None, torch.device("cpu"))
    x = ds.draw(dataset_contract.streams([5, 6]), 16)
    assert x.shape == (2, 16, 2) and torch.isfinite(x).all()
    assert torch.equal(ds.draw(dataset_contract.streams([6]), 16)[0], x[1])  # independent of seed 5
    assert torch.equal(ds.draw(dataset_contract.streams([5, 6]), 16), x)  # reproducible
    assert not torch.equal(x[0], x[1])


def test_built_in_draw_matches_its_sample_distribution():
    """The vectorized ring draw and the per-generator ring sample put mass on the same modes."""
    from ganbench.registry import datasets

    ring = datasets.get("ring")(None, torch.device("cpu"))
    x = ring.draw(dataset_contract.streams([0]), 4000)[0]
    nearest = torch.cdist(x, ring.centres).argmin(1)
    counts = torch.bincount(nearest, minlength=8).float()
    assert (counts / 4000 - 1 / 8).abs().max() < 0.03
    assert torch.cdist(x, ring.centres).min(1).values.max() < 6 * ring.params.sigma
