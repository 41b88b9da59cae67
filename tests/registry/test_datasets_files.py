"""The datasets that read the user's files — `idx`, `cifar10`, `image_folder` — on tiny files
written here in those exact formats, and one clear error for each kind of bad input."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.contracts.dataset import ClassifierModes
from ganbench.errors import GanbenchError
from ganbench.registry import datasets
from ganbench.testing.dataset_contract import streams

CPU = torch.device("cpu")


def make(name: str, **params):
    cls = datasets.get(name)
    return cls(cls.Params(**params), CPU)


def scaled(pixels: np.ndarray) -> torch.Tensor:
    return torch.tensor(pixels, dtype=torch.float32) / 127.5 - 1


def assert_one_clear_error(name: str, phrase: str, where: Path, **params) -> str:
    """Building ``name`` fails with one GanbenchError paragraph naming ``where`` and ``phrase``."""
    with pytest.raises(GanbenchError) as info:
        make(name, **params)
    message = str(info.value)
    assert f"dataset '{name}'" in message and str(where) in message and phrase in message, message
    assert "\n" not in message and info.value.__cause__ is None
    return message


# --- idx --------------------------------------------------------------------------------------


def idx_bytes(values: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file: 0, 0, type, number of dimensions, big-endian uint32 dimensions, values."""
    header = bytes([0, 0, type_code, values.ndim]) + np.array(values.shape, dtype=">u4").tobytes()
    return header + values.astype(values.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("compressed", [True, False])
def test_idx_reads_mnist_style_images(tmp_path: Path, compressed: bool):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images)
    path = tmp_path / ("train-images-idx3-ubyte" + (".gz" if compressed else ""))
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    d = make("idx", path=str(path))
    assert (d.sample_shape, d.size, d.bounded) == ((1, 28, 28), 7, True)
    assert torch.equal(d.data, scaled(images)[:, None])
    assert d.modes() is None
    assert make("idx", path=str(path), digits=True).modes() == ClassifierModes(channels=1, side=28)
    assert d.draw(streams([1, 2]), 4).shape == (2, 4, 1, 28, 28)


def test_idx_other_value_types_follow_the_pixel_rules(tmp_path: Path):
    floats = np.linspace(0, 1, 2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5)  # [0, 1] → 2x − 1
    (tmp_path / "f.idx").write_bytes(idx_bytes(floats, 0x0D))
    d = make("idx", path=str(tmp_path / "f.idx"))
    torch.testing.assert_close(d.data, torch.tensor(2 * floats - 1)[:, None])


def test_idx_bad_input(tmp_path: Path):
    good = idx_bytes(np.zeros((3, 4, 4), dtype=np.uint8))
    cases = {
        "truncated": (good[:-5], "truncated"),
        "not_idx": (b"GIF89a" + bytes(40), "not an IDX file"),
        "labels": (idx_bytes(np.arange(5, dtype=np.uint8)), "a labels file"),
        "one": (idx_bytes(np.zeros((1, 4, 4), dtype=np.uint8)), "1 image"),
        "bad_gzip": (b"\x1f\x8b" + bytes(30), "could not be read"),
        "nan": (idx_bytes(np.full((2, 2, 2), np.nan, dtype=np.float32), 0x0D), "NaN"),
        "huge": (idx_bytes(np.full((2, 2, 2), 1e300), 0x0E), "floats from"),
    }
    for case, (raw, phrase) in cases.items():
        path = tmp_path / f"{case}-images-idx3-ubyte"
        path.write_bytes(raw)
        assert_one_clear_error("idx", phrase, path, path=str(path))
    assert_one_clear_error("idx", "does not exist", tmp_path / "nope", path=str(tmp_path / "nope"))
    rect = tmp_path / "rect"
    rect.write_bytes(idx_bytes(np.zeros((2, 4, 6), dtype=np.uint8)))
    assert_one_clear_error("idx", "square", rect, path=str(rect), digits=True)


# --- cifar10 ----------------------------------------------------------------------------------


