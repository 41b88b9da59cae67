"""`npz`: the user's own data from a NumPy ``.npz`` or ``.npy`` file (one row per example)."""

from pathlib import Path

import numpy as np
import torch
from pydantic import model_validator

from ganbench.api import Field, Params, datasets
from ganbench.data.files import FileProblem, existing
from ganbench.data.held import HeldData
from ganbench.data.pixels import PixelRange, signed_pixels
from ganbench.errors import GanbenchError

_ALLOWED = (
    "ganbench expects a NumPy .npy file, or an .npz archive, holding one numeric (bool, integer or "
    "float) array with N ≥ 2 finite rows: (N, D) vectors, (N, H, W) grey images, or (N, C, H, W) / "
    "channels-last (N, H, W, C) images with C = 1 (grey) or 3 (RGB). Image pixels are 8-bit "
    "integers 0..255 or floats in [0, 1] or [−1, 1] (pixels: bytes | unit | signed | raw overrides "
    "the guess); standardize: true z-scores values instead."
)


@datasets.register("npz")
class Npz(HeldData):
    """One array from ``path`` (a ``.npy`` file or an ``.npz`` archive; ``key`` picks the array in
    an archive, default the first one), loaded with ``allow_pickle=False``. Each row is one example.

    Shapes: a 2-D array (N, D) is N vectors (a 1-D array is N values); images keep their shape,
    channels first — (N, H, W) becomes (N, 1, H, W); (N, C, H, W) with C in 1, 3 stays; a
    channels-last (N, H, W, C) with C in 1, 3 (and a second axis that is not) is moved to (N, C, H, W).
    Other 4-D arrays (RGBA, many channels) are refused rather than guessed.

    Values: vectors are kept as stored (bounded when they lie in [−1, 1]); image pixels are mapped
    to [−1, 1] as ``ganbench.data.pixels`` says (``pixels: auto``: integers 0..255 → x / 127.5 − 1,
    floats in [0, 1] → 2x − 1, floats in [−1, 1] kept; floats beyond [−1, 1] are refused, so 8-bit
    values saved as floats never train silently). ``pixels`` set to ``bytes``/``unit``/``signed``
    applies that mapping to vectors too; ``raw`` keeps any values. ``standardize`` z-scores each
    feature (a constant feature is only centred) and leaves the data unbounded. The array is held as
    one float32 tensor on the device; minibatches are uniform indices with replacement. Modes are
    unknown."""

    sample_shape = ()  # set per instance from the file

    class Params(Params):
        path: str = Field(min_length=1)
        key: str | None = None
        standardize: bool = False
        pixels: PixelRange = Field(
            "auto", description="how stored values are read: auto | bytes (0..255) | unit | signed | raw"
        )

        @model_validator(mode="after")
        def _one_scaling(self):
            if self.standardize and self.pixels != "auto":
                raise ValueError("set standardize or pixels, not both: standardize z-scores raw values")
            return self

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        try:
            array = _shaped(p.path, _load(p.path, p.key))
            if p.standardize:
                values = _standardized(p.path, array)
                self.bounded = False
            elif array.ndim == 2 and p.pixels == "auto":
                values, self.bounded = signed_pixels(array, p.path, "raw")
            else:
                values, self.bounded = signed_pixels(array, p.path, p.pixels)
        except FileProblem as exc:
            raise GanbenchError(f"dataset 'npz': {exc}. {_ALLOWED}") from None
        self.hold(values)

    @classmethod
    def example_params(cls, folder: Path) -> dict:
        """A small two-cluster data set written to ``folder/example.npy``."""
        rng = np.random.default_rng(0)
        data = np.concatenate([rng.normal(-1, 0.1, (100, 3)), rng.normal(1, 0.1, (100, 3))])
        np.save(folder / "example.npy", data.astype(np.float32))
        return {"path": str(folder / "example.npy")}


def _load(path: str, key: str | None) -> np.ndarray:
    """Read the array, turning every problem into one :class:`FileProblem`."""
    file = existing(path)
    try:
        loaded = np.load(file, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                return _pick(path, loaded, key)
        if key is not None:
            raise FileProblem(
                f"the file '{path}' is a single .npy array, so key={key!r} does not apply; leave key unset"
            )
        return loaded
    except FileProblem:
        raise
    except Exception as exc:
        raise FileProblem(
            f"the file '{path}' could not be read as .npy/.npz ({type(exc).__name__}: {exc})"
        ) from None


def _pick(path: str, archive: np.lib.npyio.NpzFile, key: str | None) -> np.ndarray:
    names = list(archive.files)
    if not names:
        raise FileProblem(f"the file '{path}' is an .npz archive with no arrays in it")
    if key is None:
        return archive[names[0]]
    if key not in names:
        arrays = ", ".join(names)
        raise FileProblem(f"the file '{path}' has no array named {key!r}; the arrays in it are: {arrays}")
    return archive[key]


def _shaped(path: str, array: np.ndarray) -> np.ndarray:
    """Rows as vectors (N, D) or images (N, C, H, W); checks the number of axes, rows and channels."""
    if array.dtype.kind not in "biuf":
        raise FileProblem(
            f"the file '{path}' holds an array of dtype {array.dtype}; only bool, integer and float "
            "arrays can be used"
        )
    if array.ndim == 1:
        array = array.reshape(-1, 1)  # a 1-D array is N examples of one feature
    if array.ndim == 0 or array.ndim > 4:
        raise FileProblem(
            f"the file '{path}' holds an array of shape {array.shape}, which has {array.ndim} axes "
            "(allowed: 1 to 4)"
        )
    if len(array) < 2:
        raise FileProblem(
            f"the file '{path}' holds an array of shape {array.shape}, with fewer than 2 rows (examples)"
        )
    if array.size == 0:
        raise FileProblem(f"the file '{path}' holds an empty array of shape {array.shape}")
    if array.ndim == 3:
        return array[:, None]  # grey images: one channel
    if array.ndim == 4:
        if array.shape[1] in (1, 3):
            return array
        if array.shape[-1] in (1, 3):
            return np.moveaxis(array, -1, 1)  # channels-last → channels-first
        raise FileProblem(
            f"the file '{path}' holds images of shape {array.shape}: neither its second nor its last "
            "axis has 1 or 3 channels (drop an alpha channel; other multi-channel data: flatten it "
            "to (N, D) vectors)"
        )
    return array


def _standardized(path: str, array: np.ndarray) -> np.ndarray:
    """Each feature z-scored (constant features only centred), float32, in the array's shape. The
    stored values must be finite in float32 themselves (else their spread overflows)."""
    checked, _ = signed_pixels(array, path, "raw")
    flat = checked.reshape(len(checked), -1).astype(np.float64)
    std = flat.std(axis=0)
    values = ((flat - flat.mean(axis=0)) / np.where(std > 0, std, 1.0)).reshape(array.shape)
    return values.astype(np.float32)
