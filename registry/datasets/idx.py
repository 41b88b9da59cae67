"""`idx`: grey images from an IDX file the user downloaded — MNIST, Fashion-MNIST, KMNIST, EMNIST
(``train-images-idx3-ubyte.gz``, gzip-compressed or not)."""

from pathlib import Path

import numpy as np
import torch

from ganbench.api import ClassifierModes, Field, Params, datasets
from ganbench.data.files import FileProblem, existing
from ganbench.data.held import HeldData
from ganbench.data.idx import read_idx
from ganbench.data.pixels import signed_pixels
from ganbench.errors import GanbenchError

_ALLOWED = (
    "ganbench expects an IDX images file (e.g. MNIST's or Fashion-MNIST's train-images-idx3-ubyte.gz, "
    "gzip-compressed or not) holding at least 2 images (N, H, W) of 8-bit pixels; the labels files "
    "(…-labels-idx1-ubyte) are not needed."
)


@datasets.register("idx")
class Idx(HeldData):
    """The images of the IDX file ``path`` (read with numpy: ``ganbench.data.idx``) as grey images
    (1, H, W), 8-bit pixels scaled to [−1, 1] (x / 127.5 − 1). MNIST's ``train-images-idx3-ubyte.gz``
    gives its 60,000 training digits (1, 28, 28); Fashion-MNIST's file of the same name its 60,000
    clothes. Held as one tensor on the device; minibatches are uniform indices with replacement.

    ``digits: true`` says the file holds handwritten digits (MNIST), so that modes are the 10 digit
    classes told apart by the digit classifier of that image side (``ClassifierModes``); by default
    modes are unknown (a digit classifier says nothing about Fashion-MNIST)."""

    sample_shape = ()  # set per instance from the file
    bounded = True

    class Params(Params):
        path: str = Field(min_length=1, description="the IDX images file")
        digits: bool = Field(False, description="the file holds digits: count modes with a digit classifier")

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        try:
            array = read_idx(existing(p.path))
            if array.ndim != 3:
                what = "a labels file" if array.ndim == 1 else f"{array.ndim} dimensions {array.shape}"
                raise FileProblem(f"the file '{p.path}' holds {what}, not images (N, H, W)")
            if len(array) < 2:
                raise FileProblem(f"the file '{p.path}' holds {len(array)} image(s)")
            if p.digits and array.shape[1] != array.shape[2]:
                raise FileProblem(
                    f"the file '{p.path}' holds {array.shape[1]}×{array.shape[2]} images; "
                    "digits: true needs square ones"
                )
            values, _ = signed_pixels(array[:, None], p.path)
        except FileProblem as exc:
            raise GanbenchError(f"dataset 'idx': {exc}. {_ALLOWED}") from None
        self.hold(values)

    @classmethod
    def example_params(cls, folder: Path) -> dict:
        """A gzip-compressed IDX file of 20 random 8×8 grey images."""
        import gzip

        images = np.random.default_rng(0).integers(0, 256, (20, 8, 8), dtype=np.uint8)
        header = bytes([0, 0, 0x08, 3]) + np.array(images.shape, dtype=">u4").tobytes()
        path = folder / "images-idx3-ubyte.gz"
        path.write_bytes(gzip.compress(header + images.tobytes()))
        return {"path": str(path)}

    def modes(self) -> ClassifierModes | None:
        """The 10 digit classes (the classifier for this image side) with ``digits: true``, else None."""
        return ClassifierModes(channels=1, side=self.sample_shape[-1]) if self.params.digits else None
