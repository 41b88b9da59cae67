"""`stacked_digits`: three independently drawn digits stacked as three channels → 10³ = 1000 modes
(the "Stacked MNIST" protocol of Metz et al. 2017 and VEEGAN, Srivastava et al. 2017, here on
scikit-learn's bundled 8×8 digits)."""

import torch

from ganbench.api import ClassifierModes, Dataset, datasets
from ganbench.data.digits import digits_on
from ganbench.data.stacked import StackedData


@datasets.register("stacked_digits")
class StackedDigits(StackedData):
    """Each sample is three digits drawn uniformly and independently (with replacement) from the
    1797 8×8 digits, pixels in [−1, 1], stacked as channels: (3, 8, 8). A mode is the triple of
    digit classes: 1000 modes. ``size`` is None; one nominal epoch is 1797 samples."""

    sample_shape = (3, 8, 8)
    bounded = True

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        images, self.labels = digits_on(self.device)
        self.stack(images)

    def modes(self) -> ClassifierModes:
        """1000 modes: one digit class per channel (the 8×8 classifier)."""
        return ClassifierModes(channels=3, side=8)