def cifar_batch(path: Path, n: int, seed: int) -> np.ndarray:
    """A CIFAR-10 python batch of ``n`` random images, pickled as CIFAR's own files are."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    batch = {
        b"batch_label": b"training batch",
        b"labels": rng.integers(0, 10, n).tolist(),
        b"data": data,
        b"filenames": [b"x.png"] * n,
    }
    path.write_bytes(pickle.dumps(batch, protocol=2))
    return data


def test_cifar10_reads_a_batch_or_the_folder_of_training_batches(tmp_path: Path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    first = cifar_batch(folder / "data_batch_1", 4, 0)
    second = cifar_batch(folder / "data_batch_2", 3, 1)
    cifar_batch(folder / "test_batch", 5, 2)  # not a training batch: not read from the folder
    d = make("cifar10", path=str(folder))
    assert (d.sample_shape, d.size, d.bounded) == ((3, 32, 32), 7, True)
    expected = scaled(np.concatenate([first, second]).reshape(7, 3, 32, 32))
    assert torch.equal(d.data, expected)
    # channel-major rows: the first 1,024 bytes are the red plane of a 32×32 image
    assert torch.equal(d.data[0, 0], scaled(first[0, :1024].reshape(32, 32)))
    one = make("cifar10", path=str(folder / "test_batch"))
    assert one.size == 5 and one.labels.shape == (5,)


def test_cifar10_refuses_a_pickle_that_would_run_code(tmp_path: Path):
    class Evil:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "pwned",))

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Evil()}))
    assert_one_clear_error("cifar10", "refused", path, path=str(path))
    assert not (tmp_path / "pwned").exists()


def test_cifar10_bad_input(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_clear_error("cifar10", "data_batch_1", empty, path=str(empty))
    garbage = tmp_path / "data_batch_9"
    garbage.write_bytes(b"\x1f\x8b not a pickle")
    assert_one_clear_error("cifar10", "could not be read", garbage, path=str(garbage))
    wrong = tmp_path / "wrong"
    wrong.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), dtype=np.uint8)}))
    assert_one_clear_error("cifar10", "(N, 3072)", wrong, path=str(wrong))
    assert_one_clear_error("cifar10", "does not exist", tmp_path / "nope", path=str(tmp_path / "nope"))


# --- image_folder -----------------------------------------------------------------------------


def save(path: Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def test_image_folder_flat_grey_keeps_size_and_pixels(tmp_path: Path):
    rng = np.random.default_rng(0)
    grey = [rng.integers(0, 256, (6, 9), dtype=np.uint8) for _ in range(3)]
    for i, g in enumerate(grey):
        save(tmp_path / f"{i}.png", g)
    (tmp_path / "notes.txt").write_text("not an image")
    d = make("image_folder", path=str(tmp_path))
    assert (d.sample_shape, d.size, d.bounded, d.colour) == ((1, 6, 9), 3, True, "grey")
    assert torch.equal(d.data, scaled(np.stack(grey))[:, None])  # PNG is lossless
    assert d.classes == [""] and d.labels.tolist() == [0, 0, 0]


def test_image_folder_classes_resize_and_colour(tmp_path: Path):
    red = np.zeros((20, 30, 3), dtype=np.uint8)
    red[..., 0] = 255
    save(tmp_path / "b_red" / "r.png", red)
    save(tmp_path / "b_red" / "r2.jpg", red)
    save(tmp_path / "a_grey" / "g.png", np.full((12, 12), 128, dtype=np.uint8))
    d = make("image_folder", path=str(tmp_path), side=8)
    assert (d.sample_shape, d.size, d.colour) == ((3, 8, 8), 3, "rgb")
    assert d.classes == ["a_grey", "b_red"] and d.labels.tolist() == [0, 1, 1]
    assert torch.allclose(d.data[1, 0], torch.tensor(1.0)) and torch.allclose(
        d.data[1, 1:], torch.tensor(-1.0)
    )
    torch.testing.assert_close(d.data[0], torch.full((3, 8, 8), 128 / 127.5 - 1))  # grey in RGB
    g = make("image_folder", path=str(tmp_path), side=8, mode="grey")
    assert g.sample_shape == (1, 8, 8)
    assert d.draw(streams([0, 1]), 5).shape == (2, 5, 3, 8, 8)


def test_image_folder_bad_input(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_clear_error("image_folder", "no image files", empty, path=str(empty))

    mixed = tmp_path / "mixed"
    save(mixed / "a.png", np.zeros((4, 4), dtype=np.uint8))
    save(mixed / "b.png", np.zeros((5, 4), dtype=np.uint8))
    message = assert_one_clear_error("image_folder", "differ in size", mixed, path=str(mixed))
    assert "set side" in message
    assert make("image_folder", path=str(mixed), side=4).size == 2  # resized, they train

    corrupt = tmp_path / "corrupt"
    save(corrupt / "ok.png", np.zeros((4, 4), dtype=np.uint8))
    (corrupt / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert_one_clear_error("image_folder", "could not be read", corrupt / "bad.png", path=str(corrupt))

    truncated = tmp_path / "truncated"
    save(truncated / "ok.png", np.zeros((16, 16), dtype=np.uint8))
    whole = (truncated / "ok.png").read_bytes()
    (truncated / "cut.png").write_bytes(whole[: len(whole) // 2])
    assert_one_clear_error("image_folder", "could not be read", truncated / "cut.png", path=str(truncated))

    both = tmp_path / "both"
    save(both / "top.png", np.zeros((4, 4), dtype=np.uint8))
    save(both / "cls" / "x.png", np.zeros((4, 4), dtype=np.uint8))
    assert_one_clear_error("image_folder", "both directly", both, path=str(both))

    single = tmp_path / "single"
    save(single / "only.png", np.zeros((4, 4), dtype=np.uint8))
    assert_one_clear_error("image_folder", "single image", single, path=str(single))
    a_file = single / "only.png"
    assert_one_clear_error("image_folder", "not a folder", a_file, path=str(a_file))
