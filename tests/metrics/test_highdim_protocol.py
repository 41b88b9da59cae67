"""The high-dimensional mixture's high-quality rule accepts true samples and rejects off-mode ones."""

import torch

from ganbench.metrics.modes import mode_metrics
from ganbench.registry import datasets


def test_true_highdim_samples_are_high_quality_and_cover_every_mode():
    ds = datasets.get("highdim")(None, torch.device("cpu"))
    modes = ds.modes()
    real = ds.sample(2000, torch.Generator().manual_seed(0))
    # a generator whose noise is 1.5× too wide: its samples lie ≈ 52σ from their mode, past σ(√1200 + 10)
    gen = torch.Generator().manual_seed(1)
    idx = torch.randint(10, (2000,), generator=gen)
    wide = modes.centres[idx] + 1.5 * modes.sigma * torch.randn(2000, 1200, generator=gen)
    out = mode_metrics(torch.stack([real, wide]), modes)
    assert out["covered"].tolist()[0] == 10 and out["high_quality"][0] > 0.99
    assert out["high_quality"][1] < 0.01
