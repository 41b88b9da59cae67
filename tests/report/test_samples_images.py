"""The report's samples section on image data: one grid of final samples per configuration,
grey or colour, 8×8 to 28×28 — and stores written before images kept their shape still draw."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from ganbench import registry
from ganbench.contracts.report import SectionContext
from ganbench.testing.report_data import SyntheticRun, synthetic_data

CONFIGS = ("minimax + alternating", "wasserstein + alternating")


def gallery(tmp_path: Path, dataset: str, flatten: bool = False) -> np.ndarray:
    """The samples section's figure for two configurations on ``dataset`` (its pixels, RGBA).
    ``flatten`` rewrites the final samples as flat vectors, as stores of earlier versions hold them."""
    runs = [
        SyntheticRun(dataset, c, 0, {"modes/covered": 1.0}, run_id=f"r{i}") for i, c in enumerate(CONFIGS)
    ]
    data = synthetic_data(runs, tmp_path / "artifacts")
    if flatten:
        for run in runs:
            path = data.artifact(run.run_id, "final_samples.npy")
            samples = np.load(path)
            np.save(path, samples.reshape(len(samples), -1))
    result = registry.reports.get("samples")().build(data, SectionContext(tmp_path / "report", "samples"))
    assert not result.notes and len(result.figures) == 1 and len(result.tables) == 1
    return matplotlib.image.imread(tmp_path / "report" / result.figures[0].path)


@pytest.mark.parametrize("dataset", ["mnist", "stacked_mnist", "digits"])
def test_image_data_gets_a_grid_per_configuration(tmp_path, dataset):
    image = gallery(tmp_path, dataset)
    assert image.shape[1] > 3 * 300  # real data + two configurations side by side
    assert image[..., :3].std() > 0.1  # dark ink on white: high contrast, not a blank or flat panel


def test_a_colour_image_set_is_drawn_in_colour(tmp_path):
    image = gallery(tmp_path, "image_folder")[..., :3]  # its example: colourful 8×8 images
    spread = image.max(axis=-1) - image.min(axis=-1)  # grey pixels have none
    assert (spread > 0.3).mean() > 0.05


def test_flat_samples_of_an_earlier_store_still_draw(tmp_path):
    image = gallery(tmp_path, "digits", flatten=True)
    assert image[..., :3].std() > 0.1
