"""Generated samples from a file, checked against a dataset's layout: what ``ganbench evaluate`` scores.

A sample file is a NumPy ``.npy`` file, or an ``.npz`` archive holding one array (or several, one
chosen by name), loaded with ``allow_pickle=False``. For a dataset whose samples are images of C
channels, H × W pixels (``Dataset.image_shape``, (H, W) meaning one channel), these layouts are
accepted, N ≥ 1 samples each:

- (N, C, H, W) channels first, (N, H, W, C) channels last, (N, H, W) when C = 1;
- (N, C·H·W), flat rows in channel-major order (and the dataset's own ``sample_shape``);

and these values: uint8 in 0–255 (read as x / 127.5 − 1, the [−1, 1] of the datasets and of a tanh
generator), or floats in [−1, 1]. A float file whose values all lie in [0, 1] is refused as the
common slip it is (images scaled x / 255; ganbench wants x / 127.5 − 1). Data that are not images
(``image_shape`` None: ring, grid, …) take floats of shape (N, *sample_shape), any finite values
(in [−1, 1] where the dataset is ``bounded``). Every problem — a missing file, another format, a
shape, dtype or range the dataset cannot take, NaN or infinite values, no samples — is one
:class:`GanbenchError` paragraph naming the file, what is wrong and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.contracts.dataset import Dataset
from ganbench.errors import GanbenchError

#: Slack on the [−1, 1] range of float samples (float32 round-off of a tanh output and rescalings).
RANGE_SLACK = 1e-4


def image_layout(dataset: Dataset) -> tuple[int, int, int] | None:
    """The dataset's samples as (C, H, W) images, or None when they are not images."""
    shape = dataset.image_shape
    if shape is None:
        return None
    return (1, *shape) if len(shape) == 2 else tuple(shape)  # type: ignore[return-value]


def allowed(name: str, dataset: Dataset) -> str:
    """What a sample file for ``dataset`` may hold, in words."""
    layout = image_layout(dataset)
    sample = tuple(dataset.sample_shape)
    if layout is None:
        bounded = " in [−1, 1]" if dataset.bounded else ""
        return f"Dataset {name!r} takes float samples{bounded} of shape (N, {', '.join(map(str, sample))})."
    c, h, w = layout
    shapes = [f"(N, {c}, {h}, {w})", f"(N, {h}, {w}, {c})"]
    if c == 1:
        shapes.append(f"(N, {h}, {w})")
    shapes.append(f"(N, {c * h * w}) (flat rows, channel-major)")
    return (
        f"Dataset {name!r} takes images of {c} channel(s), {h}×{w} pixels: an array of shape "
        f"{' or '.join(shapes)}, N ≥ 1, either uint8 in 0–255 or float in [−1, 1] (x / 127.5 − 1)."
    )


def read_samples(path: Path, dataset: Dataset, name: str, key: str | None = None) -> torch.Tensor:
    """The samples in ``path`` as float32 (N, *dataset.sample_shape) in the dataset's scale, on the CPU.

    ``name`` is the dataset's registered name (for messages); ``key`` picks an array in an ``.npz``."""

    def fail(problem: str) -> GanbenchError:
        return GanbenchError(f"samples file '{path}' {problem}. {allowed(name, dataset)}")

    array = _load(path, key, fail)
    samples = _to_layout(array, dataset, fail)
    return torch.from_numpy(_to_scale(samples, dataset, fail))


def _load(path: Path, key: str | None, fail) -> np.ndarray:
    if not path.is_file():
        where = f" (resolved to '{path.resolve()}')" if not path.is_absolute() else ""
        raise fail(f"does not exist or is not a regular file{where}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise fail(f"could not be read as a NumPy .npy or .npz file ({type(exc).__name__}: {exc})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        if key is not None:
            raise fail(f"is a single .npy array, so --key {key!r} does not apply; leave it out")
        return loaded
    with loaded:
        names = list(loaded.files)
        if not names:
            raise fail("is an .npz archive with no arrays in it")
        if key is None and len(names) > 1:
            raise fail(f"is an .npz archive of several arrays ({', '.join(names)}); name one with --key")
        if key is not None and key not in names:
            raise fail(f"has no array named {key!r}; the arrays in it are: {', '.join(names)}")
        try:
            return loaded[key or names[0]]
        except Exception as exc:
            raise fail(f"could not be read ({type(exc).__name__}: {exc})") from None


def _to_layout(array: np.ndarray, dataset: Dataset, fail) -> np.ndarray:
    """The array as (N, *sample_shape), channels moved first where it was channels-last."""
    if array.ndim == 0:
        raise fail(f"holds a single number, not an array of samples (dtype {array.dtype})")
    if len(array) == 0:
        raise fail(f"holds no samples (shape {array.shape})")
    sample, layout, shape = tuple(dataset.sample_shape), image_layout(dataset), array.shape[1:]
    as_is = {sample}
    if layout is not None:
        c, h, w = layout
        as_is |= {layout, (c * h * w,)} | ({(h, w)} if c == 1 else set())
        if shape == (h, w, c) and shape not in as_is:
            array = np.moveaxis(array, -1, 1)  # channels last → first
            shape = array.shape[1:]
            as_is.add(shape)
    if shape not in as_is:
        raise fail(f"holds an array of shape {array.shape}, which is not the dataset's layout")
    return np.ascontiguousarray(array).reshape(len(array), *sample)


def _to_scale(samples: np.ndarray, dataset: Dataset, fail) -> np.ndarray:
    """uint8 → x / 127.5 − 1; floats checked finite and in range; anything else refused."""
    kind = samples.dtype.kind
    images = image_layout(dataset) is not None
    if samples.dtype == np.uint8 and images:
        return (samples.astype(np.float32) / 127.5 - 1.0).astype(np.float32)
    if kind != "f":
        wanted = "uint8 or float" if images else "float"
        raise fail(f"holds {samples.dtype} values; the samples must be {wanted}")
    bad = int(np.count_nonzero(~np.isfinite(samples)))
    if bad:
        raise fail(
            f"holds {bad} NaN or infinite value(s) among {samples.size}: samples of a diverged "
            "generator cannot be scored"
        )
    lo, hi = float(samples.min()), float(samples.max())
    if dataset.bounded and (lo < -1 - RANGE_SLACK or hi > 1 + RANGE_SLACK):
        hint = " (0–255 images should be stored as uint8)" if hi > 2 else ""
        raise fail(f"holds float values from {lo:.4g} to {hi:.4g}, outside [−1, 1]{hint}")
    if dataset.bounded and images and lo >= 0:
        raise fail(
            f"holds float values from {lo:.4g} to {hi:.4g}, all in [0, 1]: images scaled x / 255, it seems, "
            "where ganbench wants x / 127.5 − 1 (map them with 2·x − 1)"
        )
    return np.clip(samples, -1.0, 1.0).astype(np.float32) if dataset.bounded else samples.astype(np.float32)
