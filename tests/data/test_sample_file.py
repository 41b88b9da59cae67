"""Reading generated samples for ``ganbench evaluate``: every accepted layout and scale gives the
dataset's own samples, and every bad file is one paragraph naming the file, the problem and what is
allowed (``ganbench.data.sample_file``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench.contracts import ClassifierModes, Dataset
from ganbench.data.sample_file import read_samples
from ganbench.errors import GanbenchError
from ganbench.registry import datasets


class StackedImages(Dataset):
    """Samples kept as (3, 5, 4) images in [−1, 1] (a small stand-in for stacked MNIST's layout)."""

    sample_shape = (3, 5, 4)
    image_shape = (3, 5, 4)
    bounded = True

    def modes(self):
        return ClassifierModes(channels=3)


class FlatGrey(Dataset):
    """One grey channel of 5 × 4 pixels, handed out flat (like `digits` today: (64,) for 8 × 8)."""

    sample_shape = (20,)
    image_shape = (5, 4)
    bounded = True


CPU = torch.device("cpu")


def save(tmp_path, array, name="s.npy"):
    path = tmp_path / name
    np.save(path, array)
    return path


@pytest.fixture
def u8():
    return np.random.default_rng(0).integers(0, 256, size=(7, 3, 5, 4), dtype=np.uint8)


def test_channels_first_last_and_flat_uint8_give_the_same_samples(tmp_path, u8):
    ds = StackedImages(None, CPU)
    expected = torch.from_numpy(u8.astype(np.float32) / 127.5 - 1)
    for array in (u8, np.moveaxis(u8, 1, -1), u8.reshape(7, 60)):
        got = read_samples(save(tmp_path, array), ds, "toy")
        assert got.dtype == torch.float32 and torch.equal(got, expected)
    assert float(expected.min()) >= -1 and float(expected.max()) <= 1
    with pytest.raises(GanbenchError, match=r"\(N, 3, 5, 4\) or \(N, 5, 4, 3\) or \(N, 60\) \(flat"):
        read_samples(save(tmp_path, u8.reshape(7, 60)[:, :59]), ds, "toy")


def test_grey_images_and_flat_rows_are_both_the_flat_layout(tmp_path):
    ds = FlatGrey(None, CPU)
    x = np.random.default_rng(1).uniform(-1, 1, size=(6, 5, 4)).astype(np.float32)
    want = torch.from_numpy(x.reshape(6, 20))
    for array in (x, x[:, None], x[..., None], x.reshape(6, 20)):
        assert torch.equal(read_samples(save(tmp_path, array), ds, "grey"), want)


def test_an_npz_with_one_array_or_a_named_one(tmp_path, u8):
    ds = StackedImages(None, CPU)
    np.savez(tmp_path / "one.npz", u8)
    np.savez(tmp_path / "two.npz", samples=u8, labels=np.arange(7))
    assert read_samples(tmp_path / "one.npz", ds, "toy").shape == (7, 3, 5, 4)
    assert read_samples(tmp_path / "two.npz", ds, "toy", key="samples").shape == (7, 3, 5, 4)
    with pytest.raises(GanbenchError, match=r"several arrays \(samples, labels\); name one with --key"):
        read_samples(tmp_path / "two.npz", ds, "toy")
    with pytest.raises(GanbenchError, match="no array named 'x'; the arrays in it are: samples, labels"):
        read_samples(tmp_path / "two.npz", ds, "toy", key="x")


BAD = [
    ("missing", None, "does not exist"),
    ("not numpy", b"hello", "could not be read as a NumPy"),
    ("empty", np.zeros((0, 3, 5, 4), np.uint8), "holds no samples"),
    ("scalar", np.float32(1.0), "a single number"),
    (
        "wrong shape",
        np.zeros((4, 3, 4, 5), np.uint8),
        r"shape \(4, 3, 4, 5\), which is not the dataset's layout",
    ),
    ("int64", np.zeros((4, 3, 5, 4), np.int64), "int64 values; the samples must be uint8 or float"),
    ("nan", np.full((4, 3, 5, 4), np.nan, np.float32), "240 NaN or infinite value"),
    (
        "0-255 float",
        np.full((4, 3, 5, 4), 200.0, np.float32),
        r"outside \[−1, 1\] \(0–255 images should be stored as uint8\)",
    ),
    ("0-1 float", np.full((4, 3, 5, 4), 0.5, np.float32), r"all in \[0, 1\].*2·x − 1"),
    ("objects", np.array([{"a": 1}] * 4, dtype=object), "could not be read"),
]


@pytest.mark.parametrize(("content", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_files_are_one_paragraph_naming_file_problem_and_layout(tmp_path, content, expected):
    path = tmp_path / "bad.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        np.save(path, content, allow_pickle=True)
    with pytest.raises(GanbenchError) as err:
        read_samples(path, StackedImages(None, CPU), "toy")
    message = str(err.value)
    assert message.startswith(f"samples file '{path}' ") and "\n" not in message
    assert "takes images of 3 channel(s), 5×4 pixels" in message and "uint8 in 0–255" in message
    assert __import__("re").search(expected, message), message


def test_data_that_are_not_images_take_float_vectors(tmp_path):
    ring = datasets.get("ring")(None, CPU)
    x = np.random.default_rng(2).normal(size=(9, 2)).astype(np.float32)
    assert torch.equal(read_samples(save(tmp_path, x), ring, "ring"), torch.from_numpy(x))
    with pytest.raises(
        GanbenchError, match=r"uint8 values; the samples must be float.*float samples of shape \(N, 2\)"
    ):
        read_samples(save(tmp_path, x.astype(np.uint8)), ring, "ring")
