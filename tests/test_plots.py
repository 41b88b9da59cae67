"""Sanity tests for ganbench.train.plots.samples_figure: every kind of data gives a readable PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from ganbench.contracts import Dataset
from ganbench.registry import datasets
from ganbench.train import plots
from ganbench.train.plots import SampleFigures, samples_figure

CPU = torch.device("cpu")


def make(name: str, **params):
    cls = datasets.get(name)
    return cls(cls.Params(**params), CPU)


def fake_and_real(dataset, seeds: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Real samples, and "generated" ones: real samples with seed-dependent noise."""
    real = dataset.sample(n, torch.Generator().manual_seed(0))
    gens = [torch.Generator().manual_seed(10 + s) for s in range(seeds)]
    fake = dataset.batch(gens, n)
    noise = torch.randn(fake.shape, generator=gens[0])
    fake = fake + 0.1 * torch.arange(seeds).view(-1, *[1] * (fake.dim() - 1)) * noise
    return fake, real


def assert_png(path: Path) -> np.ndarray:
    assert path.is_file() and path.stat().st_size > 1000
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.01  # something was drawn
    return image


@pytest.mark.parametrize(
    ("name", "params", "seeds"),
    [
        ("ring", {}, 3),
        ("grid", {}, 1),
        ("highdim", {"dim": 20}, 2),
        ("digits", {}, 1),
        ("stacked_digits", {}, 2),
        ("mnist", {}, 2),
        ("stacked_mnist", {}, 1),
    ],
)
def test_samples_figure_writes_png(tmp_path: Path, name: str, params: dict, seeds: int) -> None:
    dataset = make(name, **params)
    fake, real = fake_and_real(dataset, seeds, 128)
    before = plt.get_fignums()  # another test in this worker may have left one open
    out = samples_figure(dataset, fake, real, tmp_path / "sub" / f"{name}.png", title=name)
    assert out == tmp_path / "sub" / f"{name}.png"
    assert_png(out)
    assert plt.get_fignums() == before  # its own figure was closed


def test_samples_figure_survives_diverged_generator(tmp_path: Path) -> None:
    for name, params in [("grid", {}), ("highdim", {"dim": 10}), ("digits", {})]:
        dataset = make(name, **params)
        fake, real = fake_and_real(dataset, 2, 64)
        fake[0, :10] = float("nan")
        fake[1, :5] = 1e6
        assert_png(samples_figure(dataset, fake, real, tmp_path / f"{name}.png"))


def test_samples_figure_accepts_single_seed_without_seed_axis(tmp_path: Path) -> None:
    dataset = make("ring")
    fake, real = fake_and_real(dataset, 1, 64)
    out = samples_figure(dataset, fake[0], real, tmp_path / "one.png", seed_labels=["seed 42"])
    assert_png(out)


