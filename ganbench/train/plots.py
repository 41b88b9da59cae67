"""Figures of generated samples beside the real data, one panel per seed (PNG, matplotlib Agg).

What a panel shows depends on the data:

- 2-D points: the generated samples scattered over the real ones, true mode centres marked;
- 1-D points: overlaid histograms of real and generated values;
- higher-dimensional points: both projected onto the first two principal components of the real data;
- images (``dataset.image_shape`` (C, H, W), any side): a grid of generated images per seed — 8×8 =
  64 of them, pixels mapped from [−1, 1] to [0, 1]; grey as dark ink on white, 3 channels as colour
  — plus one grid of real images. Stacked digits (one digit per channel) show each sample's channels
  side by side instead, so that its three digits — its mode — can be read.

Every panel of one figure shares the same axis limits (or grey-level range), taken from the real
data, so seeds can be compared at a glance; generated samples outside the view are counted.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: never open a window, also on machines without a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ganbench.contracts.dataset import ClassifierModes, Dataset, GaussianModes  # noqa: E402

REAL_COLOUR = "#9a9a9a"
FAKE_COLOUR = "#1f6fd1"
CENTRE_COLOUR = "#d62728"
GAP_COLOUR = "#aebfd4"  # the frame between tiles of an image mosaic
PANEL_INCHES = 3.4
MAX_COLUMNS = 4
IMAGE_ROWS = 8
"""Rows of an image grid; grey and colour grids are square (64 images), stacked digits' as wide as fits."""
DPI = 110


def samples_figure(
    dataset: Dataset,
    fake: torch.Tensor,
    real: torch.Tensor,
    path: str | Path,
    title: str | None = None,
    seed_labels: Sequence[str] | None = None,
) -> Path:
    """Save a PNG of generated samples beside the real data, one panel per seed, and return its path.

    ``fake`` has shape (S, N, *sample_shape) (a single seed's (N, *sample_shape) is accepted too) and
    ``real`` has shape (N, *sample_shape), both on the CPU. ``seed_labels`` names the panels
    (default "seed 0", "seed 1", …). Non-finite generated values (a diverged run) are not drawn
    and are counted with the samples outside the view.
    """
    real_np = _numpy(real).reshape(len(real), -1)
    fake_np = _numpy(fake)
    if fake_np.ndim == 1 + len(dataset.sample_shape):  # (N, *sample_shape): a single seed
        fake_np = fake_np[None]
    fake_np = fake_np.reshape(fake_np.shape[0], fake_np.shape[1], -1)
    labels = list(seed_labels) if seed_labels is not None else [f"seed {s}" for s in range(len(fake_np))]

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    before = set(plt.get_fignums())
    try:
        if dataset.image_shape is not None:
            fig = _image_figure(dataset, fake_np, real_np, labels)
        elif real_np.shape[1] == 1:
            fig = _histogram_figure(dataset, fake_np, real_np, labels)
        else:
            fig = _scatter_figure(dataset, fake_np, real_np, labels)
        if title:
            _suptitle(fig, title)
        fig.savefig(path, dpi=DPI)
    finally:
        for number in set(plt.get_fignums()) - before:  # long runs draw many figures: free them all
            plt.close(number)
    return path


def _wrap(fig: Figure | float, title: str) -> str:
    """``title`` wrapped to the figure's width (or a width in inches), so that a one-panel figure
    does not cut it off."""
    width = fig.get_figwidth() if isinstance(fig, Figure) else fig
    return textwrap.fill(title, max(30, int(width * 9)))


def _suptitle(fig: Figure, title: str):
    fig.set_figheight(fig.get_figheight() + 0.3)
    return fig.suptitle(_wrap(fig, title), fontsize="medium")


