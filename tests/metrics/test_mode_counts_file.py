"""The per-mode counts behind modes covered and the reverse KL, as a run logs them
(``modes_counts.json``), on stacked-MNIST samples whose histogram is known: one triple repeated is
one bar holding every sample, ten triples equally often are ten equal bars."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganbench.data.mnist import load_mnist
from ganbench.metrics.counts_file import counts_file, read_counts, write_counts
from ganbench.metrics.evaluator import N_STACKED, build_evaluator
from ganbench.testing.digit_samples import one_mode, ten_modes


def scaled(images) -> torch.Tensor:
    """uint8 images → float in [−1, 1], as the datasets scale them."""
    return torch.tensor(images, dtype=torch.float32) / 127.5 - 1


def logged(evaluator, seed: int, folder) -> dict:
    """Seed ``seed``'s counts of the evaluator's last call, written and read back as a run's artifact."""
    counts = evaluator.histograms["modes"][seed].numpy()
    return read_counts(write_counts(folder, "modes", counts, 2000, evaluator.n_samples))


@pytest.mark.slow  # 78,000 digits through the classifier: about 10 s on one thread
def test_one_triple_is_one_bar_of_26000(toys, tmp_path):
    images, labels = load_mnist()
    fake, (r, g, b) = one_mode(images, labels, N_STACKED)
    evaluator = build_evaluator(toys["stacked_mnist"], ["modes"])
    out = evaluator(scaled(fake)[None])
    record = logged(evaluator, 0, tmp_path)
    assert (tmp_path / counts_file("modes")).name == "modes_counts.json"
    counts = record["counts"]
    assert len(counts) == 1000 and counts[100 * r + 10 * g + b] == 26_000
    assert np.count_nonzero(counts) == 1 and record["counted"] == record["samples"] == 26_000
    assert record["g_updates"] == 2000 and out["modes/covered"].item() == 1
    assert out["modes/kl"].item() == pytest.approx(math.log(1000), abs=1e-9)


def test_ten_triples_are_ten_equal_bars_and_a_diverged_seed_has_none(toys, tmp_path):
    images, labels = load_mnist()
    n = N_STACKED // 10  # the answer does not depend on N: a tenth of the protocol's count is enough
    fake, tuples = ten_modes(images, labels, n)
    both = torch.stack([scaled(fake), torch.full((n, 3, 28, 28), float("nan"))])
    evaluator = build_evaluator(toys["stacked_mnist"], ["modes"], n_samples=n)
    out = evaluator(both)
    counts = logged(evaluator, 0, tmp_path)["counts"]
    bars = sorted(100 * a + 10 * b + c for a, b, c in tuples)
    assert np.flatnonzero(counts).tolist() == bars and (counts[bars] == n // 10).all()
    assert out["modes/kl"][0].item() == pytest.approx(math.log(100), abs=1e-9)
    assert evaluator.histograms["modes"][1].isnan().all()  # no histogram for non-finite samples