def test_samples_figure_user_data(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.save(tmp_path / "line.npy", rng.normal(size=200))
    np.save(tmp_path / "rgb.npy", rng.random((20, 3, 6, 6)))
    np.save(tmp_path / "vectors.npy", rng.normal(size=(50, 5)) * 100)
    before = plt.get_fignums()  # another test in this worker may have left one open
    for stem in ("line", "rgb", "vectors"):
        dataset = make("npz", path=str(tmp_path / f"{stem}.npy"))
        fake, real = fake_and_real(dataset, 2, 40)
        assert_png(samples_figure(dataset, fake, real, tmp_path / f"{stem}.png"))
    assert plt.get_fignums() == before


@pytest.mark.parametrize(("name", "params"), [("ring", {}), ("highdim", {"dim": 10}), ("digits", {})])
def test_sample_figures_draw_what_samples_figure_draws(tmp_path: Path, name: str, params: dict) -> None:
    """The fast renderer of one seed's many figures (static part drawn once) gives the figure that
    samples_figure draws: the same size, at most a few pixels apart (points drawn over the frame),
    for titles of different lengths, a second seed's label, points outside the view and NaN."""
    dataset = make(name, **params)
    fake, real = fake_and_real(dataset, 2, 500)
    fake[1, :7] = float("nan")
    fake[1, 7:20] = 50.0
    before = plt.get_fignums()
    figures = SampleFigures(dataset, real)
    titles = ["loss + schedule on data: seed 0, 400 G updates", "a much longer label " * 4 + "seed 1, final"]
    for seed, title in [(0, titles[0]), (1, titles[0]), (1, titles[1]), (0, titles[1])]:
        fast = assert_png(figures.save(fake[seed], tmp_path / f"fast{seed}.png", title, f"seed {seed}"))
        ref = samples_figure(
            dataset, fake[seed], real, tmp_path / f"ref{seed}.png", title=title, seed_labels=[f"seed {seed}"]
        )
        slow = assert_png(ref)
        assert fast.shape[:2] == slow.shape[:2]
        differ = np.abs(fast[..., :3] - slow[..., :3]).max(axis=-1) > 0.1
        assert differ.mean() < 0.005, f"{name}, seed {seed}: {differ.mean():.2%} of the pixels differ"
        if dataset.image_shape is None:  # and only inside the panel's frame: titles and legend agree
            lines = plots._wrap(max(plots.PANEL_INCHES, 4.5), title).count("\n") + 1
            box = figures._templates[lines].ax.get_window_extent()  # the frame this figure was drawn in
            rows, cols = np.nonzero(differ)
            top = fast.shape[0] - box.y1
            assert np.all((rows >= top - 4) & (rows <= top + box.height + 4)), f"{name}: titles differ"
            assert np.all((cols >= box.x0 - 4) & (cols <= box.x1 + 4)), f"{name}: outside the frame"
    figures.close()
    assert plt.get_fignums() == before  # nothing left open in pyplot


class _Squares(Dataset):
    """(C, side, side) images, each one flat colour: sample i has channel values ``colours[i]``."""

    bounded = True

    def __init__(self, colours: np.ndarray, side: int) -> None:
        super().__init__(None, CPU)
        self.sample_shape = (colours.shape[1], side, side)
        self.data = torch.tensor(colours, dtype=torch.float32)[:, :, None, None].expand(-1, -1, side, side)

    def sample(self, n, generator):
        return self.data[:n]


@pytest.mark.parametrize("side", [8, 28, 64])
def test_image_grids_hold_64_images_in_colour_or_grey_at_any_side(side: int) -> None:
    """8 × 8 images a grid, pixels mapped from [−1, 1] to [0, 1]; 3 channels as colour (red stays
    red), 1 channel as ink (−1 white, 1 black); panels grow with the images (64 × 64 ones too)."""
    red = np.tile([[1.0, -1.0, -1.0]], (64, 1))
    rgb = _Squares(red, side)
    x = rgb.sample(64, None).numpy().reshape(1, 64, -1)
    fig = plots._image_figure(rgb, x, x[0], ["seed 0"])
    grid = fig.axes[1].images[0].get_array()
    gap = 2
    assert grid.shape == (8 * (side + gap) + gap, 8 * (side + gap) + gap, 3)
    assert np.allclose(grid[gap + side // 2, gap + side // 2], [1, 0, 0])  # a tile's centre is red
    assert fig.get_figwidth() * fig.dpi >= 2 * grid.shape[1]  # two panels, no image pixel lost
    plt.close(fig)

    grey = _Squares(np.linspace(-1, 1, 64)[:, None], side)
    g = grey.sample(64, None).numpy().reshape(1, 64, -1)
    fig = plots._image_figure(grey, g, g[0], ["seed 0"])
    image = fig.axes[1].images[0]
    assert image.get_array().ndim == 2 and image.get_cmap().name.startswith("gray_r")
    tiles = image.get_array()[gap + side // 2, gap :: side + gap][:8]
    np.testing.assert_allclose(tiles, np.linspace(0, 1, 64)[:8])  # row 0: samples 0..7, scaled
    plt.close(fig)
