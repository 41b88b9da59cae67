"""`stacked_digits`: three independently drawn digits stacked as three channels → 10³ = 1000 modes
(the "Stacked MNIST" protocol of Metz et al. 2017 and VEEGAN, Srivastava et al. 2017, here on
scikit-learn's bundled 8×8 digits)."""

import torch
from torch import Tensor

from ganbench.api import ClassifierModes, Dataset, Streams, datasets
from ganbench.data.digits import N_DIGITS, digits_on


@datasets.register("stacked_digits")
class StackedDigits(Dataset):
    """Each sample is three digits drawn uniformly and independently (with replacement) from the
    1797 8×8 digits, pixels in [−1, 1], stacked as channels (3, 8, 8) and flattened channel-major
    to 192 features. A mode is the triple of digit classes: 1000 modes. The combinations are
    practically unlimited, so ``size`` is None and one nominal epoch is 1797 samples."""

    sample_shape = (192,)
    image_shape = (3, 8, 8)
    bounded = True
    size = None
    nominal_epoch = N_DIGITS

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        self.data, self.labels = digits_on(self.device)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` stacks of three independent digits, shape (n, 192) = (n, 3·8·8) channel-major."""
        idx = torch.randint(len(self.data), (n, 3), generator=generator, device=self.device)
        return self.data[idx].reshape(n, 192)

    def draw(self, streams: Streams, n: int) -> Tensor:
        """``n`` stacks per seed, all seeds at once, shape (S, n, 192)."""
        idx = streams.randint(len(self.data), n, 3)
        return self.data[idx].reshape(len(streams), n, 192)

    def modes(self) -> ClassifierModes:
        """1000 modes: one digit class per channel."""
        return ClassifierModes(channels=3)
