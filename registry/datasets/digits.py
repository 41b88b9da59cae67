"""`digits`: scikit-learn's bundled 8×8 handwritten digits (UCI optdigits; Alpaydin & Kaynak 1998),
a small, download-free stand-in for MNIST with 10 modes (the digit classes)."""

import torch

from ganbench.api import ClassifierModes, Dataset, datasets
from ganbench.data.digits import digits_on
from ganbench.data.held import HeldData


@datasets.register("digits")
class Digits(HeldData):
    """The 1797 8×8 digits as grey images (1, 8, 8), ink counts 0..16 scaled to [−1, 1] (x / 8 − 1).

    The whole set is held as one tensor on the device; a minibatch is drawn by uniform indices
    with replacement from the seed's stream. Modes are the 10 digit classes, told apart by the
    bundled 8×8 digit classifier."""

    sample_shape = (1, 8, 8)
    bounded = True

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        images, self.labels = digits_on(self.device)
        self.hold(images[:, None])

    def modes(self) -> ClassifierModes:
        """10 modes: the digit classes (one channel, the 8×8 classifier)."""
        return ClassifierModes(channels=1, side=8)