def _numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def _panels(n: int, panel_w: float, panel_h: float, extra_h: float = 0.0) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels in rows of at most MAX_COLUMNS; unused cells are hidden.

    ``extra_h`` inches are added for a legend or title; the figure is never narrower than 4.5 inches
    so that a legend below a single panel fits.
    """
    ncols = min(n, MAX_COLUMNS)
    nrows = math.ceil(n / ncols)
    size = (max(panel_w * ncols, 4.5), panel_h * nrows + extra_h)
    fig, grid = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
    axes = list(grid.flat)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


# --- points -------------------------------------------------------------------------------------


def _scatter_figure(
    dataset: Dataset, fake: np.ndarray, real: np.ndarray, labels: list[str], projection=None
) -> Figure:
    """2-D data as is; higher-dimensional data projected on the real data's first two PCs
    (``projection``: that projection and its axis names, when the caller has it already)."""
    modes = dataset.modes()
    centres = _numpy(modes.centres).reshape(modes.n_modes, -1) if isinstance(modes, GaussianModes) else None
    project, axis_names = projection or _projection(real)
    real_2d = project(real)
    centres_2d = project(centres) if centres is not None else None
    lo, hi = _limits(np.concatenate([real_2d, centres_2d]) if centres_2d is not None else real_2d)

    fig, axes = _panels(len(fake), PANEL_INCHES, PANEL_INCHES, extra_h=0.6)
    for ax, seed_fake, label in zip(axes, fake, labels, strict=False):
        fake_2d = project(seed_fake)
        ax.scatter(*real_2d.T, s=6, c=REAL_COLOUR, alpha=0.4, linewidths=0, label="real", rasterized=True)
        ax.scatter(*fake_2d.T, s=4, c=FAKE_COLOUR, alpha=0.55, linewidths=0, label="generated")
        if centres_2d is not None:
            ax.scatter(  # hollow rings: the samples on a mode stay visible inside its marker
                *centres_2d.T,
                s=90,
                marker="o",
                facecolors="none",
                edgecolors=CENTRE_COLOUR,
                linewidths=1.0,
                label="true mode",
            )
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(axis_names[0], fontsize=8)
        ax.set_ylabel(axis_names[1], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.2)
        ax.set_title(label, fontsize=10)
        _note_outside(ax, fake_2d, lo, hi)
    handles, names = axes[0].get_legend_handles_labels()
    legend = fig.legend(
        handles, names, loc="outside lower center", ncol=len(names), frameon=False, fontsize=9
    )
    for handle in legend.legend_handles:
        handle.set_sizes([40])
        handle.set_alpha(0.9)
    return fig


def _identity(x: np.ndarray) -> np.ndarray:
    return x


def _projection(real: np.ndarray):
    """2-D data as is; higher-dimensional data onto the real data's first two PCs."""
    if real.shape[1] == 2:
        return _identity, ("$x_1$", "$x_2$")
    return _pca_projection(real)


