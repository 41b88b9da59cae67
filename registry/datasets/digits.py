"""`digits`: scikit-learn's bundled 8×8 handwritten digits (UCI optdigits; Alpaydin & Kaynak 1998),
a small, download-free stand-in for MNIST with 10 modes (the digit classes)."""

import torch
from torch import Tensor

from ganbench.api import ClassifierModes, Dataset, Streams, datasets
from ganbench.data.digits import N_DIGITS, digits_on


@datasets.register("digits")
class Digits(Dataset):
    """The 1797 8×8 digits, pixels scaled to [−1, 1] (x / 8 − 1), flattened to 64 features.

    The whole set is held as one tensor on the device; a minibatch is drawn by uniform indices
    with replacement from the seed's generator. Modes are the 10 digit classes, told apart by the
    bundled digit classifier."""

    sample_shape = (64,)
    image_shape = (8, 8)
    bounded = True
    size = N_DIGITS

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        self.data, self.labels = digits_on(self.device)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` digits drawn uniformly with replacement, shape (n, 64)."""
        idx = torch.randint(len(self.data), (n,), generator=generator, device=self.device)
        return self.data[idx]

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` rows per seed, all seeds at once: one gather of stream-drawn indices."""
        return self.data[streams.randint(len(self.data), n)]

    def modes(self) -> ClassifierModes:
        """10 modes: the digit classes (one channel)."""
        return ClassifierModes(channels=1)
