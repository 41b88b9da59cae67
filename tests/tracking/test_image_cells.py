"""A cell on image data writes, for each seed and evaluation, a PNG grid of its generated images
(logged to MLflow under ``samples/``) and keeps its final samples as images."""

from __future__ import annotations

import matplotlib.image
import numpy as np

from ganbench.experiment.cell_run import CellTask, run_cell


def test_each_seed_gets_an_image_grid_at_every_evaluation(tmp_path):
    config = {
        "dataset": {"name": "stacked_mnist"},
        "seeds": [3, 4],
        "g_steps": 2,
        "eval_every": 1,
        "eval_samples": 80,
        "batch_size": 16,
        "metrics": [],  # the grids are drawn whatever is measured
        "generator": {"width": 16, "depth": 1},
        "discriminator": {"width": 16, "depth": 1},
        "device": "cpu",
    }
    outcome = run_cell(CellTask(config, str(tmp_path), "every_eval", label="tiny"))
    assert [s.seed for s in outcome.seeds] == [3, 4]
    for seed in (3, 4):
        folder = tmp_path / f"seed-{seed}"
        grids = sorted(p.name for p in folder.glob("samples_step*.png"))
        assert grids == ["samples_step0000001.png", "samples_step0000002.png"]
        image = matplotlib.image.imread(folder / grids[-1])
        assert image.shape[0] > 250 and image.shape[1] > 600  # real grid beside the seed's grid
        assert image[..., :3].std() > 0.05
        assert np.load(folder / "final_samples.npy").shape == (80, 3, 28, 28)
        assert str(folder / grids[-1]) in outcome.seeds[seed - 3].artifacts