def _pca_projection(real: np.ndarray):
    """Projection onto the first two principal components of ``real``, and the axis names.

    The projection is a plain affine map (not ``PCA.transform``) so that non-finite generated
    samples pass through as NaN instead of raising.
    """
    from sklearn.decomposition import PCA  # local import: scikit-learn is slow to import

    pca = PCA(n_components=2).fit(real)
    mean, components = pca.mean_, pca.components_

    def project(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return (x - mean) @ components.T

    ratio = pca.explained_variance_ratio_
    return project, (f"PC1 ({ratio[0]:.0%} of real variance)", f"PC2 ({ratio[1]:.0%})")


def _limits(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A square-ish view around ``points`` with a 15% margin (never zero-width)."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, (hi - lo).max() / 2
    half = max(half * 1.15, 1e-6) if half > 0 else 1.0
    return centre - half, centre + half


def _outside(points: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    """The note "k of n outside view" for the generated samples outside the view (non-finite ones
    included), or "" when none is."""
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(points).all(axis=1) & (points >= lo).all(axis=1) & (points <= hi).all(axis=1)
    outside = int((~inside).sum())
    return f"{outside} of {len(points)} outside view" if outside else ""


def _note_outside(ax: Axes, points: np.ndarray, lo: np.ndarray, hi: np.ndarray, always: bool = False):
    """Write how many generated samples fall outside the view; return the text artist (None when
    none is outside, unless ``always``)."""
    text = _outside(points, lo, hi)
    if not (text or always):
        return None
    box = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5}
    return ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize=7, color=FAKE_COLOUR, bbox=box)


def _histogram_figure(dataset: Dataset, fake: np.ndarray, real: np.ndarray, labels: list[str]) -> Figure:
    """1-D data: overlaid density histograms of the real and generated values."""
    modes = dataset.modes()
    lo, hi = _limits(real)
    bins = np.histogram_bin_edges(real[:, 0], bins="auto", range=(lo[0], hi[0]))
    fig, axes = _panels(len(fake), PANEL_INCHES, PANEL_INCHES * 0.75, extra_h=0.6)
    for ax, seed_fake, label in zip(axes, fake, labels, strict=False):
        ax.hist(real[:, 0], bins=bins, density=True, color=REAL_COLOUR, alpha=0.5, label="real")
        values = seed_fake[:, 0][np.isfinite(seed_fake[:, 0])]
        ax.hist(
            values, bins=bins, density=True, histtype="step", color=FAKE_COLOUR, lw=1.5, label="generated"
        )
        if isinstance(modes, GaussianModes):
            for x in _numpy(modes.centres).ravel():
                ax.axvline(x, color=CENTRE_COLOUR, lw=0.8)
        ax.set_xlim(lo[0], hi[0])
        ax.tick_params(labelsize=7)
        ax.set_title(label, fontsize=10)
        _note_outside(ax, seed_fake, lo, hi)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
    return fig


# --- images -------------------------------------------------------------------------------------


def _image_figure(dataset: Dataset, fake: np.ndarray, real: np.ndarray, labels: list[str]) -> Figure:
    """A mosaic of real images, then one mosaic of generated images per seed. The panels grow with
    the images, so that every image pixel gets at least one screen pixel (64×64 images included)."""
    shape = tuple(dataset.image_shape)
    c, h, w = (1, *shape) if len(shape) == 2 else shape  # (H, W): a plugin's grey images of old
    modes = dataset.modes()
    # Channels are independent images (stacked digits) or colours of one image (RGB).
    style = (
        "rgb" if c == 3 and not (isinstance(modes, ClassifierModes) and modes.channels > 1) else "channels"
    )
    if c == 1:
        style = "grey"
    lo, hi = (-1.0, 1.0) if dataset.bounded else (float(real.min()), float(real.max()))
    if style == "channels":  # as many samples a row as fill a panel about 1.4 times as wide as high
        tile_w = c * w + (c - 1)
        ncols = int(np.clip(round(1.4 * IMAGE_ROWS * (h + 2) / (tile_w + 3)), 1, IMAGE_ROWS))
    else:
        ncols = IMAGE_ROWS
    count = ncols * IMAGE_ROWS

    def mosaic(flat: np.ndarray) -> np.ndarray:
        images = flat[:count].reshape(-1, c, h, w)
        scaled = np.clip((images - lo) / max(hi - lo, 1e-12), 0.0, 1.0)  # NaN stays NaN: drawn as gap
        return _mosaic(scaled, ncols, style)

    panels = [("real data", mosaic(real))] + [(lab, mosaic(f)) for lab, f in zip(labels, fake, strict=False)]
    rows, cols = panels[0][1].shape[:2]
    panel_w = max(PANEL_INCHES, 1.1 * cols / DPI)
    fig, axes = _panels(len(panels), panel_w, panel_w * rows / cols + 0.3, extra_h=0.2)
    cmap = plt.get_cmap("gray_r").with_extremes(bad=GAP_COLOUR)  # dark ink on white, like paper
    for ax, (label, image) in zip(axes, panels, strict=True):
        ax.imshow(image, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(label, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def _mosaic(images: np.ndarray, ncols: int, style: str) -> np.ndarray:
    """Tile (n, C, H, W) images in [0, 1] into one array, NaN (or the gap colour) between tiles.

    ``grey``: one tile per image; ``channels``: each image's channels side by side, split by a faint line;
    ``rgb``: channels as colours. Returns (rows, cols) for grey/channels, (rows, cols, 3) for rgb.
    """
    n, c, h, w = images.shape
    if style == "channels":
        sep = np.full((n, h, 1), 0.12)  # a faint line: the channels of one sample read as one "number"
        parts = [images[:, 0]]
        for k in range(1, c):
            parts += [sep, images[:, k]]
        tiles = np.concatenate(parts, axis=2)[..., None]  # (n, h, tile_w, 1)
    elif style == "rgb":
        tiles = images.transpose(0, 2, 3, 1)
    else:
        tiles = images[:, 0, :, :, None]
    th, tw, depth = tiles.shape[1:]
    gap = 3 if style == "channels" else 2
    nrows = math.ceil(n / ncols)
    canvas = np.full((nrows * (th + gap) + gap, ncols * (tw + gap) + gap, depth), np.nan)
    for i, tile in enumerate(tiles):
        r, col = divmod(i, ncols)
        y, x = gap + r * (th + gap), gap + col * (tw + gap)
        canvas[y : y + th, x : x + tw] = tile
    if style == "rgb":
        gap_rgb = np.array(to_rgb(GAP_COLOUR))
        return np.where(np.isnan(canvas), gap_rgb, canvas)
    return canvas[..., 0]


# --- many figures of one cell -------------------------------------------------------------------


class SampleFigures:
    """One seed's sample figures, many of them (every evaluation of every member of a model), drawn
    fast: what stays the same — the real data, axes, grid, legend — is rendered once, and each
    figure draws only the generated points, the true centres, the titles and the outside-view note
    over it (Agg blitting). A figure looks as :func:`samples_figure` draws it. Data that is not
    scatter-plotted (images, 1-D histograms) is drawn by :func:`samples_figure` itself.
    """

    def __init__(self, dataset: Dataset, real: torch.Tensor) -> None:
        self.dataset = dataset
        self.real = real
        self.real_np = _numpy(real).reshape(len(real), -1)
        self.fast = dataset.image_shape is None and self.real_np.shape[1] >= 2
        self.projection = _projection(self.real_np) if self.fast else None
        self._templates: dict[int, _Template] = {}

    def save(self, fake: torch.Tensor, path: str | Path, title: str, label: str) -> Path:
        """Save the PNG of one seed's generated samples ``fake`` (N, *sample_shape) and return its path."""
        if not self.fast:
            return samples_figure(self.dataset, fake, self.real, path, title=title, seed_labels=[label])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        points = self.projection[0](_numpy(fake).reshape(len(fake), -1))
        lines = _wrap(max(PANEL_INCHES, 4.5), title).count("\n") + 1  # the width of one panel
        template = self._templates.get(lines)
        if template is None:
            template = self._templates[lines] = _Template(self, title, label)
        template.save(points, path, title, label)
        return path

    def close(self) -> None:
        """Free the figures (also done when the object is collected)."""
        self._templates.clear()


class _Template:
    """A one-panel scatter figure whose static part is rendered once, laid out for titles of as many
    lines as ``title``."""

    def __init__(self, owner: SampleFigures, title: str, label: str) -> None:
        fig = _scatter_figure(
            owner.dataset, owner.real_np[None, :0], owner.real_np, [label], projection=owner.projection
        )
        # Built with pyplot (layout, legend) but no longer managed by it: never shown, never leaked.
        plt.close(fig)
        FigureCanvasAgg(fig)
        fig.set_dpi(DPI)
        self.fig, self.ax = fig, fig.axes[0]
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        self.lo, self.hi = np.array([x0, y0]), np.array([x1, y1])  # the view, as _outside takes it
        self.fake = self.ax.collections[1]
        self.title = _suptitle(fig, title)
        self.note = _note_outside(self.ax, np.empty((0, 2)), np.zeros(2), np.ones(2), always=True)
        fig.canvas.draw()  # lays the figure out around a title of as many lines as the others
        fig.set_layout_engine("none")  # and keeps that layout for every figure drawn over it
        self.dynamic = [self.fake, *self.ax.collections[2:], self.ax.title, self.title, self.note]
        for artist in self.dynamic:
            artist.set_animated(True)
        fig.canvas.draw()  # the static part alone
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def save(self, points: np.ndarray, path: Path, title: str, label: str) -> None:
        from PIL import Image

        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        self.fake.set_offsets(points[np.isfinite(points).all(axis=1)])  # as scatter leaves them out
        self.note.set_text(_outside(points, self.lo, self.hi))
        self.ax.title.set_text(label)
        self.title.set_text(_wrap(self.fig, title))
        for artist in self.dynamic:
            if artist is not self.note or self.note.get_text():
                self.fig.draw_artist(artist)
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(path, format="png")
