"""The bundled digit classifier: accuracy, determinism, the disk cache, per-channel labels and features."""

from __future__ import annotations

import copy

import pytest
import torch

from ganbench.metrics import classifier as clf


def test_test_accuracy_is_at_least_95_percent():
    assert clf.test_accuracy(clf.load_classifier()) >= 0.95


def test_cache_lives_in_ganbench_cache_keyed_by_settings(classifier_cache):
    clf.load_classifier()
    path = clf.cache_path()
    assert path.parent == classifier_cache and path.is_file()
    assert clf.settings_key() in path.name
    changed = copy.deepcopy(clf.SETTINGS)
    changed["train"]["epochs"] += 1
    assert clf.cache_path(changed) != path


def test_cached_weights_load_with_weights_only_and_match(classifier_cache):
    model = clf.load_classifier()
    state = torch.load(clf.cache_path(), map_location="cpu", weights_only=True)
    for name, value in model.state_dict().items():
        torch.testing.assert_close(state[name], value, rtol=0, atol=0)
    assert not any(p.requires_grad for p in model.parameters()) and not model.training


def test_training_is_deterministic_and_leaves_global_rng_alone():
    quick = copy.deepcopy(clf.SETTINGS)
    quick["train"]["epochs"] = 1
    before = torch.random.get_rng_state()
    a, b = clf.train_classifier(quick), clf.train_classifier(quick)
    assert torch.equal(torch.random.get_rng_state(), before)
    for (name, va), vb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(va, vb), name


def test_stacked_samples_are_classified_per_channel_in_channel_major_order():
    model = clf.load_classifier()
    _, _, x, y = clf.digits_split()
    stacked = torch.cat([x[:50], x[50:100], x[100:150]], dim=1)  # (50, 192) = channels (3, 8, 8)
    labels, conf = clf.classify(model, stacked, channels=3)
    single = [clf.classify(model, x[i : i + 50], channels=1)[0][:, 0] for i in (0, 50, 100)]
    assert torch.equal(labels, torch.stack(single, dim=1))
    assert conf.shape == (50, 3) and bool(((conf > 0) & (conf <= 1)).all())
    assert (labels == torch.stack([y[:50], y[50:100], y[100:150]], dim=1)).float().mean() > 0.9
    assert clf.mode_index(torch.tensor([[4, 0, 7], [0, 0, 9]])).tolist() == [407, 9]


def test_features_are_the_penultimate_layer_per_channel():
    model = clf.load_classifier()
    _, _, x, _ = clf.digits_split()
    stacked = torch.cat([x[:20], x[20:40], x[40:60]], dim=1)
    feats = clf.channel_features(model, stacked, channels=3)
    hidden = model.hidden
    assert feats.shape == (20, 3 * hidden)
    torch.testing.assert_close(feats[:, hidden : 2 * hidden], model.features(x[20:40]))
    torch.testing.assert_close(model.head(feats[:, :hidden]), model(x[:20]))


def test_subnormal_weights_are_flushed_and_nothing_else_changes():
    from torch import nn

    from ganbench.metrics.classifier import flush_denormals

    net = nn.Linear(4, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1e-39, -3e-40, 0.5, 0.0], [1e-30, -2.0, 1e-45, 7.0]]))
    assert flush_denormals(net) == 3
    expected = torch.tensor([[0.0, 0.0, 0.5, 0.0], [1e-30, -2.0, 0.0, 7.0]])
    assert torch.equal(net.weight, expected)


@pytest.mark.parametrize("side", [8, 28])
def test_the_loaded_classifiers_hold_no_subnormal_weight(side):
    model = clf.load_classifier(side=side)
    tiny = torch.finfo(torch.float32).tiny
    assert all(int(((p != 0) & (p.abs() < tiny)).sum()) == 0 for p in model.parameters())
