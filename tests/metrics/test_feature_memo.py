"""Within one evaluation the classifier embeds each sample set once, whichever metrics ask, and the
answers are the ones computed without sharing."""

from __future__ import annotations

import torch

from ganbench.metrics import classifier as clf
from ganbench.metrics.evaluator import build_evaluator
from ganbench.metrics.feature_memo import memoised, shared_features


def test_a_tensor_and_its_first_rows_are_computed_once_inside_the_scope():
    calls = []

    def double(x):
        calls.append(len(x))
        return x * 2

    x = torch.arange(12.0).reshape(6, 2)
    with shared_features():
        a = memoised("f", x, double)
        b = memoised("f", x[:4], double)  # first rows: a view at the same address
        c = memoised("f", x[2:], double)  # other rows: computed
        x.add_(1)  # an in-place change is a new version: computed again
        d = memoised("f", x, double)
    assert calls == [6, 4, 6]
    torch.testing.assert_close(b, a[:4])
    torch.testing.assert_close(c, (torch.arange(12.0).reshape(6, 2) * 2)[2:])
    torch.testing.assert_close(d, x * 2)
    memoised("f", x, double)
    assert calls == [6, 4, 6, 6]  # outside the scope nothing is kept


def test_an_evaluation_classifies_each_image_once_and_matches_unshared_metrics(toys, monkeypatch):
    stacked = toys["stacked"]
    ev = build_evaluator(stacked, ["modes", "frechet", "prdc", "improved_pr"], n_samples=300, n_real=300)
    fake = stacked.batch([torch.Generator().manual_seed(s) for s in range(2)], 300)
    expected = {n: m.compute(fake, ev.real) for n, m in ev.metrics.items()}  # no scope: no sharing
    model = clf.load_classifier()
    seen = []
    original = model.features
    monkeypatch.setattr(model, "features", lambda b: seen.append(len(b)) or original(b))
    fresh = build_evaluator(stacked, ["modes", "frechet", "prdc", "improved_pr"], n_samples=300, n_real=300)
    out = fresh(fake)
    assert sum(seen) == 3 * (2 * 300 + 300)  # each channel of each fake and real sample, once
    for name, values in expected.items():
        for key, value in values.items():
            torch.testing.assert_close(out[f"{name}/{key}"], value.double())
