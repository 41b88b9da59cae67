"""The 28×28 MNIST classifier and the `modes` metric on (stacked) MNIST, on inputs whose answer is known.

Stacked MNIST (Metz et al. 2017; VEEGAN; PacGAN): real stacks of three independent digits cover
about all 1,000 modes with a reverse KL near 0; copies of one stack cover 1 mode with KL = ln 1000;
ten stacks equally often cover 10 modes with KL = ln 100. Pixel noise is not high quality (the
classifier's outlier exposure), held-out digits are as often as calibrated. Samples are built from the
bundled digits by ``ganbench.testing.digit_samples``; the classifier is the real one, trained once
into the test session's cache (``tests/conftest.py``).
"""

from __future__ import annotations

import math

import pytest
import torch

from ganbench.data.mnist import load_mnist
from ganbench.metrics import classifier as clf
from ganbench.metrics.confidence import HQ_SHARE, calibrated_confidence
from ganbench.metrics.evaluator import N_STACKED, build_evaluator, default_n_samples
from ganbench.registry import metrics
from ganbench.testing.digit_samples import one_mode, real_stacks, ten_modes


def scaled(images) -> torch.Tensor:
    """uint8 images → float in [−1, 1], as the datasets scale them."""
    return torch.tensor(images, dtype=torch.float32) / 127.5 - 1


def modes_of(dataset, fake: torch.Tensor, **params) -> dict[str, float]:
    """The registered `modes` metric on ``fake`` (N, …) as one seed."""
    cls = metrics.get("modes")
    out = cls(cls.Params(**params), dataset).compute(fake[None], None)
    return {k: v.item() for k, v in out.items()}


def test_mnist_classifier_reaches_98_percent_on_the_held_out_digits():
    model = clf.load_classifier(side=28)
    _, _, x_test, _ = clf.heldout_split(28)
    assert model.side == 28 and len(x_test) == 1000
    assert clf.test_accuracy(model) >= 0.98


def test_the_side_picks_the_classifier_and_an_unknown_side_is_refused():
    assert clf.load_classifier(side=28).side == 28 and clf.load_classifier().side == 8
    assert clf.cache_path(side=28) != clf.cache_path(side=8)
    with pytest.raises(ValueError, match="no bundled digit classifier reads 16×16.*8 .*28 "):
        clf.kind(16)


def test_mnist_training_is_deterministic_and_leaves_global_rng_alone():
    quick = {**clf.KINDS[28].settings, "train": {**clf.KINDS[28].settings["train"], "epochs": 1}}
    quick["train"]["test_size"] = 4700  # train one epoch on 300 digits: the same code, seconds
    before = torch.random.get_rng_state()
    a, b = clf.train_classifier(quick, side=28), clf.train_classifier(quick, side=28)
    assert torch.equal(torch.random.get_rng_state(), before)
    for (name, va), vb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(va, vb), name


def test_images_and_flat_rows_get_the_same_labels_and_features():
    model = clf.load_classifier(side=28)
    images, _ = load_mnist()
    stacks = scaled(real_stacks(images, 40, seed=3))  # (40, 3, 28, 28)
    labels, conf = clf.classify(model, stacks, channels=3)
    flat_labels, flat_conf = clf.classify(model, stacks.reshape(40, -1), channels=3)
    assert torch.equal(labels, flat_labels) and torch.equal(conf, flat_conf)
    feats = clf.channel_features(model, stacks, channels=3)
    assert feats.shape == (40, 3 * model.hidden)
    torch.testing.assert_close(feats[:, model.hidden : 2 * model.hidden], model.features(stacks[:, 1]))


def test_real_stacked_mnist_covers_about_1000_modes_with_kl_near_0(toys):
    images, _ = load_mnist()
    dataset = toys["stacked_mnist"]
    assert default_n_samples(dataset) == N_STACKED == 26_000
    out = modes_of(dataset, scaled(real_stacks(images, N_STACKED, seed=0)))
    assert out["covered"] >= 995  # 26 samples per mode on average: an empty mode is very unlikely
    assert out["kl"] < 0.05  # the histogram's own bias is about 999 / (2 · 26,000) = 0.019
    assert 0.85 < out["high_quality"] < 1  # real stacks pass the calibrated threshold ≈ 90 % of the time


# The answers of one and of ten stacks do not depend on the sample count, so these two use a tenth
# of the protocol's 26,000 (``ganbench evaluate``'s tests run the protocol's count).
N_DEGENERATE = N_STACKED // 10


def test_one_stack_repeated_is_one_mode_with_kl_ln_1000(toys):
    images, labels = load_mnist()
    fake, _ = one_mode(images, labels, N_DEGENERATE)
    out = modes_of(toys["stacked_mnist"], scaled(fake))
    assert out["covered"] == 1
    assert out["kl"] == pytest.approx(math.log(1000), abs=1e-9)


def test_ten_stacks_equally_often_are_ten_modes_with_kl_ln_100(toys):
    images, labels = load_mnist()
    fake, tuples = ten_modes(images, labels, N_DEGENERATE)
    model = clf.load_classifier(side=28)
    read = clf.mode_index(clf.classify(model, scaled(fake[:10]), channels=3)[0])
    assert sorted(read.tolist()) == sorted(100 * a + 10 * b + c for a, b, c in tuples)  # read right
    out = modes_of(toys["stacked_mnist"], scaled(fake))
    assert out["covered"] == 10
    assert out["kl"] == pytest.approx(math.log(100), abs=1e-9)


def test_mnist_digits_cover_10_modes_and_held_out_ones_score_the_calibrated_share(toys):
    dataset = toys["mnist"]
    out = modes_of(dataset, dataset.data)
    assert out["covered"] == 10 and out["kl"] < 0.005  # 500 digits a class, 98.6 % read right
    _, _, x_test, _ = clf.heldout_split(28)
    held_out = modes_of(dataset, x_test.reshape(-1, 1, 28, 28))
    assert held_out["high_quality"] == pytest.approx(HQ_SHARE, abs=0.005)
    assert calibrated_confidence(3, side=28) < calibrated_confidence(1, side=28)
    g = torch.Generator().manual_seed(0)
    noise = torch.rand(2000, 1, 28, 28, generator=g) * 2 - 1
    assert modes_of(dataset, noise)["high_quality"] < 0.05
    blurred = torch.nn.functional.conv2d(
        x_test.reshape(-1, 1, 28, 28), torch.ones(1, 1, 5, 5) / 25, padding=2
    )
    assert modes_of(dataset, blurred)["high_quality"] < 0.2


def test_stacked_mnist_distances_are_in_the_mnist_classifier_features(toys):
    dataset = toys["stacked_mnist"]
    ev = build_evaluator(dataset, ["frechet", "prdc"], n_real=300)
    assert ev.feature_spaces() == {
        "frechet": "28×28 MNIST classifier features",
        "prdc": "28×28 MNIST classifier features",
    }
    assert ev.metrics["prdc"].reference(ev.real)[0].shape == (300, 3 * 128)
    images, labels = load_mnist()
    real = scaled(real_stacks(images, 300, seed=5))[None]
    collapsed = scaled(one_mode(images, labels, 300)[0])[None]
    fd_real, fd_collapsed = ev(real)["frechet/fd"].item(), ev(collapsed)["frechet/fd"].item()
    assert fd_real < 0.2 * fd_collapsed  # real stacks sit far closer to the data than one stack
