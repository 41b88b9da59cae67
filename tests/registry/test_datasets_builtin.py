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
    assert (d.sample_shape, d.image_shape, d.bounded, d.size) == ((64,), (8, 8), True, 1797)
    assert d.steps_per_epoch(64) == 1797 // 64
    x = d.batch([gen(0), gen(1)], 100)
    assert x.shape == (2, 100, 64)
    assert x.min() >= -1 and x.max() <= 1
    assert None not in digit_index(x.reshape(-1, 64))  # every sample is exactly a digit of the set
    modes = d.modes()
    assert isinstance(modes, ClassifierModes) and modes.channels == 1 and modes.n_modes == 10


def test_digits_classes_roughly_uniform() -> None:
    d = make("digits")
    x = d.sample(20_000, gen(5))
    labels = torch.tensor(load_digits_scaled()[1])
    table = torch.tensor(load_digits_scaled()[0]).reshape(1797, 64)
    counts = torch.bincount(labels[nearest(x, table)], minlength=10).float() / 20_000
    assert torch.all((counts - 0.1).abs() < 0.015)


def test_stacked_digits_channels_are_independent_real_digits() -> None:
    d = make("stacked_digits")
    assert (d.sample_shape, d.image_shape, d.bounded, d.size) == ((192,), (3, 8, 8), True, None)
    assert d.steps_per_epoch(64) == 1797 // 64
    x = d.batch([gen(0), gen(1)], 200)
    assert x.shape == (2, 200, 192) and x.min() >= -1 and x.max() <= 1
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


def test_npz_images_set_image_shape(tmp_path: Path) -> None:
    grey = np.random.default_rng(0).random((6, 5, 7))
    np.save(tmp_path / "grey.npy", grey)
    d = make_npz(tmp_path / "grey.npy")
    assert d.image_shape == (5, 7) and d.sample_shape == (35,)
    torch.testing.assert_close(d.data[2], torch.tensor(grey[2].ravel(), dtype=torch.float32))

    nchw = np.random.default_rng(1).random((6, 3, 5, 7))
    np.save(tmp_path / "nchw.npy", nchw)
    assert make_npz(tmp_path / "nchw.npy").image_shape == (3, 5, 7)

    nhwc = nchw.transpose(0, 2, 3, 1)  # channels-last is moved to channels-first
    np.save(tmp_path / "nhwc.npy", nhwc)
    d = make_npz(tmp_path / "nhwc.npy")
    assert d.image_shape == (3, 5, 7)
    torch.testing.assert_close(d.data, torch.tensor(nchw.reshape(6, -1), dtype=torch.float32))


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
    return {
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
