"""A folder of PNG/JPEG images, read with Pillow: flat, or one sub-folder per class."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageOps

from ganbench.data.files import FileProblem

EXTENSIONS = (".png", ".jpg", ".jpeg")
"""Image files read (case-insensitive); other files are ignored."""
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")
"""Pillow modes without colour: ``mode: auto`` reads a folder of these alone as grey."""

ColourMode = Literal["auto", "grey", "rgb"]


def image_paths(folder: Path) -> tuple[list[Path], list[int], list[str]]:
    """The image files of ``folder`` (sorted), each one's class index and the class names.

    Flat: the images directly in ``folder``, one class named ``""``. Else one sub-folder per class
    (sorted by name; deeper folders are not read). Images both directly in the folder and in
    sub-folders, or none at all, are a :class:`FileProblem`."""

    def images(where: Path) -> list[Path]:
        return sorted(p for p in where.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)

    top = images(folder)
    classes = [d for d in sorted(folder.iterdir()) if d.is_dir() and images(d)]
    if top and classes:
        raise FileProblem(
            f"the folder '{folder}' holds images both directly ({top[0].name}, …) and in sub-folders "
            f"({classes[0].name}/, …); put them all in one place, or one sub-folder per class"
        )
    if top:
        return top, [0] * len(top), [""]
    if not classes:
        raise FileProblem(
            f"the folder '{folder}' holds no image files ({', '.join(EXTENSIONS)}), neither directly "
            "nor in sub-folders one level down"
        )
    paths, labels = [], []
    for k, sub in enumerate(classes):
        found = images(sub)
        paths += found
        labels += [k] * len(found)
    return paths, labels, [d.name for d in classes]


def read_images(
    paths: list[Path], side: int | None, mode: ColourMode
) -> tuple[np.ndarray, Literal["grey", "rgb"]]:
    """The images as one uint8 array (N, C, H, W), C = 1 for grey and 3 for RGB, and the mode used.

    ``side``: each image is cropped to its central square and resized to side × side (Lanczos);
    None keeps sizes, which must then all agree. ``mode: auto`` is grey when every file is
    greyscale, else RGB. Raises :class:`FileProblem` for an unreadable or corrupt file, or for
    sizes that differ when there is no ``side``."""
    opened = [_open(p) for p in paths]
    if mode == "auto":
        mode = "grey" if all(img.mode in GREY_MODES for img in opened) else "rgb"
    pil_mode = "L" if mode == "grey" else "RGB"
    arrays = []
    for path, img in zip(paths, opened, strict=True):
        img = _convert(path, img, pil_mode)
        if side is not None:
            img = ImageOps.fit(img, (side, side), method=Image.Resampling.LANCZOS)
        elif img.size != opened[0].size:
            w0, h0 = opened[0].size
            raise FileProblem(
                f"the images differ in size: '{paths[0]}' is {w0}×{h0} but '{path}' is "
                f"{img.size[0]}×{img.size[1]} pixels; set side to resize them all to one square size"
            )
        arrays.append(np.asarray(img, dtype=np.uint8))
    stacked = np.stack(arrays)
    images = stacked[:, None] if mode == "grey" else stacked.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(images), mode


def _open(path: Path) -> Image.Image:
    """The decoded image (fully loaded, so a truncated or corrupt file fails here)."""
    try:
        with Image.open(path) as img:
            img.load()
            return img.copy()
    except Exception as exc:
        raise FileProblem(
            f"the file '{path}' could not be read as an image ({type(exc).__name__}: {exc})"
        ) from None


def _convert(path: Path, img: Image.Image, pil_mode: str) -> Image.Image:
    """``img`` in Pillow mode ``pil_mode``. 16-bit greys (values up to 65,535) are scaled to 8 bits
    first (÷ 257), so that they are not clipped; 8-bit modes are converted by Pillow."""
    if img.mode.startswith("I") or img.mode == "F":
        values = np.asarray(img, dtype=np.float64)
        if not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= 65535):
            raise FileProblem(
                f"the file '{path}' holds grey values outside 0..65535 (Pillow mode {img.mode}); "
                "save it as an 8- or 16-bit image"
            )
        scale = 257.0 if img.mode.startswith("I;16") or values.max() > 255 else 1.0
        img = Image.fromarray(np.round(values / scale).astype(np.uint8))
    return img.convert(pil_mode)
