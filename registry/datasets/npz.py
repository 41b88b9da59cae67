"""`npz`: the user's own data from a NumPy ``.npz`` or ``.npy`` file (one row per example)."""

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ganbench.api import Dataset, Field, Params, Streams, datasets
from ganbench.errors import GanbenchError

_ALLOWED = (
    "ganbench expects a NumPy .npy file, or an .npz archive, holding one numeric (bool, integer or "
    "float) array of shape (N, D) vectors, (N, H, W) grey images or (N, C, H, W) images "
    "(channels-last (N, H, W, C) with C in 1, 3, 4 is accepted too), with N ≥ 2 finite rows."
)


@datasets.register("npz")
class Npz(Dataset):
    """One array from ``path`` (a ``.npy`` file or an ``.npz`` archive; ``key`` picks the array in
    an archive, default the first one), loaded with ``allow_pickle=False``. Each row is one example,
    flattened to a vector; 3-D arrays (N, H, W) and 4-D arrays (N, C, H, W) are images (a 4-D array
    whose last axis has 1, 3 or 4 entries and whose second has not is read as channels-last and
    moved to channels-first). ``standardize`` z-scores each feature (a constant feature is only
    centred). Samples lie in [−1, 1] (``bounded``) when the stored values already do and they are
    not standardized. The whole array is held as one tensor on the device and minibatches are drawn
    by uniform indices with replacement. Modes are unknown."""

    sample_shape = ()  # set per instance from the file

    class Params(Params):
        path: str = Field(min_length=1)
        key: str | None = None
        standardize: bool = False

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        array = _load(p.path, p.key)
        if array.ndim == 4 and array.shape[-1] in (1, 3, 4) and array.shape[1] not in (1, 3, 4):
            array = np.moveaxis(array, -1, 1)  # channels-last → channels-first
        self.image_shape = tuple(int(s) for s in array.shape[1:]) if array.ndim in (3, 4) else None
        flat = array.reshape(len(array), -1).astype(np.float64)
        self.mean = flat.mean(axis=0)
        self.std = flat.std(axis=0)
        if p.standardize:
            flat = (flat - self.mean) / np.where(self.std > 0, self.std, 1.0)
        self.bounded = bool(not p.standardize and flat.min() >= -1.0 and flat.max() <= 1.0)
        self.sample_shape = (flat.shape[1],)
        self.size = len(flat)
        self.data = torch.tensor(flat, dtype=torch.float32, device=self.device)

    @classmethod
    def example_params(cls, folder: Path) -> dict:
        """A small two-cluster data set written to ``folder/example.npy``."""
        rng = np.random.default_rng(0)
        data = np.concatenate([rng.normal(-1, 0.1, (100, 3)), rng.normal(1, 0.1, (100, 3))])
        np.save(folder / "example.npy", data.astype(np.float32))
        return {"path": str(folder / "example.npy")}

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` rows drawn uniformly with replacement, shape (n, D)."""
        idx = torch.randint(len(self.data), (n,), generator=generator, device=self.device)
        return self.data[idx]

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` rows per seed, all seeds at once: one gather of stream-drawn indices."""
        return self.data[streams.randint(len(self.data), n)]


def _fail(path: str, problem: str) -> GanbenchError:
    return GanbenchError(f"dataset 'npz': the file '{path}' {problem}. {_ALLOWED}")


def _load(path: str, key: str | None) -> np.ndarray:
    """Read and check the array, turning every problem into one GanbenchError paragraph."""
    file = Path(path).expanduser()
    if not file.is_file():
        where = f" (resolved to '{file.resolve()}')" if not file.is_absolute() else ""
        raise _fail(path, f"does not exist or is not a regular file{where}")
    try:
        loaded = np.load(file, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                array = _pick(path, loaded, key)
        elif key is not None:
            raise _fail(path, f"is a single .npy array, so key={key!r} does not apply; leave key unset")
        else:
            array = loaded
    except GanbenchError:
        raise
    except Exception as exc:
        raise _fail(path, f"could not be read as .npy/.npz ({type(exc).__name__}: {exc})") from None
    return _check(path, array)


def _pick(path: str, archive: np.lib.npyio.NpzFile, key: str | None) -> np.ndarray:
    names = list(archive.files)
    if not names:
        raise _fail(path, "is an .npz archive with no arrays in it")
    if key is None:
        return archive[names[0]]
    if key not in names:
        raise _fail(path, f"has no array named {key!r}; the arrays in it are: {', '.join(names)}")
    return archive[key]


def _check(path: str, array: np.ndarray) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise _fail(
            path,
            f"holds an array of dtype {array.dtype}; only bool, integer and float arrays can be used",
        )
    if array.ndim == 1:
        array = array.reshape(-1, 1)  # a 1-D array is N examples of one feature
    if array.ndim == 0 or array.ndim > 4:
        raise _fail(
            path, f"holds an array of shape {array.shape}, which has {array.ndim} axes (allowed: 1 to 4)"
        )
    if len(array) < 2:
        raise _fail(path, f"holds an array of shape {array.shape}, with fewer than 2 rows (examples)")
    if array.size == 0:
        raise _fail(path, f"holds an empty array of shape {array.shape}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise _fail(path, f"holds {bad} NaN or infinite value(s); remove or impute them first")
    return array
