"""CIFAR-10's "python version" batches (Krizhevsky 2009): ``data_batch_1`` … ``data_batch_5`` and
``test_batch`` in the folder ``cifar-10-batches-py`` of ``cifar-10-python.tar.gz``.

Each batch is a pickled dict with ``b"data"``, a uint8 array (N, 3072) — per row the 1,024 red, then
green, then blue pixels of a 32×32 image, row-major — and ``b"labels"``, N class numbers 0..9.

A pickle can run code while it loads. The batches are read with an unpickler that only builds
dicts, lists, strings, numbers and numpy arrays and refuses every other object, so a file crafted to
run code fails with an error instead; still, load only files from a source you trust.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from ganbench.data.files import FileProblem

SIDE = 32
CHANNELS = 3
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
"""The training batches a folder is read as (50,000 images), in order."""

_RECONSTRUCT = np.zeros(0).__reduce__()[0]
"""numpy's array rebuilder, the function pickles of arrays call (its module moved in numpy 2)."""

#: The globals a pickled numpy array needs (numpy 1 and 2 module names), and nothing else.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
}


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that refuses every global but the few a numpy array is rebuilt from."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused to load {module}.{name} (only numpy arrays are read)")
        if name == "_reconstruct":
            return _RECONSTRUCT
        return super().find_class(module, name)


def batch_files(path: Path) -> list[Path]:
    """The batch files ``path`` names: itself when a file, else the folder's ``data_batch_1``…``5``
    (the training set; each present one, at least one)."""
    if path.is_file():
        return [path]
    files = [path / name for name in TRAIN_BATCHES if (path / name).is_file()]
    if not files:
        raise FileProblem(
            f"the folder '{path}' holds none of the CIFAR-10 training batches {', '.join(TRAIN_BATCHES)}"
        )
    return files


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch as (images uint8 (N, 3, 32, 32), labels int64 (N,)). Raises :class:`FileProblem`
    for a file that is not a CIFAR python batch or holds other objects than arrays."""
    try:
        with path.open("rb") as file:
            batch = _ArraysOnly(file, encoding="bytes").load()
    except Exception as exc:
        raise FileProblem(
            f"the file '{path}' could not be read as a CIFAR-10 python batch ({type(exc).__name__}: {exc}); "
            "extract cifar-10-python.tar.gz and name the folder cifar-10-batches-py or one data_batch_N"
        ) from None
    data = batch.get(b"data") if isinstance(batch, dict) else None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        found = (
            f"an array of {data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        )
        raise FileProblem(
            f"the file '{path}' is a pickle but not a CIFAR-10 batch: its b'data' should be a uint8 array "
            f"(N, 3072), found {found}"
        )
    labels = np.asarray(batch.get(b"labels", batch.get(b"fine_labels", [-1] * len(data))), dtype=np.int64)
    if labels.shape != (len(data),):
        raise FileProblem(f"the file '{path}' has {len(labels)} labels for {len(data)} images")
    return data.reshape(-1, CHANNELS, SIDE, SIDE), labels


def read_cifar(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The images (N, 3, 32, 32) uint8 and labels of every batch ``path`` names, concatenated."""
    parts = [read_batch(f) for f in batch_files(path)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
