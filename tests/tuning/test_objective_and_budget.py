"""Known answers for the pieces of a tuning study: aggregation over seeds, budget curves, Optuna
parts by name, and the storage URL never showing its password."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganbench.errors import GanbenchError
from ganbench.experiment.masking import mask_argv, mask_text, mask_url
from ganbench.tuning.budget import expected_best
from ganbench.tuning.objective import aggregate
from ganbench.tuning.optuna_parts import make_pruner, make_sampler


@pytest.mark.parametrize(
    ("how", "direction", "expected"),
    [
        ("mean", "maximize", 2.0),
        ("median", "maximize", 2.0),
        ("min", "maximize", 1.0),
        ("max", "minimize", 3.0),
        ("pessimistic", "maximize", 1.0),  # mean − sd, sd of [1, 2, 3] is 1
        ("pessimistic", "minimize", 3.0),  # mean + sd
    ],
)
def test_aggregate_over_seeds(how, direction, expected):
    assert aggregate(np.array([1.0, 2.0, 3.0]), how, direction) == pytest.approx(expected)


def test_aggregate_leaves_out_diverged_seeds_and_is_nan_without_any():
    assert aggregate(np.array([1.0, math.nan, 3.0, math.inf]), "mean", "maximize") == 2.0
    assert math.isnan(aggregate(np.array([math.nan, math.nan]), "mean", "maximize"))


def _exact_expected_max(scores: np.ndarray, k: int) -> float:
    """E[max of k draws with replacement] = Σ x_(i) [(i/n)^k − ((i−1)/n)^k] over sorted scores."""
    x = np.sort(scores)
    n = len(x)
    i = np.arange(1, n + 1)
    return float(np.sum(x * ((i / n) ** k - ((i - 1) / n) ** k)))


def test_budget_curve_matches_the_exact_expectation():
    scores = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.3])
    curve = expected_best(scores, maximize=True, n_boot=20_000, seed=1)
    assert list(curve["k"]) == [1, 2, 3, 4, 5, 6]
    for k, value in zip(curve["k"], curve["expected_best"], strict=True):
        assert value == pytest.approx(_exact_expected_max(scores, k), abs=0.01)
    assert np.all(np.diff(curve["expected_best"]) >= 0)  # more trials never hurt the expected best
    assert np.all(curve["low"] <= curve["expected_best"]) and np.all(curve["expected_best"] <= curve["high"])
    # Minimising is maximising the negated scores.
    low = expected_best(-scores, maximize=False, n_boot=20_000, seed=1)
    assert np.allclose(low["expected_best"], -curve["expected_best"])


def test_samplers_and_pruners_by_name_or_alias_with_arguments():
    import optuna

    assert isinstance(make_sampler("tpe", "spec"), optuna.samplers.TPESampler)
    assert isinstance(
        make_sampler({"name": "RandomSampler", "seed": 3}, "spec"), optuna.samplers.RandomSampler
    )
    assert isinstance(make_pruner("none", "spec"), optuna.pruners.NopPruner)
    assert isinstance(
        make_pruner({"name": "hyperband", "min_resource": 50}, "spec"), optuna.pruners.HyperbandPruner
    )
    with pytest.raises(GanbenchError, match=r"unknown sampler 'annealing'; allowed: .*random.*TPESampler"):
        make_sampler("annealing", "spec")
    with pytest.raises(GanbenchError, match=r"pruner MedianPruner: .*its parameters: n_startup_trials"):
        make_pruner({"name": "median", "patience": 3}, "spec")


def test_storage_passwords_are_masked():
    url = "postgresql://alice:s3cret@db.example:5432/studies"
    assert mask_url(url) == "postgresql://alice:***@db.example:5432/studies"
    assert mask_text("could not connect with s3cret", [url]) == "could not connect with ***"
    assert mask_url("sqlite:///optuna.db") == "sqlite:///optuna.db"
    server = "http://bob:p%40ss@127.0.0.1:5000"
    assert "p%40ss" not in mask_url(server) and "127.0.0.1:5000" in mask_url(server)
    argv = ["ganbench", "benchmark", "--storage", url, f"--tracking-uri={server}", "x.yaml"]
    masked = " ".join(mask_argv(argv))
    assert "s3cret" not in masked and "p%40ss" not in masked and "x.yaml" in masked
    masked_error = mask_text(f"error at {url}: refused")
    assert masked_error == "error at postgresql://alice:***@db.example:5432/studies: refused"
