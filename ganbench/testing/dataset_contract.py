"""The Dataset contract, as checks any registered dataset must pass."""

from __future__ import annotations

from pathlib import Path

import torch

from ganbench import registry
from ganbench.contracts import ClassifierModes, Dataset, GaussianModes, Streams, make_streams


def make(name: str, folder: Path, device: str = "cpu") -> Dataset:
    """An instance of the registered dataset with its example parameters."""
    cls = registry.datasets.get(name)
    return cls(cls.Params(**cls.example_params(folder)), torch.device(device))


def check_batches(name: str, folder: Path) -> None:
    """``batch`` gives (S, B, *sample_shape) finite samples on the device; bounded data lie in [−1, 1]."""
    ds = make(name, folder)
    gens = [torch.Generator().manual_seed(s) for s in (1, 2)]
    x = ds.batch(gens, 32)
    assert x.shape == (2, 32, *ds.sample_shape), f"{name}: batch shape {tuple(x.shape)}"
    assert x.device == ds.device and x.dtype == torch.float32
    assert torch.isfinite(x).all(), f"{name}: non-finite samples"
    assert ds.dim == x[0, 0].numel()
    if ds.bounded:
        assert x.min() >= -1 and x.max() <= 1, f"{name}: bounded data outside [-1, 1]"
    if len(ds.sample_shape) == 3:  # images: (C, H, W), and image_shape says so
        assert ds.image_shape == tuple(ds.sample_shape), f"{name}: image_shape is not the sample shape"
        assert min(ds.sample_shape) >= 1, f"{name}: an image axis is empty"
    else:
        assert len(ds.sample_shape) == 1, f"{name}: samples are vectors (D,) or images (C, H, W)"
        assert ds.image_shape is None, f"{name}: vectors have no image_shape"
    assert ds.steps_per_epoch(32) >= 1


def check_streams(name: str, folder: Path) -> None:
    """Seed s draws only from generator s: same seed → same samples; another seed → other samples."""
    ds = make(name, folder)
    a = ds.batch([torch.Generator().manual_seed(5), torch.Generator().manual_seed(6)], 16)
    b = ds.batch([torch.Generator().manual_seed(5), torch.Generator().manual_seed(7)], 16)
    assert torch.equal(a[0], b[0]), f"{name}: seed 0's samples depend on another seed's stream"
    assert not torch.equal(a[1], b[1]), f"{name}: different streams gave identical samples"


def streams(seeds: list[int], kind: str = "philox", device: str = "cpu") -> Streams:
    """Training streams of ``kind`` for ``seeds`` (as the trainer builds them)."""
    return make_streams(kind, seeds, "train", torch.device(device))


def check_draw(name: str, folder: Path) -> None:
    """``draw(streams, n)`` — the trainer's path — gives (S, n, *sample_shape) finite float32 samples
    on the device (bounded data in [−1, 1]); seed s's rows depend on seed s's stream alone, and the
    same seeds give the same samples."""
    ds = make(name, folder)
    for kind in ("philox", "generator"):  # both sources of per-seed random numbers
        x = ds.draw(streams([5, 6], kind), 16)
        assert x.shape == (2, 16, *ds.sample_shape), f"{name}: draw shape {tuple(x.shape)}"
        assert x.device == ds.device and x.dtype == torch.float32
        assert torch.isfinite(x).all(), f"{name}: non-finite samples"
        if ds.bounded:
            assert x.min() >= -1 and x.max() <= 1, f"{name}: bounded data outside [-1, 1]"
        alone = ds.draw(streams([6], kind), 16)
        assert torch.equal(alone[0], x[1]), f"{name}: seed 6's samples depend on the seed beside it ({kind})"
        assert torch.equal(ds.draw(streams([5, 6], kind), 16), x), f"{name}: draw is not reproducible"
        assert not torch.equal(x[0], x[1]), f"{name}: different seeds gave identical samples"


def check_modes(name: str, folder: Path) -> None:
    """Known modes are well formed: Gaussian centres match the data dimension, σ > 0; digit modes
    (:class:`ClassifierModes`) belong to images with one digit per channel, of the classifier's side."""
    ds = make(name, folder)
    modes = ds.modes()
    if isinstance(modes, GaussianModes):
        assert modes.centres.shape == (modes.n_modes, ds.dim) and modes.sigma > 0
        assert modes.centres.device.type == "cpu"
    elif modes is not None:
        assert isinstance(modes, ClassifierModes) and modes.channels >= 1
        assert ds.image_shape == (modes.channels, modes.side, modes.side), (
            f"{name}: ClassifierModes(channels={modes.channels}, side={modes.side}) for samples of "
            f"shape {ds.sample_shape}"
        )
