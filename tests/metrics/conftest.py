"""Shared set-up for the metric tests: small toy datasets (the classifier cache is ``tests/conftest.py``'s).

The toy datasets are built here rather than taken from ``registry/datasets`` so these
tests do not depend on how the built-in datasets evolve; ``ring`` is the one registered dataset used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from ganbench.contracts import ClassifierModes, Dataset
from ganbench.data.mnist import load_mnist
from ganbench.registry import datasets, metrics


class PlainGaussian(Dataset):
    """A 5-D standard normal: no known modes, infinite."""

    sample_shape = (5,)

    def sample(self, n, generator):
        return torch.randn(n, 5, generator=generator, device=self.device)


def _digit_images() -> torch.Tensor:
    return torch.tensor(load_digits().images / 8.0 - 1.0, dtype=torch.float32)  # (1797, 8, 8)


class ToyDigits(Dataset):
    """The bundled digits as a finite data set of (1, 8, 8) images held in ``data`` (10 modes)."""

    sample_shape = (1, 8, 8)
    bounded = True
    size = 1797

    def __init__(self, params, device):
        super().__init__(params, device)
        self.data = _digit_images()[:, None].to(self.device)

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n,), generator=generator, device=self.device)]

    def modes(self):
        return ClassifierModes(channels=1)


class ToyStackedDigits(ToyDigits):
    """Three independent digits per sample as the channels of a (3, 8, 8) image (1000 modes)."""

    sample_shape = (3, 8, 8)
    size = None

    def sample(self, n, generator):
        idx = torch.randint(len(self.data), (n, 3), generator=generator, device=self.device)
        return self.data[idx, 0]

    def modes(self):
        return ClassifierModes(channels=3)


class ToyBigDigits(Dataset):
    """16×16 grey "digits" (the 8×8 ones enlarged) whose modes name a side no bundled classifier reads."""

    sample_shape = (1, 16, 16)
    bounded = True
    size = 300

    def __init__(self, params, device):
        super().__init__(params, device)
        big = torch.nn.functional.interpolate(_digit_images()[:300, None], size=(16, 16), mode="nearest")
        self.data = big.to(self.device)

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n,), generator=generator, device=self.device)]

    def modes(self):
        return ClassifierModes(channels=1, side=16)


def mnist_images() -> torch.Tensor:
    """The 5,000 bundled MNIST digits as float (5000, 28, 28) in [−1, 1] (x / 127.5 − 1)."""
    return torch.tensor(load_mnist()[0], dtype=torch.float32) / 127.5 - 1


class ToyMnist(Dataset):
    """The bundled MNIST digits kept as images (1, 28, 28), a finite data set in ``data`` (10 modes)."""

    sample_shape = (1, 28, 28)
    image_shape = (1, 28, 28)
    bounded = True
    size = 5000

    def __init__(self, params, device):
        super().__init__(params, device)
        self.data = mnist_images()[:, None].to(self.device)

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n,), generator=generator, device=self.device)]

    def modes(self):
        return ClassifierModes(channels=1, side=28)


class ToyStackedMnist(ToyMnist):
    """Three independent MNIST digits as the channels of a (3, 28, 28) image (1,000 modes)."""

    sample_shape = (3, 28, 28)
    image_shape = (3, 28, 28)
    size = None

    def sample(self, n, generator):
        idx = torch.randint(len(self.data), (n, 3), generator=generator, device=self.device)
        return self.data[idx, 0]

    def modes(self):
        return ClassifierModes(channels=3, side=28)


class ToyColourImages(Dataset):
    """Smooth random colour images (3, 8, 8) in [−1, 1]: natural-image-like data with no known modes."""

    sample_shape = (3, 8, 8)
    image_shape = (3, 8, 8)
    bounded = True

    def sample(self, n, generator):
        coarse = torch.rand(n, 3, 2, 2, generator=generator, device=self.device) * 2 - 1
        return torch.nn.functional.interpolate(coarse, size=(8, 8), mode="bilinear", align_corners=True)


def toy_datasets() -> dict[str, Dataset]:
    """One dataset of each kind a metric may apply to, on the CPU."""
    cpu = torch.device("cpu")
    return {
        "ring": datasets.get("ring")(None, cpu),
        "plain": PlainGaussian(None, cpu),
        "digits": ToyDigits(None, cpu),
        "stacked": ToyStackedDigits(None, cpu),
        "big_digits": ToyBigDigits(None, cpu),
        "mnist": ToyMnist(None, cpu),
        "stacked_mnist": ToyStackedMnist(None, cpu),
        "colour_images": ToyColourImages(None, cpu),
    }


def metric_cases() -> list:
    """(metric name, toy dataset name) for every registered metric and every toy it applies to.

    A metric that applies to none of the toys is checked on the registered datasets it applies to;
    if there is none either, its case fails and says so.
    """
    toys = toy_datasets()
    cases = []
    for name in metrics.names():
        cls = metrics.get(name)
        usable = [t for t, ds in toys.items() if cls.applies_to(ds)]
        if not usable:
            usable = [f"registered:{d}" for d in datasets.names() if _applies(cls, d)]
        cases += [pytest.param(name, t, id=f"{name}-{t}") for t in usable or ["<none>"]]
    return cases


def _registered(name: str) -> Dataset:
    """A registered dataset built with its example parameters (files go to a fresh temporary folder)."""
    cls = datasets.get(name)
    return cls(cls.Params(**cls.example_params(Path(tempfile.mkdtemp()))), torch.device("cpu"))


def _applies(metric_cls: type, dataset_name: str) -> bool:
    try:
        return metric_cls.applies_to(_registered(dataset_name))
    except Exception:  # a dataset that cannot be built here is simply not a candidate
        return False


def dataset_for_case(key: str) -> Dataset:
    """The dataset a case names (a toy or ``registered:<name>``)."""
    if key.startswith("registered:"):
        return _registered(key.split(":", 1)[1])
    if key == "<none>":
        pytest.fail("this metric applies to no toy and no registered dataset; nothing to check it on")
    return toy_datasets()[key]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"metric_name", "dataset_key"} <= set(metafunc.fixturenames):
        metafunc.parametrize(("metric_name", "dataset_key"), metric_cases())


@pytest.fixture
def case_dataset(dataset_key: str) -> Dataset:
    """The dataset of a (metric_name, dataset_key) contract case."""
    return dataset_for_case(dataset_key)


@pytest.fixture
def toys() -> dict[str, Dataset]:
    return toy_datasets()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
