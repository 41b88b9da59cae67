"""`stacked_mnist`: three MNIST digits as the R, G and B channels → 10³ = 1,000 modes (Metz et al.
2017, "Unrolled GANs"; Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN)."""

import torch

from ganbench.api import ClassifierModes, Dataset, datasets
from ganbench.data.mnist import mnist_on
from ganbench.data.stacked import StackedData


@datasets.register("stacked_mnist")
class StackedMnist(StackedData):
    """Each sample is three digits drawn uniformly and independently (with replacement) from the
    5,000 bundled MNIST digits (see ``mnist``), pixels in [−1, 1], stacked as the channels of one
    colour image: (3, 28, 28). A mode is the triple of digit classes: 1,000 modes, all equally
    likely. The published protocol stacks digits of the 60,000-digit training set; here they come
    from 5,000, which still gives 1.25·10¹¹ distinct stacks. ``size`` is None; one nominal epoch is
    5,000 samples. Drawn on the device for all seeds at once with one gather."""

    sample_shape = (3, 28, 28)
    bounded = True

    def __init__(self, params: Dataset.Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        images, self.labels = mnist_on(self.device)
        self.stack(images)

    def modes(self) -> ClassifierModes:
        """1,000 modes: one digit class per channel (the 28×28 classifier)."""
        return ClassifierModes(channels=3, side=28)
