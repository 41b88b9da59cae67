"""The evaluator the trainer calls: metric selection, sample sizes, reference set, errors, NaN seeds."""

from __future__ import annotations

import math

import pytest
import torch

from ganbench.contracts import Dataset
from ganbench.errors import GanbenchError, RegistryError
from ganbench.metrics.evaluator import N_CAP, N_MIXTURE, N_STACKED, build_evaluator, default_n_samples
from ganbench.registry import metrics


def _fake(dataset, n_seeds: int, n: int) -> torch.Tensor:
    return dataset.batch([torch.Generator().manual_seed(10 + s) for s in range(n_seeds)], n)


def test_all_applicable_metrics_by_default_with_the_protocol_sample_size(toys):
    ring = toys["ring"]
    ev = build_evaluator(ring)
    assert set(ev.metrics) == {n for n in metrics.names() if metrics.get(n).applies_to(ring)}
    assert ev.n_samples == N_MIXTURE == 2_500
    assert ev.primary == "modes/covered" and ev.primary_higher_is_better
    assert ev.headlines()["frechet"] == ("frechet/fd", False)
    out = ev(_fake(ring, 2, 600))
    assert list(out) == ev.output_keys()
    assert all(v.shape == (2,) and v.dtype == torch.float64 for v in out.values())
    assert out["modes/covered"].tolist() == [8.0, 8.0]


def test_default_sample_sizes(toys):
    assert default_n_samples(toys["stacked"]) == N_STACKED == 26_000
    assert default_n_samples(toys["digits"]) == 1797  # finite data: the whole data set
    assert default_n_samples(toys["plain"]) == N_MIXTURE
    assert build_evaluator(toys["ring"], ["modes"], n_samples=100).n_samples == 100


def test_metrics_that_do_not_apply_are_left_out(toys):
    plain = toys["plain"]
    assert "modes" not in build_evaluator(plain).metrics
    ev = build_evaluator(plain, ["modes", "frechet"])
    assert list(ev.metrics) == ["frechet"] and ev.skipped == ["modes"]
    assert ev.primary == "frechet/fd" and not ev.primary_higher_is_better


def test_reference_set_is_fixed_or_the_whole_finite_data_set(toys):
    ring = toys["ring"]
    a, b = build_evaluator(ring, ["frechet"]), build_evaluator(ring, ["frechet"])
    assert torch.equal(a.real, b.real) and a.real.shape == (N_MIXTURE, 2)
    assert build_evaluator(ring, ["frechet"], n_real=300).real.shape == (300, 2)
    digits = toys["digits"]
    assert torch.equal(build_evaluator(digits, ["frechet"]).real, digits.data)


def test_unknown_metric_lists_the_available_ones(toys):
    with pytest.raises(RegistryError, match="prdc"):
        build_evaluator(toys["ring"], ["no_such_metric"])


def test_bad_parameters_are_reported_with_the_metric_and_the_allowed_keys(toys):
    with pytest.raises(GanbenchError, match=r"'prdc'.*\bk\b.*Allowed parameters: k, max_samples, space"):
        build_evaluator(toys["ring"], ["prdc"], params={"prdc": {"k": 0}})
    with pytest.raises(GanbenchError, match="not among the selected"):
        build_evaluator(toys["ring"], ["modes"], params={"prdc": {"k": 3}})
    with pytest.raises(RegistryError):
        build_evaluator(toys["ring"], params={"no_such_metric": {}})
    with pytest.raises(GanbenchError, match="must exceed k"):
        build_evaluator(toys["ring"], ["prdc"], params={"prdc": {"k": 20, "max_samples": 20}})
    with pytest.raises(GanbenchError, match="'frechet' cannot be used on dataset PlainGaussian.*classifier"):
        build_evaluator(toys["plain"], ["frechet"], params={"frechet": {"space": "classifier"}})


def test_parameters_reach_the_metric(toys):
    ev = build_evaluator(toys["ring"], ["prdc"], params={"prdc": {"k": 3, "max_samples": 50}})
    assert ev.metrics["prdc"].params.k == 3
    assert ev.metrics["prdc"].reference(ev.real)[0].shape == (50, 2)


def test_a_diverged_seed_gets_nan_and_the_others_are_unaffected(toys):
    ring = toys["ring"]
    ev = build_evaluator(ring, n_samples=400, n_real=400)
    fake = _fake(ring, 3, 400)
    broken = fake.clone()
    broken[1, 5, 0] = float("nan")
    out, clean = ev(broken), ev(fake)
    for key in ev.output_keys():
        assert math.isnan(out[key][1].item()), key
        torch.testing.assert_close(out[key][[0, 2]], clean[key][[0, 2]])
    all_broken = ev(torch.full((2, 10, 2), float("inf")))
    assert all(torch.isnan(v).all() for v in all_broken.values())


def test_stacked_digits_use_classifier_modes_and_features(toys):
    stacked = toys["stacked"]
    ev = build_evaluator(stacked, n_real=500)
    out = ev(_fake(stacked, 2, 500))
    assert ev.metrics["prdc"].reference(ev.real)[0].shape == (500, 3 * 128)
    # real stacks (mostly training digits) pass the threshold calibrated to pass 90 % of held-out ones
    assert ((out["modes/high_quality"] > 0.85) & (out["modes/high_quality"] < 1)).all()
    assert (out["modes/covered"] > 300).all()  # 500 draws from 1000 equally likely modes: ≈ 390


def test_digits_of_a_side_without_classifier_skip_modes_and_use_data_space(toys):
    """16×16 digits (ClassifierModes(side=16)), a side no bundled classifier reads: the mode metric
    is skipped (named when asked for), Fréchet and PRDC compare the flattened images."""
    big = toys["big_digits"]
    assert "modes" not in build_evaluator(big, n_real=200).metrics
    ev = build_evaluator(big, ["modes", "frechet", "prdc"], n_real=200)
    assert ev.skipped == ["modes"] and ev.real.shape == (200, 1, 16, 16)
    assert ev.metrics["prdc"].reference(ev.real)[0].shape == (200, 16 * 16)
    out = ev(_fake(big, 2, 200))
    assert all(torch.isfinite(v).all() for v in out.values())
    with pytest.raises(GanbenchError, match="16×16"):
        build_evaluator(big, ["frechet"], params={"frechet": {"space": "classifier"}})


class _SortedRows(Dataset):
    """12,000 one-feature rows 0, 1, 2, … held in ``data`` (more than the reference set's cap)."""

    sample_shape = (1,)
    size = 12_000

    def __init__(self, params, device):
        super().__init__(params, device)
        self.data = torch.arange(12_000, dtype=torch.float32)[:, None]

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n,), generator=generator)]


def test_a_large_data_set_gives_a_drawn_reference_not_its_first_rows():
    ev = build_evaluator(_SortedRows(None, torch.device("cpu")), ["frechet"])
    assert ev.real.shape == (N_CAP, 1)
    assert ev.real.max() >= N_CAP  # rows beyond the first 10,000 are in it
