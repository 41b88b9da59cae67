"""Pixel values as image libraries store them, mapped to the [−1, 1] a tanh generator produces.

``pixels`` says how stored values are read (``"auto"`` decides from the array itself):

| pixels | stored values | mapped to [−1, 1] by |
| --- | --- | --- |
| ``bytes`` | 0..255 (8-bit images; ``auto`` for integer arrays) | x / 127.5 − 1 |
| ``unit`` | [0, 1] (``auto`` for booleans and for floats that are never negative) | 2x − 1 |
| ``signed`` | [−1, 1] (``auto`` for floats with negative values) | kept |
| ``raw`` | anything finite | kept, not bounded unless it happens to lie in [−1, 1] |

``auto`` never trains on 0..255 values stored as floats: floats outside [−1, 1] are refused (say
``pixels: bytes`` if they are 8-bit values, or ``raw`` to keep them as they are). A value that is
finite in the file but beyond float32's range (±3.4·10³⁸) is refused too, since training would see
it as infinite.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ganbench.data.files import FileProblem

PixelRange = Literal["auto", "bytes", "unit", "signed", "raw"]
"""How stored values are read (the table in this module's docstring)."""

_SPANS = {"bytes": (0.0, 255.0), "unit": (0.0, 1.0), "signed": (-1.0, 1.0)}


def signed_pixels(array: np.ndarray, source: str, pixels: PixelRange = "auto") -> tuple[np.ndarray, bool]:
    """The values of ``array`` as float32, mapped by ``pixels``, and whether they lie in [−1, 1].

    ``source`` names the file in messages. Raises :class:`FileProblem` for a non-numeric array,
    NaN or infinite values, values outside the chosen range and values float32 cannot hold."""
    if array.dtype.kind not in "biuf":
        raise FileProblem(f"the file '{source}' holds values of type {array.dtype}, not numbers")
    if array.size == 0:
        raise FileProblem(f"the file '{source}' holds no values (an array of shape {array.shape})")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise FileProblem(f"the file '{source}' holds {bad} NaN or infinite value(s)")
    lo, hi = float(array.min()), float(array.max())
    kind = pixels if pixels != "auto" else _guess(array, source, lo, hi)
    if kind in _SPANS:
        low, high = _SPANS[kind]
        if lo < low or hi > high:
            raise FileProblem(
                f"the file '{source}' holds values from {lo:g} to {hi:g}, outside [{low:g}, {high:g}] "
                f"that pixels: {kind} expects"
            )
    with np.errstate(over="ignore"):
        values = array.astype(np.float32)
    if kind == "bytes":
        values = values / np.float32(127.5) - np.float32(1.0)
    elif kind == "unit":
        values = values * np.float32(2.0) - np.float32(1.0)
    if not np.isfinite(values).all():
        raise FileProblem(
            f"the file '{source}' holds values up to {max(abs(lo), abs(hi)):g} in magnitude, beyond "
            "float32's range (±3.4e38) that training uses"
        )
    return values, bool(values.min() >= -1.0 and values.max() <= 1.0)


def _guess(array: np.ndarray, source: str, lo: float, hi: float) -> str:
    """The range ``auto`` reads ``array`` as (see the module docstring)."""
    if array.dtype.kind == "b":
        return "unit"
    if array.dtype.kind in "iu":
        if lo < 0 or hi > 255:
            raise FileProblem(
                f"the file '{source}' holds integers from {lo:g} to {hi:g}; integer pixels must be "
                "8-bit values 0..255 (convert 16-bit images to 8 bits first)"
            )
        return "bytes"
    if lo < -1 or hi > 1:
        raise FileProblem(
            f"the file '{source}' holds floats from {lo:g} to {hi:g}; float pixels must lie in [0, 1] "
            "or [−1, 1] (8-bit values stored as floats: set pixels: bytes; to keep them as they are: "
            "pixels: raw)"
        )
    return "unit" if lo >= 0 else "signed"
