"""Shared set-up for the metric tests: a throw-away classifier cache and small toy datasets.

The digit classifier trains once per test session into a temporary ``GANBENCH_CACHE`` (never the
user's cache). The toy datasets are built here rather than taken from ``registry/datasets`` so these
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
from ganbench.registry import datasets, metrics


@pytest.fixture(scope="session", autouse=True)
def classifier_cache(tmp_path_factory: pytest.TempPathFactory):
    """Point GANBENCH_CACHE at a session-wide temporary folder."""
    path = tmp_path_factory.mktemp("ganbench_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANBENCH_CACHE", str(path))
        yield path


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
    """28×28 grey "digits" (the 8×8 ones enlarged) whose modes name a side with no classifier yet."""

    sample_shape = (1, 28, 28)
    bounded = True
    size = 300

    def __init__(self, params, device):
        super().__init__(params, device)
        big = torch.nn.functional.interpolate(_digit_images()[:300, None], size=(28, 28), mode="nearest")
        self.data = big.to(self.device)

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n,), generator=generator, device=self.device)]

    def modes(self):
        return ClassifierModes(channels=1, side=28)


def toy_datasets() -> dict[str, Dataset]:
    """One dataset of each kind a metric may apply to, on the CPU."""
    cpu = torch.device("cpu")
    return {
        "ring": datasets.get("ring")(None, cpu),
        "plain": PlainGaussian(None, cpu),
        "digits": ToyDigits(None, cpu),
        "stacked": ToyStackedDigits(None, cpu),
        "big_digits": ToyBigDigits(None, cpu),
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
