"""Known-answer tests for the built-in datasets grid, highdim, digits, stacked_digits and npz."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.contracts.dataset import ClassifierModes, GaussianModes
from ganbench.data.digits import load_digits_scaled
from ganbench.errors import GanbenchError
from ganbench.registry import datasets
from ganbench.testing.dataset_contract import streams

CPU = torch.device("cpu")


def make(name: str, **params):
    """Build the registered dataset ``name`` on the CPU with ``params``."""
    cls = datasets.get(name)
    return cls(cls.Params(**params), CPU)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def nearest(x: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    return torch.cdist(x, centres).argmin(dim=1)


def digit_index(rows: torch.Tensor) -> list[int | None]:
    """For each 64-pixel row, the index of an identical digit in the data set (None if there is none)."""
    table = load_digits_scaled()[0].reshape(1797, 64)
    lookup = {row.tobytes(): i for i, row in enumerate(table)}
    return [lookup.get(r.tobytes()) for r in rows.numpy().astype(np.float32)]


# --- reproducibility (the datasets of this file only; the generic contract suite is elsewhere) ------


@pytest.mark.parametrize(
    ("name", "params"),
    [("grid", {}), ("highdim", {"dim": 30}), ("digits", {}), ("stacked_digits", {})],
)
def test_same_seed_same_samples_and_seeds_independent(name: str, params: dict) -> None:
    d = make(name, **params)
    a = d.batch([gen(1), gen(2)], 64)
    b = d.batch([gen(1), gen(2)], 64)
    assert a.shape == (2, 64, *d.sample_shape)
    assert torch.equal(a, b)
    assert not torch.equal(a[0], a[1])
    # seed 0's batch does not depend on which other seeds run beside it
    assert torch.equal(d.batch([gen(1), gen(7)], 64)[0], a[0])


def test_sampling_does_not_touch_global_rng() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    for name in ("grid", "digits", "stacked_digits"):
        make(name).sample(10, gen(0))
    make("highdim", dim=8).sample(10, gen(0))
    assert torch.equal(torch.rand(3), expected)


# --- grid -------------------------------------------------------------------------------------


def test_grid_centres_are_the_25_grid_points() -> None:
    modes = make("grid").modes()
    assert isinstance(modes, GaussianModes)
    assert modes.sigma == 0.05 and modes.hq_sigmas == 3.0 and modes.n_modes == 25
    got = {tuple(p) for p in modes.centres.tolist()}
    assert got == set(itertools.product([-4.0, -2.0, 0.0, 2.0, 4.0], repeat=2))


def test_grid_modes_uniform_and_sigma_as_configured() -> None:
    d = make("grid")
    x = d.sample(50_000, gen(0))
    centres = d.modes().centres
    idx = nearest(x, centres)
    counts = torch.bincount(idx, minlength=25).float()
    assert torch.all((counts - 2000).abs() < 200)  # sd ≈ 44 per mode
    residual = x - centres[idx]
    assert residual.mean(dim=0).abs().max() < 0.002
    assert residual.std(dim=0) == pytest.approx(torch.tensor([0.05, 0.05]), rel=0.03)


def test_grid_custom_sigma() -> None:
    d = make("grid", sigma=0.2)
    x = d.sample(20_000, gen(3))
    residual = x - d.modes().centres[nearest(x, d.modes().centres)]
    assert residual.std().item() == pytest.approx(0.2, rel=0.03)


# --- highdim ----------------------------------------------------------------------------------


def test_highdim_defaults_follow_veegan() -> None:
    d = make("highdim")
    modes = d.modes()
    assert d.sample_shape == (1200,) and d.dim == 1200
    assert modes.centres.shape == (10, 1200) and modes.sigma == 0.01 and modes.hq_sigmas == 10.0
    assert modes.centres.min() >= -1 and modes.centres.max() <= 1
    assert d.sample(4, gen(0)).shape == (4, 1200)


def test_highdim_centres_fixed_by_centre_seed_only() -> None:
    a, b = make("highdim", dim=50), make("highdim", dim=50)
    c = make("highdim", dim=50, centre_seed=1)
    assert torch.equal(a.modes().centres, b.modes().centres)
    assert not torch.equal(a.modes().centres, c.modes().centres)


def test_highdim_modes_uniform_and_sigma_as_configured() -> None:
    d = make("highdim", n_modes=5, dim=40, sigma=0.05)
    x = d.sample(10_000, gen(0))
    centres = d.modes().centres
    idx = nearest(x, centres)
    counts = torch.bincount(idx, minlength=5).float()
    assert torch.all((counts - 2000).abs() < 200)
    assert (x - centres[idx]).std().item() == pytest.approx(0.05, rel=0.02)


# --- digits -----------------------------------------------------------------------------------


def test_load_digits_scaled_matches_sklearn() -> None:
    from sklearn.datasets import load_digits

    images, labels = load_digits_scaled()
    raw = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_allclose(images, raw.images / 8 - 1, atol=1e-6)
    assert images.min() == -1.0 and images.max() == 1.0
    assert load_digits_scaled() is load_digits_scaled()  # cached


def test_digits_batches_are_real_digits_in_range() -> None:
    d = make("digits")
    assert (d.sample_shape, d.image_shape, d.bounded, d.size) == ((1, 8, 8), (1, 8, 8), True, 1797)
    assert d.steps_per_epoch(64) == 1797 // 64
    x = d.batch([gen(0), gen(1)], 100)
    assert x.shape == (2, 100, 1, 8, 8)
    assert x.min() >= -1 and x.max() <= 1
    assert None not in digit_index(x.reshape(-1, 64))  # every sample is exactly a digit of the set
    modes = d.modes()
    assert isinstance(modes, ClassifierModes) and modes.channels == 1 and modes.n_modes == 10


def test_digits_classes_roughly_uniform() -> None:
    d = make("digits")
    x = d.sample(20_000, gen(5)).flatten(1)
    labels = torch.tensor(load_digits_scaled()[1])
    table = torch.tensor(load_digits_scaled()[0]).reshape(1797, 64)
    counts = torch.bincount(labels[nearest(x, table)], minlength=10).float() / 20_000
    assert torch.all((counts - 0.1).abs() < 0.015)


def test_stacked_digits_channels_are_independent_real_digits() -> None:
    d = make("stacked_digits")
    assert (d.sample_shape, d.image_shape, d.bounded, d.size) == ((3, 8, 8), (3, 8, 8), True, None)
    assert d.steps_per_epoch(64) == 1797 // 64
    x = d.batch([gen(0), gen(1)], 200)
    assert x.shape == (2, 200, 3, 8, 8) and x.min() >= -1 and x.max() <= 1
    channels = x.reshape(400, 3, 64)
    picked = [digit_index(channels[:, c]) for c in range(3)]
    assert all(None not in p for p in picked)  # every channel is exactly some digit of the data set
    same = sum(a == b for a, b in zip(picked[0], picked[1], strict=True))
    assert same <= 4  # channels are drawn independently (a repeat has chance 1/1797)
    modes = d.modes()
    assert isinstance(modes, ClassifierModes) and modes.channels == 3 and modes.n_modes == 1000


# --- npz --------------------------------------------------------------------------------------


def make_npz(path: Path, **params):
    return make("npz", path=str(path), **params)


def test_npz_round_trip_vectors(tmp_path: Path) -> None:
    data = np.arange(40, dtype=np.float32).reshape(10, 4)
    file = tmp_path / "data.npz"
    np.savez(file, first=data, second=-data)
    d = make_npz(file)
    assert d.sample_shape == (4,) and d.size == 10 and d.image_shape is None and not d.bounded
    assert torch.equal(d.data, torch.tensor(data))
    x = d.batch([gen(0), gen(1)], 32)
    assert x.shape == (2, 32, 4)
    assert all(any(torch.equal(r, row) for row in d.data) for r in x.reshape(-1, 4))
    assert torch.equal(make_npz(file, key="second").data, torch.tensor(-data))
    assert d.modes() is None


def test_npz_npy_file_and_bounded(tmp_path: Path) -> None:
    data = np.linspace(-1, 1, 30).reshape(15, 2)
    file = tmp_path / "points.npy"
    np.save(file, data)
    d = make_npz(file)
    assert d.sample_shape == (2,) and d.bounded
    np.testing.assert_allclose(d.data.numpy(), data, atol=1e-7)


def test_npz_images_keep_their_shape_channels_first(tmp_path: Path) -> None:
    grey = np.random.default_rng(0).random((6, 5, 7))  # floats in [0, 1] → 2x − 1
    np.save(tmp_path / "grey.npy", grey)
    d = make_npz(tmp_path / "grey.npy")
    assert d.image_shape == d.sample_shape == (1, 5, 7) and d.bounded
    torch.testing.assert_close(d.data[2, 0], torch.tensor(2 * grey[2] - 1, dtype=torch.float32))

    nchw = np.random.default_rng(1).random((6, 3, 5, 7)) * 2 - 1  # floats in [−1, 1] stay
    np.save(tmp_path / "nchw.npy", nchw)
    d = make_npz(tmp_path / "nchw.npy")
    assert d.sample_shape == (3, 5, 7)
    torch.testing.assert_close(d.data, torch.tensor(nchw, dtype=torch.float32))

    nhwc = nchw.transpose(0, 2, 3, 1)  # channels-last is moved to channels-first
    np.save(tmp_path / "nhwc.npy", nhwc)
    d = make_npz(tmp_path / "nhwc.npy")
    assert d.image_shape == (3, 5, 7)
    torch.testing.assert_close(d.data, torch.tensor(nchw, dtype=torch.float32))
    x = d.draw(streams([3, 4]), 5)
    assert x.shape == (2, 5, 3, 5, 7)


def test_npz_uint8_images_are_scaled_to_minus_one_one(tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (4, 6, 6, 1), dtype=np.uint8)
    pixels[0, 0, 0, 0], pixels[0, 0, 1, 0] = 0, 255
    np.save(tmp_path / "bytes.npy", pixels)
    d = make_npz(tmp_path / "bytes.npy")
    assert d.sample_shape == (1, 6, 6) and d.bounded
    expected = torch.tensor(pixels.transpose(0, 3, 1, 2), dtype=torch.float32) / 127.5 - 1
    torch.testing.assert_close(d.data, expected)
    assert d.data.min() == -1 and d.data.max() == 1


def test_npz_pixels_setting_overrides_the_guess(tmp_path: Path) -> None:
    as_floats = np.array([[[0.0, 255.0]], [[127.5, 51.0]]])  # 8-bit values saved as floats
    np.save(tmp_path / "floats.npy", as_floats)
    with pytest.raises(GanbenchError, match="pixels: bytes"):
        make_npz(tmp_path / "floats.npy")  # never trained on silently
    d = make_npz(tmp_path / "floats.npy", pixels="bytes")
    assert d.bounded
    torch.testing.assert_close(d.data.flatten(), torch.tensor([-1.0, 1.0, 0.0, -0.6]))
    raw = make_npz(tmp_path / "floats.npy", pixels="raw")
    assert not raw.bounded and raw.data.max() == 255
    nonnegative = np.full((2, 3, 3), 0.5)  # auto reads it as [0, 1]; signed keeps it
    np.save(tmp_path / "half.npy", nonnegative)
    assert make_npz(tmp_path / "half.npy").data.unique().tolist() == [0.0]
    assert make_npz(tmp_path / "half.npy", pixels="signed").data.unique().tolist() == [0.5]
    with pytest.raises(GanbenchError, match=r"outside \[0, 1\]"):
        make_npz(tmp_path / "floats.npy", pixels="unit")
    with pytest.raises(ValueError, match="standardize or pixels"):
        datasets.get("npz").Params(path="x.npy", standardize=True, pixels="unit")


def test_npz_standardize(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal([5.0, -3.0, 0.0], [2.0, 0.5, 0.0], size=(500, 3))
    np.save(tmp_path / "x.npy", data)
    d = make_npz(tmp_path / "x.npy", standardize=True)
    assert not d.bounded
    np.testing.assert_allclose(d.data.mean(dim=0).numpy(), 0, atol=1e-5)
    np.testing.assert_allclose(d.data.std(dim=0, unbiased=False).numpy(), [1, 1, 0], atol=1e-4)


def test_npz_one_dimensional_array_is_one_feature(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.arange(5.0))
    d = make_npz(tmp_path / "x.npy")
    assert d.sample_shape == (1,) and d.size == 5


def _bad_files(tmp: Path) -> dict[str, tuple[Path, dict, str]]:
    """name → (file, extra params, a phrase the message must contain)."""
    np.savez(tmp / "keys.npz", alpha=np.zeros((3, 2)), beta=np.ones((3, 2)))
    (tmp / "garbage.npy").write_text("this is not numpy data\n")
    np.save(tmp / "strings.npy", np.array(["a", "b", "c"]))
    np.save(tmp / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(tmp / "one_row.npy", np.zeros((1, 4)))
    np.save(tmp / "nan.npy", np.array([[0.0, np.nan], [1.0, 2.0]]))
    np.save(tmp / "inf.npy", np.array([[0.0, np.inf], [1.0, 2.0]]))
    np.save(tmp / "scalar.npy", np.float64(3.0))
    np.savez(tmp / "empty.npz")
    np.save(tmp / "plain.npy", np.zeros((3, 2)))
    np.save(tmp / "huge.npy", np.array([[0.0, 1e300], [1.0, 2.0]]))  # finite in float64, inf in float32
    np.save(tmp / "huge_std.npy", np.array([[0.0, 1e300], [1.0, -1e300]]))
    np.save(tmp / "rgba.npy", np.zeros((3, 5, 5, 4), dtype=np.uint8))
    np.save(tmp / "nan_image.npy", np.where(np.eye(4)[None] > 0, np.nan, 0.5).repeat(2, axis=0))
    np.save(tmp / "wide_ints.npy", np.array([[[0, 1000]], [[5, 6]]], dtype=np.int32))
    return {
        "huge": (tmp / "huge.npy", {}, "float32"),
        "huge_standardized": (tmp / "huge_std.npy", {"standardize": True}, "float32"),
        "rgba": (tmp / "rgba.npy", {}, "1 or 3 channels"),
        "nan_image": (tmp / "nan_image.npy", {}, "NaN"),
        "wide_ints": (tmp / "wide_ints.npy", {}, "0..255"),
        "missing": (tmp / "nope.npz", {}, "does not exist"),
        "garbage": (tmp / "garbage.npy", {}, "could not be read"),
        "missing_key": (tmp / "keys.npz", {"key": "gamma"}, "alpha, beta"),
        "strings": (tmp / "strings.npy", {}, "dtype"),
        "objects": (tmp / "objects.npy", {}, "could not be read"),
        "one_row": (tmp / "one_row.npy", {}, "fewer than 2 rows"),
        "nan": (tmp / "nan.npy", {}, "NaN"),
        "inf": (tmp / "inf.npy", {}, "infinite"),
        "scalar": (tmp / "scalar.npy", {}, "axes"),
        "empty_npz": (tmp / "empty.npz", {}, "no arrays"),
        "key_on_npy": (tmp / "plain.npy", {"key": "x"}, "key"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "garbage",
        "missing_key",
        "strings",
        "objects",
        "one_row",
        "nan",
        "inf",
        "scalar",
        "empty_npz",
        "key_on_npy",
        "huge",
        "huge_standardized",
        "rgba",
        "nan_image",
        "wide_ints",
    ],
)
def test_npz_bad_input_is_one_clear_error(tmp_path: Path, case: str) -> None:
    file, params, phrase = _bad_files(tmp_path)[case]
    with pytest.raises(GanbenchError) as info:
        make_npz(file, **params)
    message = str(info.value)
    assert str(file) in message
    assert phrase in message
    assert "\n" not in message  # one paragraph
    assert info.value.__cause__ is None  # no chained numpy traceback
