"""`cifar10`: CIFAR-10's colour images (Krizhevsky 2009) from the python batches the user downloaded."""

from pathlib import Path

import numpy as np
import torch

from ganbench.api import Field, Params, datasets
from ganbench.data.cifar import read_cifar
from ganbench.data.files import FileProblem, existing
from ganbench.data.held import HeldData
from ganbench.data.pixels import signed_pixels
from ganbench.errors import GanbenchError

_ALLOWED = (
    "ganbench expects CIFAR-10's python version, extracted from cifar-10-python.tar.gz: the folder "
    "cifar-10-batches-py (its data_batch_1 … data_batch_5 are read) or one batch file such as "
    "data_batch_1 or test_batch — a pickled dict whose b'data' is a uint8 array (N, 3072)."
)


@datasets.register("cifar10")
class Cifar10(HeldData):
    """32×32 colour images (3, 32, 32), 8-bit pixels scaled to [−1, 1] (x / 127.5 − 1), from
    ``path``: the folder ``cifar-10-batches-py`` (its five training batches, 50,000 images) or one
    batch file (10,000; ``test_batch`` for the test set). CIFAR-100's ``train``/``test`` files have
    the same layout and load too. The labels are kept in ``labels``; modes are unknown.

    Security: the batches are Python pickles, and a pickle can run code while it loads. They are
    read with an unpickler that builds only dicts, lists, strings, numbers and numpy arrays and
    refuses everything else (``ganbench.data.cifar``) — still, load only files from a source you
    trust, such as the dataset's official page. Held as one tensor on the device (50,000 images:
    614 MB); minibatches are uniform indices with replacement."""

    sample_shape = (3, 32, 32)
    bounded = True

    class Params(Params):
        path: str = Field(min_length=1, description="cifar-10-batches-py, or one batch file in it")

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        try:
            images, labels = read_cifar(existing(p.path, "file or folder"))
            if len(images) < 2:
                raise FileProblem(f"'{p.path}' holds {len(images)} image(s)")
            values, _ = signed_pixels(images, p.path)
        except FileProblem as exc:
            raise GanbenchError(f"dataset 'cifar10': {exc}. {_ALLOWED}") from None
        self.labels = torch.tensor(labels, device=self.device)
        self.hold(values)

    @classmethod
    def example_params(cls, folder: Path) -> dict:
        """A folder ``cifar-10-batches-py`` with two tiny batches of 6 random images each."""
        import pickle

        root = folder / "cifar-10-batches-py"
        root.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in (1, 2):
            batch = {
                b"batch_label": f"training batch {i} of 5".encode(),
                b"labels": rng.integers(0, 10, 6).tolist(),
                b"data": rng.integers(0, 256, (6, 3072), dtype=np.uint8),
                b"filenames": [f"img_{j}.png".encode() for j in range(6)],
            }
            (root / f"data_batch_{i}").write_bytes(pickle.dumps(batch, protocol=2))
        return {"path": str(root)}
