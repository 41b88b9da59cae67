"""`image_folder`: the user's own PNG/JPEG images, flat in one folder or one sub-folder per class."""

from pathlib import Path

import numpy as np
import torch

from ganbench.api import Field, Params, datasets
from ganbench.data.files import FileProblem, existing
from ganbench.data.held import HeldData
from ganbench.data.image_files import ColourMode, image_paths, read_images
from ganbench.data.pixels import signed_pixels
from ganbench.errors import GanbenchError

_ALLOWED = (
    "ganbench expects a folder of at least 2 PNG or JPEG files (.png, .jpg, .jpeg), either all "
    "directly in it or in one sub-folder per class, readable by Pillow; without side they must all "
    "have the same size."
)


@datasets.register("image_folder")
class ImageFolder(HeldData):
    """Every ``.png``/``.jpg``/``.jpeg`` file in the folder ``path`` — or, when the images sit in
    sub-folders, in each sub-folder one level down (one class each, the sub-folder's name; the
    labels are kept in ``labels`` and ``classes``) — read with Pillow.

    ``side``: each image is cropped to its central square and resized to side × side (Lanczos);
    unset, the images keep their size, which must be the same for all. ``mode``: ``grey`` (1
    channel), ``rgb`` (3 channels; an alpha channel is dropped), or ``auto`` (the default): grey
    when every file is greyscale, else RGB. Samples are (C, H, W), 8-bit pixels scaled to [−1, 1]
    (x / 127.5 − 1; 16-bit greys are scaled to 8 bits first). All images are read and checked when
    the dataset is built and held as one tensor on the device (N·C·H·W·4 bytes); minibatches are
    uniform indices with replacement. Modes are unknown."""

    sample_shape = ()  # set per instance from the images
    bounded = True

    class Params(Params):
        path: str = Field(min_length=1, description="the folder of images")
        side: int | None = Field(None, ge=4, le=1024, description="resize to side × side (centre crop)")
        mode: ColourMode = Field("auto", description="grey | rgb | auto (grey if every file is grey)")

    def __init__(self, params: Params | None, device: torch.device) -> None:
        super().__init__(params, device)
        p = self.params
        try:
            folder = existing(p.path, "folder")
            paths, labels, self.classes = image_paths(folder)
            if len(paths) < 2:
                raise FileProblem(f"the folder '{p.path}' holds a single image ('{paths[0].name}')")
            images, self.colour = read_images(paths, p.side, p.mode)
            values, _ = signed_pixels(images, p.path)
        except FileProblem as exc:
            raise GanbenchError(f"dataset 'image_folder': {exc}. {_ALLOWED}") from None
        self.files = paths
        self.labels = torch.tensor(labels, device=self.device)
        self.hold(values)

    @classmethod
    def example_params(cls, folder: Path) -> dict:
        """Two classes of small PNGs of different sizes — reddish and bluish noise — resized to 8 × 8."""
        from PIL import Image

        rng = np.random.default_rng(0)
        root = folder / "images"
        for k, name in enumerate(("red", "blue")):
            (root / name).mkdir(parents=True, exist_ok=True)
            for i in range(6):
                size = 10 + 2 * i
                pixels = rng.integers(0, 80, (size, size, 3))
                pixels[..., 2 * k] += 170  # the class's colour channel: red (0) or blue (2)
                Image.fromarray(pixels.astype(np.uint8)).save(root / name / f"{i}.png")
        return {"path": str(root), "side": 8}
