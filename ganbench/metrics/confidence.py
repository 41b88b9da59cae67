"""The classifier confidence a (stacked) digit sample needs to count as high quality, calibrated on
held-out real digits.

Why: the bundled classifier is sure of almost any digit-like image, so counting every sample as high
quality (the stacked-MNIST protocol has no quality criterion) makes the high-quality share 100 % on
every run — a number that cannot vary. Instead, a sample is high quality when the classifier's
softmax confidence on every channel is at least a threshold t calibrated so that a fixed share
``HQ_SHARE`` of *real* samples pass:

    t(C) = the (1 − HQ_SHARE^(1/C)) quantile of the confidences on the held-out test split
           (the digits the classifier never trained on), lower interpolation,

for C channels, on the held-out split of the classifier for the data's image side (the 450 8×8
digits; 1,000 of the 28×28 MNIST digits). A real stack of C independent held-out digits then passes
with probability ≈ (HQ_SHARE^(1/C))^C = HQ_SHARE, so a generator that produces new digits as good as
real ones scores about ``HQ_SHARE`` (90 %) on `digits`, `stacked_digits`, `mnist` and
`stacked_mnist` alike; one that memorised the
training digits scores a little higher (the classifier is surer of the digits it trained on: 94 % of
them pass for C = 1), and uniform noise, blurred or noisy digits score far lower. Measured with the
8×8 classifier: t(1) ≈ 0.991; 4.9 % of uniform-noise images, 22 % of 3×3-blurred held-out digits
and 65 % of held-out digits with N(0, 0.5²) pixel noise pass it. With the 28×28 MNIST classifier
(trained with outlier exposure, ``ganbench.metrics.classifier_training``): t(1) ≈ 0.9992; 0 % of
uniform-noise images, 1.8 % of 5×5-blurred and 63 % of 3×3-blurred held-out digits, and 52 % of
held-out digits with N(0, 0.5²) pixel noise pass it.

The threshold depends only on the classifier (itself deterministic and cached on disk) and the fixed
split, so it is computed once per process and classifier file, on the CPU, in well under a second.
"""

from __future__ import annotations

from functools import cache

import torch

from ganbench.metrics.classifier import cache_path, classify, heldout_split, load_classifier

HQ_SHARE = 0.9
"""Share of real (held-out) samples that count as high quality on digit data."""


def calibrated_confidence(channels: int = 1, share: float = HQ_SHARE, side: int = 8) -> float:
    """The per-channel confidence t such that about ``share`` of real ``channels``-digit stacks
    (independent held-out ``side``×``side`` digits) reach t on every channel; see the module docstring."""
    if not 0 < share < 1:
        raise ValueError(f"share must lie strictly between 0 and 1, got {share}")
    return _threshold(str(cache_path(side=side)), channels, share, side)


@cache
def _threshold(classifier_file: str, channels: int, share: float, side: int) -> float:
    conf = heldout_confidences(classifier_file, side)
    per_channel = share ** (1.0 / channels)
    return float(torch.quantile(conf, 1.0 - per_channel, interpolation="lower"))


@cache
def heldout_confidences(classifier_file: str | None = None, side: int = 8) -> torch.Tensor:
    """The ``side`` classifier's confidence (top softmax probability) on each held-out test digit, float64.

    ``classifier_file`` only keys the memo (a different cached classifier gives other values)."""
    _, _, x_test, _ = heldout_split(side)
    _, conf = classify(load_classifier(side=side), x_test, channels=1)
    return conf[:, 0].double()
